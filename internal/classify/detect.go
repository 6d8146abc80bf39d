package classify

import (
	"net/netip"
	"strings"
	"unicode"
	"unicode/utf8"
)

// This file holds the value detectors. They work on one cell at a time with
// byte scans (no regular expressions): a cheap pass over the bytes decides
// which detectors can match at all, and each detector looks only at the
// places where its pattern can start (a digit run, an '@', a colon).

// idKind classifies an 11-digit Norwegian national identity number given as
// exactly 11 ASCII digits. It returns "" when the number fails a control
// digit or its birth date does not exist (whether a living person can have
// that date is judged by the scanner, see livingBetween).
//
// Both mod-11 control digits must be valid. The date is DDMMYY with the
// century taken from the individual number (digits 7–9); a D-nummer adds 4
// to the first digit (day+40), an H-nummer adds 4 to the third digit
// (month+40), and Skatteetaten's synthetic test numbers add 8 to the third
// digit (month+80).
func idKind(d []byte) Kind {
	k, _ := idBirth(d)
	return k
}

// idBirth is idKind that also returns the birth date the number holds, as
// YYYYMMDD (0 when the number is not valid).
func idBirth(d []byte) (Kind, int32) {
	if len(d) != 11 {
		return "", 0
	}
	var n [11]int
	for i, c := range d {
		if c < '0' || c > '9' {
			return "", 0
		}
		n[i] = int(c - '0')
	}
	k1 := 11 - (3*n[0]+7*n[1]+6*n[2]+1*n[3]+8*n[4]+9*n[5]+4*n[6]+5*n[7]+2*n[8])%11
	if k1 == 11 {
		k1 = 0
	}
	if k1 == 10 || k1 != n[9] {
		return "", 0
	}
	k2 := 11 - (5*n[0]+4*n[1]+3*n[2]+2*n[3]+7*n[4]+6*n[5]+5*n[6]+4*n[7]+3*n[8]+2*n[9])%11
	if k2 == 11 {
		k2 = 0
	}
	if k2 == 10 || k2 != n[10] {
		return "", 0
	}
	day := n[0]*10 + n[1]
	month := n[2]*10 + n[3]
	yy := n[4]*10 + n[5]
	indiv := n[6]*100 + n[7]*10 + n[8]
	kind := KindFodselsnummer
	if day > 40 {
		day -= 40
		kind = KindDnummer
	}
	switch {
	case month > 80:
		month -= 80
		kind = KindSyntheticID
	case month > 40:
		month -= 40
		if kind != KindDnummer {
			kind = KindHnummer
		}
	}
	var year int
	switch {
	case indiv <= 499:
		year = 1900 + yy
	case indiv <= 749 && yy >= 54:
		year = 1800 + yy
	case indiv >= 500 && yy <= 39:
		year = 2000 + yy
	case indiv >= 900 && yy >= 40:
		year = 1900 + yy
	default:
		return "", 0
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(month, year) {
		return "", 0
	}
	return kind, int32(year*10000 + month*100 + day)
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// validAccount reports whether d (11 ASCII digits) is a Norwegian bank
// account number: the last digit is the mod-11 control digit of the first
// ten with weights 5,4,3,2,7,6,5,4,3,2.
func validAccount(d []byte) bool {
	if len(d) != 11 {
		return false
	}
	w := [10]int{5, 4, 3, 2, 7, 6, 5, 4, 3, 2}
	s := 0
	for i := 0; i < 10; i++ {
		s += w[i] * int(d[i]-'0')
	}
	k := 11 - s%11
	if k == 11 {
		k = 0
	}
	return k != 10 && k == int(d[10]-'0')
}

// validOrgNr reports whether d (9 ASCII digits) is an organisation number
// from Enhetsregisteret: first digit 8 or 9, mod-11 control digit with
// weights 3,2,7,6,5,4,3,2.
func validOrgNr(d []byte) bool {
	if len(d) != 9 || (d[0] != '8' && d[0] != '9') {
		return false
	}
	w := [8]int{3, 2, 7, 6, 5, 4, 3, 2}
	s := 0
	for i := 0; i < 8; i++ {
		s += w[i] * int(d[i]-'0')
	}
	k := 11 - s%11
	if k == 11 {
		k = 0
	}
	return k != 10 && k == int(d[8]-'0')
}

// hits is what the detectors found in one cell.
type hits struct {
	ids [4]int // fodselsnummer, dnummer, hnummer, synthetic
	// living has bit k set when an id of kind k has a birth date in
	// [born[0], born[1]] (YYYYMMDD), the birth dates a living person can
	// have; born is nil when no date counts.
	living   uint8
	born     *[2]int32
	eleven   int  // 11-digit numbers (bare or 6+5), valid or not
	bare11   int  // 11-digit numbers written without separators
	bankFmt  int  // formatted account numbers 1234.56.78903 / 1234 56 78903
	bankBare bool // the whole cell is 11 digits with a valid account control digit (and no valid id)
	phone    int  // +47/0047 or grouped 8-digit phone numbers, or after a phone keyword
	phoneAll bool // the whole cell is a bare 8-digit phone-shaped number
	orgnr    int
	email    int
	ip       int
	// found collects the matched id numbers when non-nil (tests and fuzzing).
	found *[]string
}

func (h *hits) any() bool {
	return h.ids != [4]int{} || h.bankFmt > 0 || h.bankBare || h.phone > 0 || h.phoneAll || h.email > 0 || h.ip > 0
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isAlnum(c byte) bool {
	return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

// leftOK reports whether a number may start at s[i]: not glued to a letter,
// a digit, or a decimal/thousands separator after a digit.
func leftOK(s string, i int) bool {
	if i == 0 {
		return true
	}
	c := s[i-1]
	if isAlnum(c) {
		return false
	}
	if (c == '.' || c == ',') && i >= 2 && isDigit(s[i-2]) {
		return false
	}
	return true
}

// rightOK reports whether a number may end before s[j].
func rightOK(s string, j int) bool {
	if j >= len(s) {
		return true
	}
	c := s[j]
	if isAlnum(c) {
		return false
	}
	if (c == '.' || c == ',') && j+1 < len(s) && isDigit(s[j+1]) {
		return false
	}
	return true
}

// runEnd returns the end of the digit run starting at i.
func runEnd(s string, i int) int {
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

// groups matches digit groups of the given lengths separated by sep,
// starting at i. It returns the end of the match, or -1.
func groups(s string, i int, sep byte, lens ...int) int {
	for k, l := range lens {
		if k > 0 {
			if i >= len(s) || s[i] != sep {
				return -1
			}
			i++
		}
		j := runEnd(s, i)
		if j-i != l {
			return -1
		}
		i = j
	}
	return i
}

// phoneAt matches a Norwegian subscriber number at i: 8 digits (first 2–9)
// bare or grouped 2-2-2-2 or 3-2-3 with spaces. It returns the end and
// whether the number was grouped, or -1.
func phoneAt(s string, i int) (end int, grouped bool) {
	if i >= len(s) || s[i] < '2' || s[i] > '9' {
		return -1, false
	}
	if e := groups(s, i, ' ', 2, 2, 2, 2); e > 0 && rightOK(s, e) {
		return e, true
	}
	if e := groups(s, i, ' ', 3, 2, 3); e > 0 && rightOK(s, e) {
		return e, true
	}
	if e := runEnd(s, i); e-i == 8 && rightOK(s, e) {
		return e, false
	}
	return -1, false
}

// dateShaped reports whether 8 digits look like a date (YYYYMMDD or
// DDMMYYYY) rather than a phone number.
func dateShaped(d string) bool {
	num := func(s string) int { return int(s[0]-'0')*10 + int(s[1]-'0') }
	if (d[:2] == "19" || d[:2] == "20") && num(d[4:6]) >= 1 && num(d[4:6]) <= 12 && num(d[6:8]) >= 1 && num(d[6:8]) <= 31 {
		return true
	}
	if (d[4:6] == "19" || d[4:6] == "20") && num(d[2:4]) >= 1 && num(d[2:4]) <= 12 && num(d[:2]) >= 1 && num(d[:2]) <= 31 {
		return true
	}
	return false
}

// phoneKeywordBefore reports whether a phone keyword (tlf, telefon, mob,
// phone …) ends within a few bytes before i.
func phoneKeywordBefore(s string, i int) bool {
	lo := i - 16
	if lo < 0 {
		lo = 0
	}
	w := s[lo:i]
	for _, k := range [...]string{"tlf", "telefon", "tel.", "tel:", "mob", "phone", "ring "} {
		if containsFold(w, k) {
			return true
		}
	}
	return false
}

// containsFold is an ASCII case-insensitive strings.Contains for a
// lower-case needle, without allocating.
func containsFold(s, needle string) bool {
	n := len(needle)
	for i := 0; i+n <= len(s); i++ {
		ok := true
		for k := 0; k < n; k++ {
			c := s[i+k]
			if c >= 'A' && c <= 'Z' {
				c += 'a' - 'A'
			}
			if c != needle[k] {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// scanDigits runs the number detectors over s.
func scanDigits(s string, h *hits) {
	trimmed := strings.TrimSpace(s)
	whole := func(i, e int) bool { return s[i:e] == trimmed }
	var buf [11]byte
	for i := 0; i < len(s); {
		if !isDigit(s[i]) {
			i++
			continue
		}
		j := runEnd(s, i)
		if !leftOK(s, i) && !(i > 0 && s[i-1] == '+') {
			i = j
			continue
		}
		l := j - i
		plus := i > 0 && s[i-1] == '+' && (i < 2 || !isAlnum(s[i-2]))
		switch {
		// +47 12345678, +4712345678, 0047 123 45 678 …
		case plus && l == 2 && s[i:j] == "47" || l == 4 && s[i:j] == "0047":
			k := j
			if k < len(s) && s[k] == ' ' {
				k++
			}
			if e, _ := phoneAt(s, k); e > 0 {
				h.phone++
				i = e
				continue
			}
		case plus && l == 10 && s[i:i+2] == "47" || l == 12 && s[i:i+4] == "0047":
			if e, _ := phoneAt(s, j-8); e == j {
				h.phone++
				i = j
				continue
			}
		}
		if !leftOK(s, i) {
			i = j
			continue
		}
		switch l {
		case 11:
			if rightOK(s, j) {
				h.eleven++
				h.bare11++
				copy(buf[:], s[i:j])
				if k, date := idBirth(buf[:]); k != "" {
					h.addID(k, date, buf[:])
				} else if validAccount(buf[:]) && whole(i, j) {
					h.bankBare = true
				}
			}
		case 6:
			e := groups(s, i, ' ', 6, 5)
			if e < 0 {
				e = groups(s, i, '-', 6, 5)
			}
			if e > 0 && rightOK(s, e) {
				h.eleven++
				copy(buf[:6], s[i:i+6])
				copy(buf[6:], s[i+7:e])
				if k, date := idBirth(buf[:]); k != "" {
					h.addID(k, date, buf[:])
				}
				i = e
				continue
			}
		case 4:
			for _, sep := range [...]byte{'.', ' '} {
				if e := groups(s, i, sep, 4, 2, 5); e > 0 && rightOK(s, e) {
					copy(buf[:4], s[i:i+4])
					copy(buf[4:6], s[i+5:i+7])
					copy(buf[6:], s[i+8:e])
					if validAccount(buf[:]) {
						h.bankFmt++
						i = e
					}
					break
				}
			}
			if i != j-l {
				continue
			}
		case 9:
			if rightOK(s, j) && validOrgNr([]byte(s[i:j])) {
				h.orgnr++
			}
		case 8:
			if e, _ := phoneAt(s, i); e == j && !dateShaped(s[i:j]) {
				if whole(i, j) {
					h.phoneAll = true
				} else if phoneKeywordBefore(s, i) {
					h.phone++
				}
			}
		case 2, 3:
			if e, grouped := phoneAt(s, i); e > 0 && grouped {
				h.phone++
				i = e
				continue
			}
		}
		if l <= 3 {
			if e := ipv4At(s, i); e > 0 {
				h.ip++
				i = e
				continue
			}
		}
		i = j
	}
}

func (h *hits) addID(k Kind, born int32, d []byte) {
	i := 0
	switch k {
	case KindDnummer:
		i = 1
	case KindHnummer:
		i = 2
	case KindSyntheticID:
		i = 3
	}
	h.ids[i]++
	if h.born != nil && born >= h.born[0] && born <= h.born[1] {
		h.living |= 1 << i
	}
	if h.found != nil {
		*h.found = append(*h.found, string(d))
	}
}

// ipv4At matches a dotted-quad IPv4 address at i.
func ipv4At(s string, i int) int {
	for part := 0; part < 4; part++ {
		if part > 0 {
			if i >= len(s) || s[i] != '.' {
				return -1
			}
			i++
		}
		j := runEnd(s, i)
		if j-i < 1 || j-i > 3 || (j-i > 1 && s[i] == '0') {
			return -1
		}
		v := 0
		for _, c := range []byte(s[i:j]) {
			v = v*10 + int(c-'0')
		}
		if v > 255 {
			return -1
		}
		i = j
	}
	if i < len(s) && (isAlnum(s[i]) || (s[i] == '.' && i+1 < len(s) && isDigit(s[i+1]))) {
		return -1
	}
	return i
}

func isLocalChar(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

func isDomainChar(c byte) bool { return isAlnum(c) || c == '.' || c == '-' }

// scanEmail counts e-mail addresses: local@domain.tld around each '@'.
func scanEmail(s string, h *hits) {
	for off := 0; ; {
		p := strings.IndexByte(s[off:], '@')
		if p < 0 {
			return
		}
		p += off
		off = p + 1
		a := p
		for a > 0 && isLocalChar(s[a-1]) {
			a--
		}
		if a == p {
			continue
		}
		e := p + 1
		for e < len(s) && isDomainChar(s[e]) {
			e++
		}
		dom := strings.TrimRight(s[p+1:e], ".-")
		dot := strings.LastIndexByte(dom, '.')
		if dot <= 0 || len(dom)-dot-1 < 2 || dom[0] == '.' || dom[0] == '-' {
			continue
		}
		tld := dom[dot+1:]
		letters := true
		for _, c := range []byte(tld) {
			if c|0x20 < 'a' || c|0x20 > 'z' {
				letters = false
			}
		}
		if !letters {
			continue
		}
		h.email++
		off = p + 1 + len(dom)
	}
}

func isHexOrColon(c byte) bool {
	return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f') || c == ':' || c == '.'
}

// scanIPv6 looks for IPv6 addresses in tokens made of hex digits, colons
// and dots that hold at least two colons.
func scanIPv6(s string, h *hits) {
	for i := 0; i < len(s); {
		if !isHexOrColon(s[i]) {
			i++
			continue
		}
		j := i
		colons := 0
		for j < len(s) && isHexOrColon(s[j]) {
			if s[j] == ':' {
				colons++
			}
			j++
		}
		if colons >= 2 && (i == 0 || !isAlnum(s[i-1])) && (j == len(s) || !isAlnum(s[j])) {
			tok := strings.TrimRight(s[i:j], ".")
			if a, err := netip.ParseAddr(tok); err == nil && a.Is6() && !a.Is4In6() {
				h.ip++
			}
		}
		i = j
	}
}

// byte classes for the first pass of scanCell
const (
	clDigit = 1 + iota
	clAt
	clColon
	clSpace
	clDot
)

var byteClass = func() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] = clDigit
	}
	t['@'], t[':'], t[' '], t['.'] = clAt, clColon, clSpace, clDot
	return t
}()

// cellShape is what one pass over a cell's bytes tells: how many digits
// and spaces it has, and which detectors it needs. Most cells need none.
type cellShape struct {
	digits, spaces int
	// numbers: a run of 5+ digits, a grouped phone number (2+ spaces) or an
	// IPv4 address (3 dots); email: an @; ipv6: two or more colons.
	numbers, email, ipv6 bool
}

// needsDetect reports whether a detector must look at the cell.
func (c cellShape) needsDetect() bool { return c.numbers || c.email || c.ipv6 }

func shapeOf(s string) cellShape {
	var c cellShape
	at, colons, dots, run, maxRun := false, 0, 0, 0, 0
	for i := 0; i < len(s); i++ {
		cl := byteClass[s[i]]
		if cl == 0 {
			run = 0
			continue
		}
		if cl == clDigit {
			c.digits++
			run++
			if run > maxRun {
				maxRun = run
			}
			continue
		}
		run = 0
		switch cl {
		case clAt:
			at = true
		case clColon:
			colons++
		case clSpace:
			c.spaces++
		case clDot:
			dots++
		}
	}
	// Every number pattern has a run of 5+ digits, or is a grouped phone
	// number (2+ spaces) or an IPv4 address (3 dots).
	c.numbers = c.digits >= 4 && (maxRun >= 5 || c.spaces >= 2 || dots >= 3)
	c.email = at
	c.ipv6 = colons >= 2
	return c
}

// detect runs the detectors the shape asks for, counting matches in h.
func (c cellShape) detect(s string, h *hits) {
	if c.numbers {
		scanDigits(s, h)
	}
	if c.email {
		scanEmail(s, h)
	}
	if c.ipv6 {
		scanIPv6(s, h)
	}
}

// scanCell runs every detector a cell needs, counting matches in h, and
// returns the cell's shape.
func scanCell(s string, h *hits) cellShape {
	c := shapeOf(s)
	c.detect(s, h)
	return c
}

// Names.

// word is a capitalised word: an upper-case letter followed by lower-case
// letters (hyphenated parts allowed, as in Anne-Lise), or an all upper-case
// word. It reports the form.
func wordShape(w string) (title, upper bool) {
	if len(w) < 2 {
		return false, false
	}
	r, n := utf8.DecodeRuneInString(w)
	if !unicode.IsUpper(r) {
		return false, false
	}
	title, upper = true, true
	letters := 1
	prevHyphen := false
	for _, r := range w[n:] {
		switch {
		case r == '-' || r == '\'':
			if prevHyphen {
				return false, false
			}
			prevHyphen = true
			continue
		case unicode.IsUpper(r):
			if !prevHyphen {
				title = false
			}
		case unicode.IsLower(r):
			upper = false
		default:
			return false, false
		}
		prevHyphen = false
		letters++
	}
	if prevHyphen || letters < 2 {
		return false, false
	}
	return title, upper
}

// givenName reports whether w (or its first hyphenated part) is in the
// bundled list of common given names.
func givenName(w string) bool {
	if _, ok := givenNames[w]; ok {
		return true
	}
	if k := strings.IndexByte(w, '-'); k > 0 {
		_, ok := givenNames[w[:k]]
		return ok
	}
	return false
}

// streetWords end a street address or a place named after a person
// ("Olav Kyrres gate"); a name followed by one is not a person's name.
var streetWords = map[string]bool{
	"gate": true, "gata": true, "gt": true, "gt.": true, "vei": true, "veien": true, "veg": true, "vegen": true,
	"vn": true, "vn.": true, "allé": true, "alle": true, "plass": true, "torg": true, "torget": true, "sti": true,
	"stien": true, "bakke": true, "bakken": true, "brygge": true, "brygga": true, "kai": true, "park": true,
	"parken": true, "skole": true, "skule": true, "kirke": true, "kyrkje": true, "barnehage": true, "senter": true,
	"sykehjem": true, "hus": true, "huset": true, "minde": true, "stadion": true, "hall": true, "hallen": true,
	"g": true, "v": true, "allè": true, "videregående": true, "vidaregåande": true, "stipend": true, "fond": true, "legat": true, "minnefond": true,
	"samling": true, "museum": true, "pris": true, "bru": true, "stasjon": true, "terminal": true, "sykehus": true,
}

// isStreetWord looks w up in streetWords, lower-casing ASCII letters into a
// stack buffer so the lookup does not allocate.
func isStreetWord(w string) bool {
	var buf [24]byte
	if len(w) > len(buf) {
		return false
	}
	for i := 0; i < len(w); i++ {
		c := w[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	return streetWords[string(buf[:len(w)])]
}

// wholeName reports whether the whole cell looks like a person's name:
// "Fornavn [Mellomnavn] Etternavn" or "Etternavn, Fornavn [Mellomnavn]",
// where the first given name is in the bundled list and every word is
// capitalised the same way.
func wholeName(s string) bool {
	s = strings.TrimSpace(s)
	if len(s) < 4 || len(s) > 64 {
		return false
	}
	if c := strings.IndexByte(s, ','); c > 0 {
		var lw, fw [3]string
		nl, okl := splitWords(s[:c], lw[:])
		nf, okf := splitWords(s[c+1:], fw[:])
		if !okl || !okf || nl < 1 || nl > 2 || nf < 1 || nf > 2 {
			return false
		}
		all := [4]string{}
		k := copy(all[:], lw[:nl])
		copy(all[k:], fw[:nf])
		return givenName(fw[0]) && sameShape(all[:nl+nf], true)
	}
	var ws [5]string
	n, ok := splitWords(s, ws[:])
	if !ok || n < 2 || n > 4 {
		return false
	}
	return givenName(ws[0]) && !streetSuffix(ws[n-1]) && sameShape(ws[:n], false)
}

// splitWords splits s at spaces into dst without allocating. ok is false
// when s has more words than dst holds.
func splitWords(s string, dst []string) (n int, ok bool) {
	for i := 0; i < len(s); {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i == len(s) {
			break
		}
		j := i
		for j < len(s) && s[j] != ' ' {
			j++
		}
		if n == len(dst) {
			return n, false
		}
		dst[n] = s[i:j]
		n++
		i = j
	}
	return n, true
}

// sameShape reports whether all words are capitalised (Kari), or, when
// upper is set, all upper-case (HANSEN, KARI: only the comma form, as
// upper-case text such as "EVA PROSJEKTET" is common in accounts).
func sameShape(ws []string, upper bool) bool {
	allTitle, allUpper := true, true
	for _, w := range ws {
		t, u := wordShape(w)
		allTitle = allTitle && t
		allUpper = allUpper && u
	}
	return allTitle || upper && allUpper
}

// textNames counts "Fornavn Etternavn" mentions in free text: a listed
// given name followed, in the same sentence, by one to three capitalised
// words, unless the name is part of a street or institution name ("Olav
// Kyrres gate", "Per Gyntveien 7", "Amalie Skram videregående skole").
func textNames(s string) int {
	n := 0
	w0, _, p := nextWord(s, 0)
	for w0 != "" {
		w1, brk1, p1 := nextWord(s, p)
		if brk1 || !namePair(w0, w1) {
			w0, p = w1, p1
			continue
		}
		// extend the run of capitalised words
		named := !streetSuffix(w1)
		end := p1
		for k := 0; k < 2; k++ {
			w, brk, e := nextWord(s, end)
			if brk || w == "" || !mayBeUpper(w[0]) {
				break
			}
			if t, _ := wordShape(w); !t {
				break
			}
			if streetSuffix(w) {
				named = false
			}
			end = e
		}
		if w, brk, _ := nextWord(s, end); w != "" && (isDigit(w[0]) || !brk && isStreetWord(w)) {
			named = false
		}
		if named {
			n++
		}
		w0, _, p = nextWord(s, end)
	}
	return n
}

// streetSuffix reports whether the word ends like a street name
// (Gyntveien, Hansensvei, Storgata).
func streetSuffix(w string) bool {
	for _, list := range [2][]string{streetSuffixes, placeSuffixes} {
		for _, suf := range list {
			if len(w) > len(suf)+2 && hasSuffixFold(w, suf) {
				return true
			}
		}
	}
	return false
}

// placeSuffixes end compound names of places and buildings
// (Ericsonterminalen, Hamsunsenteret); a "name" ending so is a place.
var placeSuffixes = []string{"terminalen", "terminal", "senteret", "senter", "skolen", "skule", "stasjon", "kirke", "kirka", "kyrkje",
	"hallen", "huset", "museet", "museum", "parken", "sykehjem", "sjukeheim", "tunet", "gården", "garden", "bryggen", "kaien"}

// hasSuffixFold is strings.HasSuffix with ASCII case folding, for a
// lower-case suffix, without allocating.
func hasSuffixFold(s, suf string) bool {
	if len(s) < len(suf) {
		return false
	}
	s = s[len(s)-len(suf):]
	for i := 0; i < len(suf); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != suf[i] {
			return false
		}
	}
	return true
}

// namePair reports whether w0 w1 is a listed given name followed by a
// capitalised word.
func namePair(w0, w1 string) bool {
	if w0 == "" || w1 == "" || !mayBeUpper(w0[0]) || !mayBeUpper(w1[0]) || !givenName(w0) {
		return false
	}
	t0, _ := wordShape(w0)
	t1, _ := wordShape(w1)
	return t0 && t1
}

// nextWord returns the word starting at or after i, whether a sentence
// break (punctuation) came before it, and the position after it.
func nextWord(s string, i int) (w string, brk bool, next int) {
	for i < len(s) && isSep(s[i]) {
		if s[i] != ' ' && s[i] != ',' && s[i] != '\t' {
			brk = true
		}
		i++
	}
	j := i
	for j < len(s) && !isSep(s[j]) {
		j++
	}
	return s[i:j], brk, j
}

// mayBeUpper is a cheap pre-filter: an ASCII capital or a UTF-8 lead
// byte (Æ, Ø, Å and other Latin capitals start with 0xC3).
func mayBeUpper(c byte) bool { return c >= 'A' && c <= 'Z' || c >= 0xC3 }

func isSep(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', ',', '.', ';', ':', '!', '?', '(', ')', '"', '/':
		return true
	}
	return false
}

// addressLike reports whether s holds a street address: a word ending in a
// street suffix (gate, gt, vei, veg, allé, plass …) followed by a house
// number.
func addressLike(s string) bool {
	for i := 1; i < len(s); i++ {
		if !isDigit(s[i]) || s[i-1] != ' ' || (i+1 < len(s) && isDigit(s[i+1]) && i+4 < len(s) && isDigit(s[i+4])) {
			continue
		}
		// the word before the space
		e := i - 1
		b := e
		for b > 0 && s[b-1] != ' ' && s[b-1] != ',' {
			b--
		}
		w := s[b:e]
		for _, suf := range streetSuffixes {
			if hasSuffixFold(w, suf) {
				return true
			}
		}
	}
	return false
}

var streetSuffixes = []string{"gate", "gata", "gt", "gt.", "vei", "veien", "veg", "vegen", "vn", "vn.", "allé", "allè", "alle", "plass", "torg", "torget", "stien", "bakken", "brygge", "brygga", "kaia"}
