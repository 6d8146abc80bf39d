package classify

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
	"unicode"
)

// Options configure a Scanner.
type Options struct {
	// OrgFormColumn is the header of the column holding the organisation
	// form code (ENK, AS, …). When empty, a column named
	// organisasjonsform.kode, organisasjonsform or orgform is used if
	// present. Names in rows whose organisation form is ENK are flagged as
	// person names.
	OrgFormColumn string
	// Allow maps a column to the kinds the data steward acknowledges as
	// publishable in it (the definition's classification.allow), e.g. the
	// e-mail and phone of a municipal office. National identity numbers
	// cannot be allowed. Allowed kinds are still found and reported.
	Allow map[string][]string
	// Treated maps a column to the treatment already applied to it. Hashed
	// and masked columns hold our own output, not source values, and are
	// not scanned; in generalised columns the header no longer describes
	// the values, so only the values are scanned. A column the steward
	// keeps as not personal data (treatment keep, see Treater.Treated)
	// holds "keep: " and the steward's reason; it is scanned as usual.
	Treated map[string]string
	// Today is the date identity numbers are judged against: a birth date
	// after it, or more than MaxAge years before it, is not one a living
	// person has. Zero means the current date.
	Today time.Time
	// MaxExamples is the number of example line numbers kept per label
	// (default 5).
	MaxExamples int
}

// header hints
const (
	hintPersonStrong = 1 << iota
	hintPersonGeneric
	hintPhone
	hintEmail
	hintBank
	hintIP
	hintID
	hintENKName
	hintBirth
)

type counter struct {
	n  int64
	ex []int64
}

func (c *counter) add(line int64, max int) {
	c.n++
	if len(c.ex) < max {
		c.ex = append(c.ex, line)
	}
}

type colState struct {
	name     string
	hint     int
	treated  string
	keep     string // the steward's reason when the column is kept as not personal
	nonEmpty int64
	ids      [4]counter
	idCells  int64 // cells with a valid id of any kind
	// living counts the ids whose birth date a living person can have,
	// livingCells the cells with at least one.
	living      [4]counter
	livingCells int64
	eleven      int64 // cells with an 11-digit number
	bare11      int64 // cells with an 11-digit number without separators
	bankFmt     counter
	bankBare    counter
	phone       counter
	phoneBare   counter
	email       counter
	ip          counter
	orgnr       counter
	nameWhole   counter
	nameText    counter
	addrName    counter
	address     int64
	enk         counter
	// firstLines are the first lines with a non-empty value.
	firstLines []int64
	// memo remembers what the scan found in values seen before, for
	// columns with few distinct values (see memo).
	memo memo
}

// findings is what the scan finds in one value. It depends on the value
// alone (and the Scanner's fixed birth-date range), so a value seen before
// need not be looked at again.
type findings struct {
	// h is what the detectors found, nil when nothing to count.
	h *hits
	// whole: the value is a person's name; text: free text naming a
	// person; addr: an address.
	whole, text, addr bool
}

// Memo limits: values up to memoMaxLen bytes, up to memoMaxValues of them
// per column; after memoProbe lookups the memo stays only when at least
// three in four were hits (a column of categories, place names, codes or
// stock phrases), so high-cardinality columns pay only for the probe.
const (
	memoMaxLen    = 64
	memoMaxValues = 512
	memoProbe     = 4096
)

// memo maps a column's values to their findings.
type memo struct {
	m          map[string]findings
	off        bool
	look, hits int
}

// lookup returns the findings remembered for f.
func (m *memo) lookup(f string) (findings, bool) {
	m.look++
	r, ok := m.m[f]
	if ok {
		m.hits++
	}
	return r, ok
}

// remember keeps r, with a copy of h (what the detectors found, nil when
// nothing to count), as the findings for f, or turns the memo off when the
// probe shows too few hits. (h is passed apart from r so that the
// caller's hits can stay on its stack.)
func (m *memo) remember(f string, r findings, h *hits) {
	if m.look >= memoProbe && m.hits*4 < m.look*3 {
		m.off, m.m = true, nil
		return
	}
	if len(m.m) < memoMaxValues {
		if m.m == nil {
			m.m = make(map[string]findings, 64)
		}
		if h != nil {
			hc := *h
			r.h = &hc
		}
		// A copy: f may share memory with a whole record.
		m.m[strings.Clone(f)] = r
	}
}

// Scanner classifies the columns of one dataset, one row at a time. It
// keeps counters and a few line numbers per column, so its memory does not
// grow with the number of rows. A Scanner is not safe for concurrent use.
type Scanner struct {
	opts     Options
	max      int
	born     [2]int32 // birth dates (YYYYMMDD) a living person can have
	cols     []colState
	orgForm  int
	rows     int64
	addrCols []int
	notes    []string
	extra    bool // some row had more fields than the header
	// noMemo turns the memo off (tests compare both ways).
	noMemo bool
}

// NewScanner returns a Scanner for rows with the given header.
func NewScanner(header []string, opts Options) *Scanner {
	s := &Scanner{opts: opts, max: opts.MaxExamples, orgForm: -1}
	if s.max <= 0 {
		s.max = 5
	}
	s.born = livingBetween(opts.Today)
	for i, h := range header {
		c := newColState(h, opts.Treated[h])
		if c.treated != "" && c.treated != ActionKeep {
			// The header no longer describes the values: only what the
			// values show counts (for generalised columns).
			c.hint = 0
		}
		s.cols = append(s.cols, c)
		if opts.OrgFormColumn == "" && s.orgForm < 0 && isOrgFormHeader(h) || opts.OrgFormColumn != "" && h == opts.OrgFormColumn {
			s.orgForm = i
		}
	}
	if opts.OrgFormColumn != "" && s.orgForm < 0 {
		s.notes = append(s.notes, fmt.Sprintf("organisation-form column %q is not in the header; ENK names cannot be detected", opts.OrgFormColumn))
	}
	for col := range opts.Allow {
		if indexOf(header, col) < 0 {
			s.notes = append(s.notes, fmt.Sprintf("allow list names column %q, which is not in the header", col))
		}
	}
	for col := range opts.Treated {
		if indexOf(header, col) < 0 {
			s.notes = append(s.notes, fmt.Sprintf("treated column %q is not in the header", col))
		}
	}
	sort.Strings(s.notes)
	return s
}

// MaxAge is the oldest age, in years, a living person is taken to have.
// Norway's oldest people are about 110; 125 leaves a margin.
const MaxAge = 125

// livingBetween returns the first and last birth dates (YYYYMMDD) a living
// person can have on today (zero: now): MaxAge years before it, and today.
func livingBetween(today time.Time) [2]int32 {
	if today.IsZero() {
		today = time.Now()
	}
	y, m, d := today.Date()
	v := int32(m)*100 + int32(d)
	return [2]int32{int32(y-MaxAge)*10000 + v, int32(y)*10000 + v}
}

// newColState starts the state of a column; treated is its entry in
// Options.Treated.
func newColState(name, treated string) colState {
	c := colState{name: name, hint: headerHints(name), treated: treated}
	if reason, ok := keepReason(treated); ok {
		c.treated, c.keep = ActionKeep, reason
	}
	return c
}

func indexOf(xs []string, x string) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}

// compact lower-cases h and keeps only its letters and digits.
func compact(h string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(h) {
		switch r {
		case 'ø':
			r = 'o'
		case 'å':
			r = 'a'
		}
		if r == 'æ' {
			b.WriteString("ae")
			continue
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func containsAny(s string, subs ...string) bool {
	for _, x := range subs {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

// headerHints reads what a column header says about its values.
func headerHints(h string) int {
	c := compact(h)
	hint := 0
	if containsAny(c, "fornavn", "etternavn", "mellomnavn", "kandidatnavn", "personnavn", "fulltnavn", "fullname",
		"firstname", "lastname", "middlename", "surname", "givenname", "familyname", "kontaktperson", "saksbehandler") {
		hint |= hintPersonStrong
	}
	if c == "navn" || c == "name" {
		hint |= hintPersonGeneric
	}
	if containsAny(c, "telefon", "tlf", "mobil", "phone") {
		hint |= hintPhone
	}
	if containsAny(c, "epost", "email", "mail") {
		hint |= hintEmail
	}
	if containsAny(c, "kontonummer", "kontonr", "bankkonto", "account", "iban") {
		hint |= hintBank
	}
	if c == "ip" || containsAny(c, "ipadresse", "ipaddress", "ipaddr") {
		hint |= hintIP
	}
	if c == "fnr" || c == "ssn" || c == "dnr" || containsAny(c, "fodselsnummer", "fodselsnr", "personnummer", "personnr", "dnummer", "personid") {
		hint |= hintID
	}
	if c == "fodt" || c == "dob" || containsAny(c, "fodselsdato", "fodselsdag", "fodselsar", "birthdate", "dateofbirth", "birthyear", "yearofbirth", "fodtdato", "fodtar") {
		hint |= hintBirth
	}
	// Names of organisations (ENK names are person names).
	last := strings.ToLower(h)
	if k := strings.LastIndexAny(last, "._ -"); k >= 0 {
		last = last[k+1:]
	}
	if (last == "navn" || last == "name" || c == "foretaksnavn" || c == "firmanavn" || c == "enhetsnavn") &&
		!containsAny(c, "kommune", "fylke", "land", "sted", "post", "gate", "adresse", "vei", "bydel", "stop", "region") {
		hint |= hintENKName
	}
	return hint
}

func isOrgFormHeader(h string) bool {
	switch compact(h) {
	case "organisasjonsformkode", "organisasjonsform", "orgform", "orgformkode", "organisasjonsformkod":
		return true
	}
	return false
}

func isENK(v string) bool {
	v = strings.TrimSpace(v)
	return strings.EqualFold(v, "ENK") || strings.EqualFold(v, "Enkeltpersonforetak")
}

// Scan classifies one row. line is the row's line number in the source,
// kept as evidence; fields are its values in header order. Rows with more
// fields than the header are scanned too (the extra columns are reported as
// "#13", "#14" …).
func (s *Scanner) Scan(line int64, fields []string) {
	s.rows++
	rowName := false
	s.addrCols = s.addrCols[:0]
	for i, f := range fields {
		if i >= len(s.cols) {
			s.addColumns(i)
		}
		if f == "" {
			continue
		}
		c := &s.cols[i]
		c.nonEmpty++
		if len(c.firstLines) < s.max {
			c.firstLines = append(c.firstLines, line)
		}
		if c.treated == ActionHash || c.treated == ActionMask {
			continue
		}
		if c.hint&hintPersonStrong != 0 {
			rowName = true
		}
		var r findings
		var h hits // r.h points here when the detectors found something
		if !s.noMemo && !c.memo.off && len(f) <= memoMaxLen {
			var ok bool
			if r, ok = c.memo.lookup(f); ok && r.h != nil {
				h = *r.h
				r.h = &h
			} else if !ok {
				r = s.find(f, &h)
				c.memo.remember(f, findings{whole: r.whole, text: r.text, addr: r.addr}, r.h)
			}
		} else {
			r = s.find(f, &h)
		}
		if r.h != nil {
			s.count(c, line, r.h)
		}
		if r.whole {
			c.nameWhole.add(line, s.max)
			rowName = true
		} else if r.text {
			c.nameText.add(line, s.max)
		}
		if r.addr {
			c.address++
			s.addrCols = append(s.addrCols, i)
		}
	}
	if rowName {
		for _, i := range s.addrCols {
			s.cols[i].addrName.add(line, s.max)
		}
	}
	if s.orgForm >= 0 && s.orgForm < len(fields) && isENK(fields[s.orgForm]) {
		for i, f := range fields {
			if i < len(s.cols) && s.cols[i].hint&hintENKName != 0 && strings.TrimSpace(f) != "" {
				s.cols[i].enk.add(line, s.max)
			}
		}
	}
}

// find looks at one non-empty value. What the detectors find goes into h,
// and the findings point at h when there is something to count.
func (s *Scanner) find(f string, h *hits) findings {
	var r findings
	shape := shapeOf(f)
	if shape.needsDetect() {
		*h = hits{born: &s.born}
		shape.detect(f, h)
		if h.any() || h.orgnr > 0 || h.eleven > 0 {
			r.h = h
		}
	}
	digits, space := shape.digits, shape.spaces > 0
	// names and addresses need a space
	if space && (mayBeUpper(f[0]) || f[0] == ' ') && wholeName(f) {
		r.whole = true
	} else if space && len(f) >= 8 && textNames(f) > 0 {
		r.text = true
	}
	r.addr = space && digits > 0 && digits < len(f) && addressLike(f)
	return r
}

// addColumns adds the columns "#N" up to index i, for fields beyond the
// header.
func (s *Scanner) addColumns(i int) {
	s.extra = true
	for len(s.cols) <= i {
		name := fmt.Sprintf("#%d", len(s.cols)+1)
		c := newColState(name, s.opts.Treated[name])
		c.hint = 0
		s.cols = append(s.cols, c)
	}
}

func (s *Scanner) count(c *colState, line int64, h *hits) {
	id := false
	for k, n := range h.ids {
		if n > 0 {
			c.ids[k].add(line, s.max)
			id = true
		}
	}
	if id {
		c.idCells++
	}
	if h.living != 0 {
		for k := range c.living {
			if h.living&(1<<k) != 0 {
				c.living[k].add(line, s.max)
			}
		}
		c.livingCells++
	}
	if h.eleven > 0 {
		c.eleven++
	}
	if h.bare11 > 0 {
		c.bare11++
	}
	if h.bankFmt > 0 {
		c.bankFmt.add(line, s.max)
	}
	if h.bankBare {
		c.bankBare.add(line, s.max)
	}
	if h.phone > 0 {
		c.phone.add(line, s.max)
	}
	if h.phoneAll {
		c.phoneBare.add(line, s.max)
	}
	if h.email > 0 {
		c.email.add(line, s.max)
	}
	if h.ip > 0 {
		c.ip.add(line, s.max)
	}
	if h.orgnr > 0 {
		c.orgnr.add(line, s.max)
	}
}

var idKinds = [4]Kind{KindFodselsnummer, KindDnummer, KindHnummer, KindSyntheticID}

func share(n, of int64) float64 {
	if of == 0 {
		return 0
	}
	return math.Round(float64(n)/float64(of)*1000) / 1000
}

// Result returns the classification of the rows scanned so far.
func (s *Scanner) Result() Result {
	r := Result{Rows: s.rows, Notes: append([]string(nil), s.notes...)}
	if s.orgForm >= 0 {
		r.OrgFormColumn = s.cols[s.orgForm].name
	}
	if s.extra {
		r.Notes = append(r.Notes, "some rows have more fields than the header; the extra fields were scanned as columns #N")
	}
	anyName := false
	out := make([]Column, len(s.cols))
	for i := range s.cols {
		c := &s.cols[i]
		col := Column{Index: i, Name: c.name, NonEmpty: c.nonEmpty, Treated: c.treated, KeepReason: c.keep}
		for _, k := range s.opts.Allow[c.name] {
			col.Allowed = append(col.Allowed, Kind(k))
		}
		col.Labels, col.Notes = s.labels(c)
		for _, l := range col.Labels {
			if l.Kind == KindPersonName || l.Kind == KindENKName {
				anyName = true
			}
		}
		out[i] = col
	}
	// A street address is personal data when the row also names a person.
	for i := range s.cols {
		c := &s.cols[i]
		if c.addrName.n > 0 && anyName {
			out[i].Labels = append(out[i].Labels, s.label(KindAddressWithName, c.addrName, c, Medium, false,
				"street addresses in rows that also hold a person's name"))
		}
	}
	r.Columns = out
	return r
}

func (s *Scanner) label(k Kind, cnt counter, c *colState, conf Confidence, header bool, reason string) Label {
	return Label{
		Kind: k, Personal: k.Personal(), Confidence: conf, Matches: cnt.n, Share: share(cnt.n, c.nonEmpty),
		HeaderHint: header, Examples: append([]int64(nil), cnt.ex...), Reason: reason,
	}
}

func (s *Scanner) labels(c *colState) (ls []Label, notes []string) {
	if c.treated == ActionHash || c.treated == ActionMask {
		return nil, nil
	}
	// National identity numbers: every valid one counts (fail closed).
	// In a column of numeric keys, where the 11-digit values validate at
	// the rate chance gives (accounting keys of 10–15 digits, of which a
	// few per cent pass both control digits and the date test), a real
	// number hidden among the keys looks the same as a chance match. So
	// the numbers whose birth date a living person can have are labelled
	// there too (low confidence, marked chance-level: the steward may keep
	// the column as not personal data, with a reason), and only those
	// with a birth date no living person has are merely noted.
	ids, idCells := c.ids, c.idCells
	chance := c.idCells > 0 && c.eleven >= 20 && c.idCells*10 < c.eleven && c.hint&hintID == 0
	if chance {
		if dead := c.idCells - c.livingCells; dead > 0 {
			notes = append(notes, fmt.Sprintf("%d of %d cells with 11-digit numbers pass the fødselsnummer checks but hold a birth date no living person has (more than %d years ago, or in the future; %s): not labelled",
				dead, c.eleven, MaxAge, lineList(deadLines(c))))
		}
		ids, idCells = c.living, c.livingCells
	}
	for k, cnt := range ids {
		if cnt.n == 0 {
			continue
		}
		if chance {
			l := s.label(idKinds[k], cnt, c, Low, false, fmt.Sprintf(
				"%d of %d cells with 11-digit numbers pass the identity-number checks with a birth date a living person can have: "+
					"under 10%%, the rate chance gives among numeric keys, but a real number hidden among keys looks the same; "+
					"if the column holds keys, not people, keep it with a reason (treatments: {%q: {action: keep, reason: \"...\"}})",
				idCells, c.eleven, c.name))
			l.ChanceLevel = true
			ls = append(ls, l)
			continue
		}
		conf := Medium
		if c.hint&hintID != 0 || share(idCells, c.nonEmpty) >= 0.5 {
			conf = High
		}
		reason := "11-digit numbers with valid control digits and a plausible birth date"
		if c.eleven > idCells {
			reason += fmt.Sprintf(" (%d of %d cells with 11-digit numbers)", idCells, c.eleven)
		}
		ls = append(ls, s.label(idKinds[k], cnt, c, conf, c.hint&hintID != 0, reason))
	}
	if c.idCells == 0 && c.eleven > 0 {
		notes = append(notes, fmt.Sprintf("%d cells hold 11-digit numbers that are not valid identity numbers (control digits or date)", c.eleven))
	}
	// Bank accounts.
	switch {
	case c.bankFmt.n > 0:
		cnt := c.bankFmt
		cnt.n += c.bankBare.n
		ls = append(ls, s.label(KindBankAccount, cnt, c, High, c.hint&hintBank != 0, "account numbers in the 1234.56.78903 form with a valid control digit"))
	case c.bankBare.n > 0 && (c.hint&hintBank != 0 || share(c.bankBare.n, c.nonEmpty) >= 0.9):
		conf := Medium
		if c.hint&hintBank != 0 {
			conf = High
		}
		ls = append(ls, s.label(KindBankAccount, c.bankBare, c, conf, c.hint&hintBank != 0, "11-digit values with a valid account control digit"))
	case c.bankBare.n > 0:
		notes = append(notes, fmt.Sprintf("%d of %d cells with bare 11-digit numbers pass the bank-account control digit (about the 1 in 11 expected by chance); not labelled: under 90%% of the column and the header does not name an account", c.bankBare.n, c.bare11))
	}
	// E-mail.
	if c.email.n > 0 {
		conf := Medium
		if share(c.email.n, c.nonEmpty) >= 0.5 || c.hint&hintEmail != 0 {
			conf = High
		}
		ls = append(ls, s.label(KindEmail, c.email, c, conf, c.hint&hintEmail != 0, "e-mail addresses"))
	}
	// Phone.
	phoneShare := share(c.phoneBare.n, c.nonEmpty)
	switch {
	case c.phone.n > 0 || c.phoneBare.n > 0 && (c.hint&hintPhone != 0 || phoneShare >= 0.9):
		cnt := c.phone
		cnt.n += c.phoneBare.n
		cnt.ex = mergeLines(c.phone.ex, c.phoneBare.ex, s.max)
		conf := Medium
		if c.hint&hintPhone != 0 || share(cnt.n, c.nonEmpty) >= 0.5 {
			conf = High
		}
		ls = append(ls, s.label(KindPhone, cnt, c, conf, c.hint&hintPhone != 0, "Norwegian phone numbers (+47/0047, grouped, after a phone keyword, or a column of 8-digit numbers)"))
	case c.phoneBare.n > 0:
		notes = append(notes, fmt.Sprintf("%d cells are bare 8-digit numbers (%.1f%% of the column; not labelled phone: header does not name a phone and under 90%% of values have that shape)", c.phoneBare.n, 100*phoneShare))
	}
	// IP addresses.
	if c.ip.n > 0 {
		conf := Medium
		if c.hint&hintIP != 0 || share(c.ip.n, c.nonEmpty) >= 0.5 {
			conf = High
		}
		ls = append(ls, s.label(KindIPAddress, c.ip, c, conf, c.hint&hintIP != 0, "IPv4 or IPv6 addresses"))
	}
	// Person names.
	nameShare := share(c.nameWhole.n, c.nonEmpty)
	switch {
	case c.hint&hintPersonStrong != 0 && c.nonEmpty > 0:
		cnt := counter{n: c.nonEmpty, ex: c.firstLines}
		ls = append(ls, s.label(KindPersonName, cnt, c, High, true,
			fmt.Sprintf("the header names a person's name; %d values have the shape of a name", c.nameWhole.n)))
	case c.nameWhole.n > 0 && (c.hint&hintPersonGeneric != 0 || nameShare >= 0.2):
		conf := Medium
		if nameShare >= 0.5 {
			conf = High
		}
		ls = append(ls, s.label(KindPersonName, c.nameWhole, c, conf, c.hint&hintPersonGeneric != 0,
			"values shaped like \"Fornavn Etternavn\" or \"Etternavn, Fornavn\" with a common given name"))
	case c.nameWhole.n > 0 || c.nameText.n > 0:
		cnt := c.nameWhole
		cnt.n += c.nameText.n
		cnt.ex = mergeLines(c.nameWhole.ex, c.nameText.ex, s.max)
		ls = append(ls, s.label(KindPersonName, cnt, c, Low, false,
			"a common given name followed by a capitalised word, in some values or inside free text"))
	}
	// Birth dates, by header.
	if c.hint&hintBirth != 0 && c.nonEmpty > 0 {
		ls = append(ls, s.label(KindBirthDate, counter{n: c.nonEmpty, ex: c.firstLines}, c, High, true, "the header names a birth date or birth year"))
	}
	// ENK names.
	if c.enk.n > 0 {
		ls = append(ls, s.label(KindENKName, c.enk, c, High, true, "names of sole proprietorships (organisation form ENK), which are the owner's name"))
	}
	// Organisation numbers: reported, not personal.
	if c.orgnr.n > 0 && share(c.orgnr.n, c.nonEmpty) >= 0.5 {
		ls = append(ls, s.label(KindOrgNr, c.orgnr, c, High, false, "9-digit organisation numbers with a valid control digit (not personal data)"))
	}
	return ls, notes
}

// lineList is "line 7" or "lines 7, 9".
func lineList(ls []string) string {
	if len(ls) == 1 {
		return "line " + ls[0]
	}
	return "lines " + strings.Join(ls, ", ")
}

// deadLines lists the example lines of ids in c whose birth date no living
// person has: those among the examples of all ids that are not among the
// examples of the living ones (both are the first lines, so this is exact
// while fewer than MaxExamples of each were seen).
func deadLines(c *colState) []string {
	living := map[int64]bool{}
	for _, cnt := range c.living {
		for _, l := range cnt.ex {
			living[l] = true
		}
	}
	var all []int64
	for _, cnt := range c.ids {
		all = append(all, cnt.ex...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	var out []string
	for _, l := range all {
		if !living[l] {
			out = append(out, fmt.Sprint(l))
		}
	}
	return out
}

// mergeLines merges two ascending line lists, keeping at most max.
func mergeLines(a, b []int64, max int) []int64 {
	out := make([]int64, 0, max)
	for len(out) < max && (len(a) > 0 || len(b) > 0) {
		switch {
		case len(b) == 0 || len(a) > 0 && a[0] < b[0]:
			out = append(out, a[0])
			a = a[1:]
		case len(a) > 0 && a[0] == b[0]:
			out = append(out, a[0])
			a, b = a[1:], b[1:]
		default:
			out = append(out, b[0])
			b = b[1:]
		}
	}
	return out
}
