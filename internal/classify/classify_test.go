package classify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/dele-opendata/dele/datasets"
)

func hmacHex(key, v string) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(v))
	return hex.EncodeToString(m.Sum(nil))
}

// account returns a valid account number (11 digits) that is not also an
// identity number.
func account(t testing.TB) string {
	for n := 1503112233; ; n++ {
		for k := byte('0'); k <= '9'; k++ {
			s := []byte(fmt.Sprintf("%010d", n))
			s = append(s, k)
			if validAccount(s) && idKind(s) == "" {
				return string(s)
			}
		}
	}
}

// findID returns a number with valid control digits for the date, with
// an individual number in lo..hi.
func findID(t testing.TB, day, month, yy, lo, hi int) string {
	for i := lo; i <= hi; i++ {
		if s := makeID(day, month, yy, i); s != "" {
			return s
		}
	}
	t.Fatalf("no control digits for %02d%02d%02d", day, month, yy)
	return ""
}

func TestIDKind(t *testing.T) {
	fnr := findID(t, 1, 1, 0, 0, 499)     // 1 Jan 1900
	dnr := findID(t, 41, 1, 80, 0, 499)   // D-nummer, 1 Jan 1980
	hnr := findID(t, 15, 46, 75, 0, 499)  // H-nummer, 15 June 1975
	syn := findID(t, 15, 86, 75, 0, 499)  // synthetic, 15 June 1975
	leap := findID(t, 29, 2, 0, 500, 999) // 29 Feb 2000: leap year
	noLeap := findID(t, 29, 2, 0, 0, 499) // 29 Feb 1900: not a leap year
	old := findID(t, 1, 1, 60, 500, 749)  // 1 Jan 1860
	bad := findID(t, 1, 1, 45, 500, 749)  // no century for 45 with 500–749
	tests := []struct {
		in   string
		want Kind
	}{
		{fnr, KindFodselsnummer},
		{dnr, KindDnummer},
		{hnr, KindHnummer},
		{syn, KindSyntheticID},
		{leap, KindFodselsnummer},
		{noLeap, ""},
		{old, KindFodselsnummer},
		{bad, ""},
		{fnr[:10] + string('0'+(fnr[10]-'0'+1)%10), ""}, // second control digit wrong
		{fnr[:9] + string('0'+(fnr[9]-'0'+1)%10) + fnr[10:], ""},
		{"00000000000", ""},
		{"64912057000", ""}, // Stavanger accounting key
		{"1234567890", ""},
		{"1234567890a", ""},
	}
	for _, tt := range tests {
		if got := idKind([]byte(tt.in)); got != tt.want {
			t.Errorf("idKind(%s) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCellDetectors(t *testing.T) {
	fnr := findID(t, 24, 12, 85, 200, 499)
	acc := account(t)
	dotted := acc[:4] + "." + acc[4:6] + "." + acc[6:]
	tests := []struct {
		in   string
		want hits
	}{
		{fnr, hits{ids: [4]int{1}, eleven: 1, bare11: 1}},
		{fnr[:6] + " " + fnr[6:], hits{ids: [4]int{1}, eleven: 1}},
		{fnr[:6] + "-" + fnr[6:], hits{ids: [4]int{1}, eleven: 1}},
		{"108021-6000", hits{}}, // Stavanger key with a hyphen
		{"Gjelder " + fnr + ", se sak.", hits{ids: [4]int{1}, eleven: 1, bare11: 1}},
		{"x" + fnr, hits{}},             // glued to a letter
		{fnr + "5", hits{}},             // 12 digits
		{"1" + fnr[:10] + ",5", hits{}}, // a decimal number
		{"0" + fnr, hits{}},             // 12 digits
		{"2121102383000", hits{}},       // 13-digit key
		{dotted[:12] + string('0'+(dotted[12]-'0'+1)%10), hits{}}, // control digit wrong
		{dotted, hits{bankFmt: 1}},
		{"Konto " + strings.ReplaceAll(dotted, ".", " ") + " brukes", hits{bankFmt: 1}},
		{acc, hits{eleven: 1, bare11: 1, bankBare: true}},
		{"post@kommune.no", hits{email: 1}},
		{"Skriv til a.b-c@sub.example.com eller x@y.no.", hits{email: 2}},
		{"@EigersundK #EkValg", hits{}},
		{"navn@localhost", hits{}},
		{"+47 41234567", hits{phone: 1}},
		{"+4741234567", hits{phone: 1}},
		{"0047 412 34 567", hits{phone: 1}},
		{"Telefon 63 91 10 00 eller e-post", hits{phone: 1}},
		{"ring 412 34 567", hits{phone: 1}},
		{"tlf. 69806000", hits{phone: 1}},
		{"41234567", hits{phoneAll: true}},
		{"beløp 41234567 kr", hits{}}, // bare 8 digits without a keyword
		{"12 34 56 78", hits{}},       // Norwegian numbers do not start with 1
		{"12 345 678", hits{}},        // thousands grouping
		{"20170910", hits{}},          // a date, not a phone
		{"Konto 964965226", hits{orgnr: 1}},
		{"10.0.0.1", hits{ip: 1}},
		{"fra 192.168.10.255:8080", hits{ip: 1}},
		{"versjon 1.2.3", hits{}},
		{"1.2.3.4.5", hits{}},
		{"256.1.1.1", hits{}},
		{"2001:db8::1", hits{ip: 1}},
		{"fe80::1ff:fe23:4567:890a", hits{ip: 1}},
		{"2017-09-10 16:00:00", hits{}},
		{"NSR:StopPlace:536", hits{}},
		{"59.12273755942663, 11.383713253967243", hits{}},
	}
	for _, tt := range tests {
		var h hits
		scanCell(tt.in, &h)
		if h != tt.want {
			t.Errorf("scanCell(%q) = %+v, want %+v", tt.in, h, tt.want)
		}
	}
}

func TestNames(t *testing.T) {
	whole := map[string]bool{
		"Kari Nordmann":                    true,
		"Ola Johan Hansen":                 true,
		"Nordmann, Kari":                   true,
		"Hansen, Anne-Lise":                true,
		"HANSEN, KARI":                     true,
		"Anne-Lise Berg":                   true,
		"Kari":                             false,
		"EVA PROSJEKTET":                   false, // upper case only in the comma form
		"Bjørnstjerne Bjørnsons gate":      false,
		"Per Gyntveien":                    false,
		"Knut Hamsunsenteret":              false,
		"Halden Rådhus":                    false,
		"Kari Nordmann og Ola Nordmann AS": false, // five words
	}
	for in, want := range whole {
		if got := wholeName(in); got != want {
			t.Errorf("wholeName(%q) = %v, want %v", in, got, want)
		}
	}
	text := map[string]int{
		"Snakket med Kari Nordmann i dag":                 1,
		"Kari Nordmann og Per Olsen møtte":                2,
		"Møtested: Olav Kyrres gate 23":                   0,
		"ved Johan Jørgen Schwartz plass":                 0,
		"Amalie Skram videregående skole":                 0,
		"Per 1. januar. Ola. Nordmann":                    0,
		"Christian Magnus Falsens vei 1":                  0,
		"Göteborg Nils Ericsonterminalen":                 0,
		"Olav Kyrres g. 23":                               0,
		"Husk gyldig legitimasjon og valgkortet ditt her": 0,
	}
	for in, want := range text {
		if got := textNames(in); got != want {
			t.Errorf("textNames(%q) = %d, want %d", in, got, want)
		}
	}
	// through the scanner, with padding: whole-value names, not free text
	r := scanRows([]string{"kontakt"}, Options{}, []string{" Kari Nordmann"}, []string{"Hansen, Ola "})
	if got := labels(r)["kontakt"][KindPersonName]; got.Matches != 2 || got.Confidence != High {
		t.Errorf("padded names: %+v", got)
	}
}

// labels returns column → kind → label of a result.
func labels(r Result) map[string]map[Kind]Label {
	m := map[string]map[Kind]Label{}
	for _, c := range r.Columns {
		for _, l := range c.Labels {
			if m[c.Name] == nil {
				m[c.Name] = map[Kind]Label{}
			}
			m[c.Name][l.Kind] = l
		}
	}
	return m
}

func scanRows(header []string, opts Options, rows ...[]string) Result {
	s := NewScanner(header, opts)
	for i, r := range rows {
		s.Scan(int64(i+2), r)
	}
	return s.Result()
}

// TestBadDateColumn documents a consequence of the control digits: a
// number with valid fødselsnummer control digits but an impossible date is
// not an identity number, yet it passes the bank-account check (same
// weights as the second control digit), so a whole column of them is
// labelled bank-account and blocks: the gate fails closed.
func TestBadDateColumn(t *testing.T) {
	var rows [][]string
	for yy := 0; len(rows) < 30; yy++ {
		if s := makeID(31, 2, yy%100, 100+yy); s != "" {
			rows = append(rows, []string{s})
		}
	}
	r := scanRows([]string{"nummer"}, Options{}, rows...)
	l := labels(r)["nummer"]
	if _, ok := l[KindFodselsnummer]; ok {
		t.Error("impossible dates labelled fodselsnummer")
	}
	if l[KindBankAccount].Matches != 30 {
		t.Errorf("bank-account matches = %d, want 30", l[KindBankAccount].Matches)
	}
}

func TestHeaderAndRows(t *testing.T) {
	header := []string{"fornavn", "adresse", "telefon", "kontonr", "notat"}
	acc := account(t)
	r := scanRows(header, Options{MaxExamples: 2},
		[]string{"Kari", "Storgata 1", "41234567", acc, ""},
		[]string{"Ola", "Kirkeveien 2B", "91234567", acc, ""},
		[]string{"", "Åsveien 3", "", "", ""},
		[]string{"Siri", "", "", "", "", "ekstra " + findID(t, 1, 1, 0, 100, 499)}, // an extra field
	)
	l := labels(r)
	if got := l["fornavn"][KindPersonName]; got.Matches != 3 || got.Confidence != High || !got.HeaderHint {
		t.Errorf("fornavn: %+v", got)
	}
	if got := l["adresse"][KindAddressWithName]; got.Matches != 2 || len(got.Examples) != 2 || got.Examples[0] != 2 {
		t.Errorf("adresse: %+v", got)
	}
	if got := l["telefon"][KindPhone]; got.Matches != 2 {
		t.Errorf("telefon: %+v", got)
	}
	if got := l["kontonr"][KindBankAccount]; got.Matches != 2 {
		t.Errorf("kontonr: %+v", got)
	}
	if got := l["#6"][KindFodselsnummer]; got.Matches != 1 || got.Examples[0] != 5 {
		t.Errorf("extra field: %+v (result %+v)", got, r)
	}
	if len(r.Notes) == 0 {
		t.Error("no note about the extra field")
	}
	if txt := Decide(datasets.AccessPublic, r).Text("en"); !strings.Contains(txt, "more fields than the header") {
		t.Errorf("note missing from the text report:\n%s", txt)
	}
}

func TestBirthDate(t *testing.T) {
	r := scanRows([]string{"kandidatnavn", "fødselsår", "stemmer"}, Options{},
		[]string{"Nordmann, Kari", "1964", "120"}, []string{"Hansen, Ola", "", "80"}, []string{"Berg, Siri", "1971", "75"})
	l := labels(r)
	if got := l["fødselsår"][KindBirthDate]; got.Matches != 2 || got.Examples[1] != 4 {
		t.Errorf("fødselsår: %+v", got)
	}
	if got := l["kandidatnavn"][KindPersonName]; got.Matches != 3 || got.Confidence != High {
		t.Errorf("kandidatnavn: %+v", got)
	}
	if len(l["stemmer"]) != 0 {
		t.Errorf("stemmer: %+v", l["stemmer"])
	}
}

func TestENK(t *testing.T) {
	header := []string{"orgnr", "navn", "organisasjonsform.kode"}
	rows := [][]string{
		{"974760673", "Brønnøysundregistrene", "ORGL"},
		{"999999999", "Rørlegger Hansen", "ENK"},
		{"999999998", "Hansen Rør AS", "AS"},
	}
	r := scanRows(header, Options{}, rows...)
	if r.OrgFormColumn != "organisasjonsform.kode" {
		t.Errorf("org form column = %q", r.OrgFormColumn)
	}
	if got := labels(r)["navn"][KindENKName]; got.Matches != 1 || got.Examples[0] != 3 {
		t.Errorf("enk: %+v", got)
	}
	// without the organisation form nothing flags these names
	r = scanRows(header[:2], Options{}, [][]string{rows[0][:2], rows[1][:2], rows[2][:2]}...)
	if r.Personal() {
		t.Errorf("names without organisation form flagged: %+v", labels(r))
	}
	// a declared column that is not in the header is reported
	r = scanRows(header[:2], Options{OrgFormColumn: "orgform"}, rows[0][:2])
	if len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "orgform") {
		t.Errorf("notes = %v", r.Notes)
	}
}

func TestTreatedColumnsNotScanned(t *testing.T) {
	tr, err := NewTreater([]string{"fnr", "navn", "fødselsdato", "merknad"}, map[string]datasets.Treatment{
		"fnr":         {Action: ActionHash, KeyEnv: "K"},
		"navn":        {Action: ActionMask},
		"fødselsdato": {Action: ActionGeneralise, To: "year"},
		"merknad":     {Action: ActionGeneralise, To: "prefix9"},
	}, func(string) string { return strings.Repeat("k", 32) })
	if err != nil {
		t.Fatal(err)
	}
	s := NewScanner(tr.Header(), Options{Treated: tr.Treated()})
	for i := 0; i < 50; i++ {
		out, err := tr.Apply(int64(i+2), []string{findID(t, 1, 1, 0, 100, 499), "Kari Nordmann", "1985-12-24", "ingen merknad"})
		if err != nil {
			t.Fatal(err)
		}
		s.Scan(int64(i+2), out)
	}
	r := s.Result()
	if r.Personal() {
		t.Errorf("treated columns labelled: %+v", labels(r))
	}
	if d := Decide(datasets.AccessPublic, r); !d.Publish {
		t.Errorf("treated dataset not published: %s", d.Message)
	}
	// A generalisation that keeps personal data is still caught by the
	// values: prefix9 of a comment that starts with a phone number.
	s = NewScanner(tr.Header(), Options{Treated: tr.Treated()})
	out, err := tr.Apply(2, []string{"", "", "", "41234567 ring meg"})
	if err != nil {
		t.Fatal(err)
	}
	s.Scan(2, out)
	if got := labels(s.Result())["merknad"]; got[KindPhone].Matches != 1 {
		t.Errorf("generalised column not scanned: %+v", got)
	}
}

func TestDecide(t *testing.T) {
	header := []string{"kontor", "epost", "telefon", "fnr"}
	rows := [][]string{{"Servicetorget", "post@kommune.no", "+47 63 91 10 00", ""}}
	r := scanRows(header, Options{}, rows...)

	d := Decide(datasets.AccessPublic, r)
	if d.Publish || d.Access != datasets.AccessNonPublic || len(d.Blocking()) != 2 {
		t.Fatalf("contact info not blocking: %+v", d)
	}
	for _, s := range []string{`"epost"`, `"telefon"`, "e-mail", "phone", "drop", "mask", "hash", "RESTRICTED", "classification.allow"} {
		if !strings.Contains(d.Message, s) {
			t.Errorf("message lacks %q: %s", s, d.Message)
		}
	}
	for _, s := range []string{`"epost"`, "e-postadresser", "telefonnumre", "hemmelighet", "RESTRICTED"} {
		if !strings.Contains(d.MessageNB, s) {
			t.Errorf("bokmål message lacks %q: %s", s, d.MessageNB)
		}
	}

	// acknowledged by the steward: found, reported, not blocking
	allow := map[string][]string{"epost": {"email"}, "telefon": {"phone"}}
	r = scanRows(header, Options{Allow: allow}, rows...)
	d = Decide(datasets.AccessPublic, r)
	if !d.Publish || d.Access != datasets.AccessPublic || len(d.Findings) != 2 || !d.Findings[0].Allowed {
		t.Errorf("allowed contact info: %+v", d)
	}

	// an identity number is never allowed, whatever the allow list says
	rows[0][3] = findID(t, 1, 1, 0, 100, 499)
	r = scanRows(header, Options{Allow: map[string][]string{"fnr": {"fodselsnummer"}}}, rows...)
	d = Decide(datasets.AccessPublic, r)
	if d.Publish {
		t.Error("allowed fødselsnummer published")
	}
	if err := CheckAllow(header, map[string][]string{"fnr": {"fodselsnummer"}}); err == nil {
		t.Error("CheckAllow accepted fodselsnummer")
	}
	if err := CheckAllow(header, map[string][]string{"nope": {"email"}}); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("CheckAllow unknown column: %v", err)
	}
	if err := CheckAllow(header, map[string][]string{"epost": {"mail"}}); err == nil {
		t.Error("CheckAllow accepted an unknown kind")
	}
	if err := CheckAllow(header, allow); err != nil {
		t.Error(err)
	}

	// restricted and non-public: metadata only, findings still reported
	for _, acc := range []string{datasets.AccessRestricted, datasets.AccessNonPublic} {
		d = Decide(acc, r)
		if d.Publish || d.Access != acc || len(d.Findings) == 0 || len(d.Blocking()) != 0 {
			t.Errorf("%s: %+v", acc, d)
		}
	}
	// unknown access: fail closed
	clean := scanRows([]string{"a"}, Options{}, []string{"x"})
	for _, acc := range []string{"", "public", "OPEN"} {
		if d := Decide(acc, clean); d.Publish || d.Access != datasets.AccessNonPublic {
			t.Errorf("access %q: %+v", acc, d)
		}
	}
	if d := Decide(datasets.AccessPublic, clean); !d.Publish {
		t.Errorf("clean dataset: %+v", d)
	}
}

func TestDecisionText(t *testing.T) {
	r := scanRows([]string{"navn", "epost"}, Options{}, []string{"Kari Nordmann", "kari@example.no"})
	d := Decide(datasets.AccessPublic, r)
	en, nb := d.Text("en"), d.Text("nb")
	for _, s := range []string{"No data file will be published", `column "navn"`, "person names", "BLOCKS", "lines 2"} {
		if !strings.Contains(en, s) {
			t.Errorf("English text lacks %q:\n%s", s, en)
		}
	}
	for _, s := range []string{"Ingen datafil blir publisert", `kolonne "navn"`, "personnavn", "STOPPER", "linjer 2"} {
		if !strings.Contains(nb, s) {
			t.Errorf("bokmål text lacks %q:\n%s", s, nb)
		}
	}
	for _, s := range []string{en, nb} {
		if strings.Contains(s, "Nordmann") || strings.Contains(s, "kari@") {
			t.Errorf("text carries a value:\n%s", s)
		}
	}
	js, err := json.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(js), "Nordmann") {
		t.Error("JSON carries a value")
	}
}

func TestTreater(t *testing.T) {
	key := strings.Repeat("s", 32)
	env := func(k string) string {
		if k == "DELE_HASH_KEY" {
			return key
		}
		return ""
	}
	header := []string{"id", "fnr", "navn", "fodt", "postnummer", "dato", "tlf"}
	tr, err := NewTreater(header, map[string]datasets.Treatment{
		"fnr":        {Action: ActionHash, KeyEnv: "DELE_HASH_KEY"},
		"navn":       {Action: ActionDrop},
		"fodt":       {Action: ActionGeneralise, To: "year"},
		"postnummer": {Action: ActionGeneralise, To: "prefix2"},
		"dato":       {Action: ActionGeneralise, To: "yearmonth"},
		"tlf":        {Action: ActionMask},
	}, env)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(tr.Header(), ","); got != "id,fnr,fodt,postnummer,dato,tlf" {
		t.Errorf("header = %s", got)
	}
	fnr := findID(t, 24, 12, 85, 200, 499)
	out, err := tr.Apply(2, []string{"1", fnr, "Kari", "24.12.1985", "0150", "2024-03-05T10:00:00Z", "41234567"})
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(out, "|")
	want := "1|" + hmacHex(key, fnr) + "|1985|01|2024-03|***"
	if got != want {
		t.Errorf("Apply = %s, want %s", got, want)
	}
	if strings.Contains(got, fnr) {
		t.Error("hash output contains the value")
	}
	// same value, same pseudonym; empty stays empty
	out2, err := tr.Apply(3, []string{"2", fnr, "", "", "", "", ""})
	if err != nil {
		t.Fatal(err)
	}
	if out2[1] != hmacHex(key, fnr) || out2[2] != "" || out2[5] != "" {
		t.Errorf("second row = %v", out2)
	}
	// a value that cannot be generalised is an error naming line and column
	_, err = tr.Apply(9, []string{"3", "", "", "ukjent", "", "", ""})
	var te *TreatError
	if !errors.As(err, &te) || te.Line != 9 || te.Column != "fodt" || !errors.Is(err, ErrGeneralise) {
		t.Errorf("bad date: %v", err)
	}

	// birth year from an identity number
	tb, err := NewTreater([]string{"fnr"}, map[string]datasets.Treatment{"fnr": {Action: ActionGeneralise, To: "birthyear"}}, env)
	if err != nil {
		t.Fatal(err)
	}
	if out, err := tb.Apply(2, []string{fnr[:6] + " " + fnr[6:]}); err != nil || out[0] != "1985" {
		t.Errorf("birthyear = %v, %v", out, err)
	}

	bad := []struct {
		tr   map[string]datasets.Treatment
		want string
	}{
		{map[string]datasets.Treatment{"nope": {Action: ActionDrop}}, `"nope"`},
		{map[string]datasets.Treatment{"fnr": {Action: "encrypt"}}, "encrypt"},
		{map[string]datasets.Treatment{"fnr": {Action: ActionHash}}, "keyEnv"},
		{map[string]datasets.Treatment{"fnr": {Action: ActionHash, KeyEnv: "MISSING"}}, "MISSING"},
		{map[string]datasets.Treatment{"fnr": {Action: ActionHash, KeyEnv: "SHORT"}}, "at least 32"},
		{map[string]datasets.Treatment{"dato": {Action: ActionGeneralise}}, "want one of"},
		{map[string]datasets.Treatment{"dato": {Action: ActionGeneralise, To: "prefix0"}}, "prefix1"},
	}
	for _, b := range bad {
		_, err := NewTreater(header, b.tr, func(k string) string {
			if k == "SHORT" {
				return "short"
			}
			return ""
		})
		if err == nil || !errors.Is(err, ErrTreatment) || !strings.Contains(err.Error(), b.want) {
			t.Errorf("NewTreater(%v) = %v, want error with %q", b.tr, err, b.want)
		}
	}
}
