package classify

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/dele-opendata/dele/datasets"
)

// Finding is one label of one column as the decision sees it.
type Finding struct {
	Column     string     `json:"column"`
	Kind       Kind       `json:"kind"`
	Personal   bool       `json:"personal"`
	Confidence Confidence `json:"confidence"`
	Matches    int64      `json:"matches"`
	NonEmpty   int64      `json:"nonEmpty"`
	Examples   []int64    `json:"examples,omitempty"`
	// Allowed is set when the definition acknowledges this kind in this
	// column (classification.allow).
	Allowed bool `json:"allowed,omitempty"`
	// ChanceLevel is Label.ChanceLevel: identity numbers at the rate chance
	// gives among numeric keys.
	ChanceLevel bool `json:"chanceLevel,omitempty"`
	// KeepReason is set when the definition keeps the column as not
	// personal data (treatment keep) and the declaration covers this
	// finding (chance-level identity numbers): the steward's reason.
	KeepReason string `json:"keepReason,omitempty"`
	// Blocking is set when this finding stops publication.
	Blocking bool   `json:"blocking"`
	Reason   string `json:"reason"`
}

// Decision is the access-rights decision for one run.
type Decision struct {
	// Declared is the access right in the definition.
	Declared string `json:"declared"`
	// Access is the access right to catalogue the dataset with: the declared
	// one, or NON_PUBLIC when the declared value is unknown or when a PUBLIC
	// dataset is blocked by personal data.
	Access string `json:"access"`
	// Publish is true only for a PUBLIC dataset with no blocking finding.
	// When false, no data file is published (metadata only).
	Publish bool `json:"publish"`
	// Rows is the number of rows scanned.
	Rows     int64     `json:"rows"`
	Findings []Finding `json:"findings"`
	// Message says what was decided and, when blocked, how to resolve it
	// (English); MessageNB says the same in bokmål.
	Message   string `json:"message"`
	MessageNB string `json:"messageNb"`
	// Notes are what the scanner saw but did not label (numbers that pass
	// a check at the rate chance gives, bare 8-digit numbers …), so a
	// steward can judge them; in English.
	Notes []string `json:"notes,omitempty"`
}

// Blocking returns the findings that stop publication.
func (d Decision) Blocking() []Finding {
	var out []Finding
	for _, f := range d.Findings {
		if f.Blocking {
			out = append(out, f)
		}
	}
	return out
}

// CheckAllow checks a definition's classification allow list against a
// header: every column must exist, every kind must be known, and national
// identity numbers can never be allowed.
func CheckAllow(header []string, allow map[string][]string) error {
	cols := make([]string, 0, len(allow))
	for c := range allow {
		cols = append(cols, c)
	}
	sort.Strings(cols)
	for _, c := range cols {
		if header != nil && indexOf(header, c) < 0 {
			return fmt.Errorf("classification.allow: column %q is not in the header", c)
		}
		for _, k := range allow[c] {
			kind := Kind(k)
			if !known(kind) {
				return fmt.Errorf("classification.allow: column %q: unknown kind %q (known: %s)", c, k, kindList())
			}
			if kind.NationalID() {
				return fmt.Errorf("classification.allow: column %q: %s cannot be allowed; drop or hash the column, or declare the dataset RESTRICTED", c, k)
			}
		}
	}
	return nil
}

func known(k Kind) bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

func kindList() string {
	s := make([]string, len(Kinds))
	for i, k := range Kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// Decide decides the access right of a dataset from its declared access
// right and the classification. It fails closed:
//
//   - PUBLIC: published only when no column holds personal data that is not
//     acknowledged in the allow list. Every personal label blocks, whatever
//     its confidence; contact information (e-mail, phone) blocks too unless
//     the column allows it (a municipal office's contact details are a
//     steward's call); national identity numbers can never be allowed.
//     Blocked: Publish=false and Access=NON_PUBLIC.
//   - RESTRICTED and NON_PUBLIC: never published (metadata only); the
//     findings are reported.
//   - Anything else (empty, misspelt): treated as NON_PUBLIC, not published.
func Decide(declaredAccess string, r Result) Decision {
	d := Decision{Declared: declaredAccess, Rows: r.Rows, Notes: append([]string(nil), r.Notes...)}
	var uncovered []string
	for _, c := range r.Columns {
		for _, n := range c.Notes {
			d.Notes = append(d.Notes, fmt.Sprintf("column %q: %s", c.Name, n))
		}
		for _, l := range c.Labels {
			f := Finding{
				Column: c.Name, Kind: l.Kind, Personal: l.Personal, Confidence: l.Confidence,
				Matches: l.Matches, NonEmpty: c.NonEmpty, Examples: l.Examples, Reason: l.Reason,
				ChanceLevel: l.ChanceLevel,
			}
			for _, a := range c.Allowed {
				if a == l.Kind && !l.Kind.NationalID() {
					f.Allowed = true
				}
			}
			if c.KeepReason != "" && l.ChanceLevel && l.Kind.NationalID() {
				f.KeepReason = c.KeepReason
			}
			f.Blocking = f.Personal && !f.Allowed && f.KeepReason == ""
			if c.KeepReason != "" && f.Blocking {
				uncovered = append(uncovered, fmt.Sprintf("column %q is kept as not personal data (%q), but keep covers only identity numbers at chance level among numeric keys; its %s finding still blocks", c.Name, c.KeepReason, l.Kind))
			}
			d.Findings = append(d.Findings, f)
		}
	}
	d.Notes = append(d.Notes, uncovered...)
	switch declaredAccess {
	case datasets.AccessPublic:
		blocking := d.Blocking()
		if len(blocking) == 0 {
			d.Access, d.Publish = datasets.AccessPublic, true
			d.Message = "Published as PUBLIC: no personal data found"
			d.MessageNB = "Publisert som PUBLIC: fant ingen personopplysninger"
			if en, nb := kept(d.Findings); en != "" {
				d.Message = "Published as PUBLIC on the steward's declaration: " + en + ". No other personal data found"
				d.MessageNB = "Publisert som PUBLIC etter forvalterens erklæring: " + nb + ". Fant ingen andre personopplysninger"
			}
			if n := allowedCount(d.Findings); n > 0 {
				d.Message += fmt.Sprintf(" apart from %d finding(s) the definition allows", n)
				d.MessageNB += fmt.Sprintf(" utover %d funn som definisjonen tillater", n)
			}
			d.Message += "."
			d.MessageNB += "."
			return d
		}
		d.Access = datasets.AccessNonPublic
		what, whatNB := describe(blocking)
		d.Message = "Not published: the dataset is declared PUBLIC but holds personal data: " + what + ". " +
			"To resolve, for each column: drop it (treatments: {column: {action: drop}}), mask it (action: mask), " +
			"pseudonymise it with a keyed hash whose key comes from a secret (action: hash, keyEnv: NAME), " +
			"generalise or aggregate it (action: generalise, to: year), or declare the dataset RESTRICTED. " +
			"If the values are an office's contact details, not a person's, acknowledge them in classification.allow." +
			chanceHint(blocking, "en")
		d.MessageNB = "Ikke publisert: datasettet er erklært PUBLIC, men inneholder personopplysninger: " + whatNB + ". " +
			"Løs det for hver kolonne: fjern den (treatments: {kolonne: {action: drop}}), masker den (action: mask), " +
			"pseudonymiser med en nøklet hash der nøkkelen kommer fra en hemmelighet (action: hash, keyEnv: NAVN), " +
			"generaliser eller aggreger (action: generalise, to: year), eller erklær datasettet RESTRICTED. " +
			"Er verdiene kontaktopplysninger til et kontor og ikke en person, godkjenn dem i classification.allow." +
			chanceHint(blocking, "nb")
		return d
	case datasets.AccessRestricted, datasets.AccessNonPublic:
		d.Access = declaredAccess
		d.Message = fmt.Sprintf("Declared %s: catalogued with metadata only, no data file published.", declaredAccess)
		d.MessageNB = fmt.Sprintf("Erklært %s: katalogisert med metadata, ingen datafil publisert.", declaredAccess)
		for i := range d.Findings {
			d.Findings[i].Blocking = false
		}
		return d
	default:
		d.Access = datasets.AccessNonPublic
		d.Message = fmt.Sprintf("Not published: access %q is not PUBLIC, RESTRICTED or NON_PUBLIC; treated as NON_PUBLIC.", declaredAccess)
		d.MessageNB = fmt.Sprintf("Ikke publisert: tilgang %q er ikke PUBLIC, RESTRICTED eller NON_PUBLIC; behandlet som NON_PUBLIC.", declaredAccess)
		return d
	}
}

// chanceHint adds to a blocked decision's message how to resolve
// identity numbers found at chance level among numeric keys, when there
// are any.
func chanceHint(blocking []Finding, lang string) string {
	var cols []string
	for _, f := range blocking {
		if f.ChanceLevel && !slices.Contains(cols, f.Column) {
			cols = append(cols, fmt.Sprintf("%q", f.Column))
		}
	}
	if len(cols) == 0 {
		return ""
	}
	if lang == "nb" {
		return " Fødselsnumrene i " + strings.Join(cols, ", ") + " består kontrollene bare så ofte som tilfeldig blant numeriske nøkler, men ett ekte nummer blant nøkler ser likt ut. " +
			"Holder kolonnen nøkler og ikke personer, behold den med en begrunnelse (treatments: {kolonne: {action: keep, reason: \"…\"}}); begrunnelsen står i rapporten."
	}
	return " The identity numbers in " + strings.Join(cols, ", ") + " pass the checks only as often as chance does among numeric keys, but one real number among keys looks the same. " +
		"If the column holds keys, not people, keep it with a reason (treatments: {column: {action: keep, reason: \"…\"}}); the reason is printed in the report."
}

// kept says which columns the definition keeps as not personal data, with
// the steward's reasons, for the findings the declaration covers.
func kept(fs []Finding) (en, nb string) {
	var cols []string
	n := map[string]int64{}
	reason := map[string]string{}
	for _, f := range fs {
		if f.KeepReason == "" {
			continue
		}
		if _, ok := n[f.Column]; !ok {
			cols = append(cols, f.Column)
		}
		n[f.Column] += f.Matches
		reason[f.Column] = f.KeepReason
	}
	if len(cols) == 0 {
		return "", ""
	}
	var pe, pn []string
	for _, c := range cols {
		pe = append(pe, fmt.Sprintf("column %q has %d value(s) that pass the identity-number checks at the rate chance gives among keys, and the definition keeps it as not personal data because %q", c, n[c], reason[c]))
		pn = append(pn, fmt.Sprintf("kolonne %q har %d verdi(er) som består kontrollene for fødselsnummer så ofte som tilfeldig blant nøkler, og definisjonen beholder den som ikke personopplysninger fordi %q", c, n[c], reason[c]))
	}
	return strings.Join(pe, "; "), strings.Join(pn, "; ")
}

func allowedCount(fs []Finding) int {
	n := 0
	for _, f := range fs {
		if f.Allowed {
			n++
		}
	}
	return n
}

// describe lists "column (kind, kind)" for the findings, in column order.
func describe(fs []Finding) (en, nb string) {
	var order []string
	kinds := map[string][]Kind{}
	for _, f := range fs {
		if _, ok := kinds[f.Column]; !ok {
			order = append(order, f.Column)
		}
		kinds[f.Column] = append(kinds[f.Column], f.Kind)
	}
	var pe, pn []string
	for _, c := range order {
		var ke, kn []string
		for _, k := range kinds[c] {
			ke = append(ke, kindName(k, "en"))
			kn = append(kn, kindName(k, "nb"))
		}
		pe = append(pe, fmt.Sprintf("column %q (%s)", c, strings.Join(ke, ", ")))
		pn = append(pn, fmt.Sprintf("kolonne %q (%s)", c, strings.Join(kn, ", ")))
	}
	return strings.Join(pe, "; "), strings.Join(pn, "; ")
}

var kindNames = map[Kind][2]string{
	KindFodselsnummer:   {"fødselsnummer (national identity number)", "fødselsnummer"},
	KindDnummer:         {"D-nummer (identity number)", "D-nummer"},
	KindHnummer:         {"H-nummer (help identity number)", "H-nummer"},
	KindSyntheticID:     {"synthetic test identity number", "syntetisk testidentitet"},
	KindEmail:           {"e-mail addresses", "e-postadresser"},
	KindPhone:           {"phone numbers", "telefonnumre"},
	KindBankAccount:     {"bank account numbers", "kontonumre"},
	KindIPAddress:       {"IP addresses", "IP-adresser"},
	KindPersonName:      {"person names", "personnavn"},
	KindAddressWithName: {"addresses next to person names", "adresser sammen med personnavn"},
	KindENKName:         {"names of sole proprietorships (a person's name)", "navn på enkeltpersonforetak (personnavn)"},
	KindBirthDate:       {"birth dates or years", "fødselsdatoer eller fødselsår"},
	KindOrgNr:           {"organisation numbers (not personal data)", "organisasjonsnumre (ikke personopplysninger)"},
}

func kindName(k Kind, lang string) string {
	n, ok := kindNames[k]
	if !ok {
		return string(k)
	}
	if lang == "nb" {
		return n[1]
	}
	return n[0]
}

// Text renders the decision as a report a data steward can read, in
// bokmål (lang "nb") or English (anything else).
func (d Decision) Text(lang string) string {
	nb := lang == "nb"
	var b strings.Builder
	t := func(en, no string) string {
		if nb {
			return no
		}
		return en
	}
	fmt.Fprintf(&b, "%s\n", t("Personal-data classification", "Klassifisering av personopplysninger"))
	fmt.Fprintf(&b, "%s: %s; %s: %s; %s: %d\n",
		t("Declared access", "Erklært tilgang"), d.Declared,
		t("decided", "besluttet"), d.Access,
		t("rows scanned", "rader skannet"), d.Rows)
	if d.Publish {
		fmt.Fprintf(&b, "%s\n", t("Data will be published.", "Data blir publisert."))
	} else {
		fmt.Fprintf(&b, "%s\n", t("No data file will be published.", "Ingen datafil blir publisert."))
	}
	if nb {
		fmt.Fprintf(&b, "%s\n", d.MessageNB)
	} else {
		fmt.Fprintf(&b, "%s\n", d.Message)
	}
	if len(d.Findings) == 0 {
		fmt.Fprintf(&b, "%s\n", t("Findings: none.", "Funn: ingen."))
	} else {
		fmt.Fprintf(&b, "%s\n", t("Findings (line numbers of examples, never values):", "Funn (linjenumre til eksempler, aldri verdier):"))
	}
	for _, f := range d.Findings {
		status := t("info", "info")
		switch {
		case f.Blocking:
			status = t("BLOCKS", "STOPPER")
		case f.Allowed:
			status = t("allowed", "tillatt")
		case f.KeepReason != "":
			status = t("kept as not personal data: ", "beholdt som ikke personopplysninger: ") + f.KeepReason
		case f.Personal:
			status = t("personal", "personopplysning")
		}
		fmt.Fprintf(&b, "- %s %q: %s, %s %s, %d/%d %s",
			t("column", "kolonne"), f.Column, kindName(f.Kind, lang),
			t("confidence", "sikkerhet"), confName(f.Confidence, nb),
			f.Matches, f.NonEmpty, t("non-empty cells", "ikke-tomme celler"))
		if len(f.Examples) > 0 {
			ls := make([]string, len(f.Examples))
			for i, l := range f.Examples {
				ls[i] = fmt.Sprint(l)
			}
			fmt.Fprintf(&b, ", %s %s", t("lines", "linjer"), strings.Join(ls, ", "))
		}
		fmt.Fprintf(&b, " [%s]\n", status)
	}
	if len(d.Notes) > 0 {
		fmt.Fprintf(&b, "%s\n", t("Notes (seen, not labelled):", "Merknader (sett, ikke merket; på engelsk):"))
		for _, n := range d.Notes {
			fmt.Fprintf(&b, "- %s\n", n)
		}
	}
	return b.String()
}

func confName(c Confidence, nb bool) string {
	if !nb {
		return string(c)
	}
	switch c {
	case High:
		return "høy"
	case Medium:
		return "middels"
	case Low:
		return "lav"
	}
	return string(c)
}

// OptionsFor builds the scanner options of a definition: its allow list
// and organisation-form column, and the columns t has masked or hashed
// (t may be nil when the definition has no treatments).
func OptionsFor(d *datasets.Definition, t *Treater) Options {
	o := Options{Allow: d.Classification.Allow, OrgFormColumn: d.Classification.OrgFormColumn}
	if t != nil {
		o.Treated = t.Treated()
	}
	return o
}
