package classify

import (
	"encoding/csv"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/dele-opendata/dele/datasets"
)

// runDefinition reads a semicolon CSV and runs it through
// a definition the way the pipeline does (internal/pipeline/run.go): a
// Treater from the definition's treatments, a Scanner with its allow list,
// organisation-form column and the treater's Treated map, then Decide.
func runDefinition(t *testing.T, path, yaml string) (Decision, error) {
	t.Helper()
	def, err := datasets.Parse("budsjett.yaml", []byte("id: budsjett\naccess: PUBLIC\n"+yaml))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cr := csv.NewReader(f)
	cr.Comma = ';'
	header, err := cr.Read()
	if err != nil {
		t.Fatal(err)
	}
	tr, err := NewTreater(header, def.Treatments, func(string) string { return "" })
	if err != nil {
		return Decision{}, err
	}
	s := NewScanner(tr.Header(), Options{
		Allow: def.Classification.Allow, OrgFormColumn: def.Classification.OrgFormColumn, Treated: tr.Treated(),
	})
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		line, _ := cr.FieldPos(0)
		out, err := tr.Apply(int64(line), rec)
		if err != nil {
			t.Fatal(err)
		}
		s.Scan(int64(line), out)
	}
	return Decide(def.Access, s.Result()), nil
}

const keepReasonText = "regnskapsnøkler (ansvar+art+tjeneste), 10–15 sifre; ingen personer"

// TestHiddenIDAmongKeys covers the rule for identity numbers among numeric
// keys (testdata/keys, written by gen.py): a number with valid control
// digits and a birth date a living person can have blocks publication even
// when it is the only one among many account keys, until the definition
// keeps the column with a reason, which the report then prints. A number
// whose birth date no living person has is only noted, and keep cannot
// excuse a column where identity numbers are more than chance.
func TestHiddenIDAmongKeys(t *testing.T) {
	keep := "treatments:\n  budsjettnokkel: {action: keep, reason: \"" + keepReasonText + "\"}\n"
	tests := []struct {
		name, file, yaml string
		// header, when set, renames the key column's header.
		header  string
		publish bool
		// blocking is the blocking finding expected in budsjettnokkel
		// (kind and example lines), when not publishing.
		blockKind  Kind
		blockLines []int64
		// text must appear in the English and bokmål reports.
		textEN, textNB []string
		// notes must appear among the decision's notes.
		notes []string
	}{
		{
			name: "one fødselsnummer among keys blocks", file: "budsjett-skjult-fnr.csv",
			blockKind: KindFodselsnummer, blockLines: []int64{59},
			textEN: []string{"BLOCKS", `column "budsjettnokkel" (fødselsnummer`, "keep it with a reason"},
			textNB: []string{"STOPPER", "behold den med en begrunnelse"},
		},
		{
			name: "kept with a reason publishes and says why", file: "budsjett-skjult-fnr.csv", yaml: keep,
			publish: true,
			textEN:  []string{"Data will be published.", "Published as PUBLIC on the steward's declaration", keepReasonText, "kept as not personal data: " + keepReasonText},
			textNB:  []string{"Data blir publisert.", "Publisert som PUBLIC etter forvalterens erklæring", "beholdt som ikke personopplysninger: " + keepReasonText},
		},
		{
			name: "a birth date no living person has is noted", file: "budsjett-dodsdato.csv",
			publish: true,
			textEN:  []string{"Data will be published.", "Findings: none."},
			notes:   []string{"1 of 50 cells with 11-digit numbers pass the fødselsnummer checks but hold a birth date no living person has", "line 33"},
		},
		{
			name: "keep does not cover real identity numbers", file: "budsjett-mange-fnr.csv", yaml: keep,
			blockKind: KindFodselsnummer, blockLines: []int64{2, 5, 8, 11, 14},
			textEN: []string{"BLOCKS"},
			notes:  []string{`column "budsjettnokkel" is kept as not personal data`, "keep covers only identity numbers at chance level"},
		},
		{
			name: "keep does not cover an identity-number header", file: "budsjett-skjult-fnr.csv", header: "fodselsnummer",
			yaml:      "treatments:\n  fodselsnummer: {action: keep, reason: nøkler}\n",
			blockKind: KindFodselsnummer, blockLines: []int64{59},
			notes: []string{`column "fodselsnummer" is kept as not personal data`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join("testdata", "keys", tt.file)
			if tt.header != "" {
				path = renameHeader(t, path, "budsjettnokkel", tt.header)
			}
			d, err := runDefinition(t, path, tt.yaml)
			if err != nil {
				t.Fatal(err)
			}
			if d.Publish != tt.publish {
				t.Fatalf("publish = %v, want %v\n%s", d.Publish, tt.publish, d.Text("en"))
			}
			if !tt.publish {
				b := d.Blocking()
				if len(b) != 1 || b[0].Kind != tt.blockKind || !slices.Equal(b[0].Examples, tt.blockLines) {
					t.Errorf("blocking findings %+v, want one %s at lines %v", b, tt.blockKind, tt.blockLines)
				}
				if d.Access != datasets.AccessNonPublic {
					t.Errorf("access %s, want NON_PUBLIC", d.Access)
				}
			}
			en, nb := d.Text("en"), d.Text("nb")
			for _, w := range tt.textEN {
				if !strings.Contains(en, w) {
					t.Errorf("English report lacks %q:\n%s", w, en)
				}
			}
			for _, w := range tt.textNB {
				if !strings.Contains(nb, w) {
					t.Errorf("bokmål report lacks %q:\n%s", w, nb)
				}
			}
			notes := strings.Join(d.Notes, "\n")
			for _, w := range tt.notes {
				if !strings.Contains(notes, w) {
					t.Errorf("notes lack %q:\n%s", w, notes)
				}
			}
		})
	}
}

// renameHeader copies a CSV file with one header renamed into a temporary
// folder and returns the copy's path.
func renameHeader(t *testing.T, path, from, to string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	head, rest, _ := strings.Cut(string(b), "\n")
	p := filepath.Join(t.TempDir(), filepath.Base(path))
	if err := os.WriteFile(p, []byte(strings.Replace(head, from, to, 1)+"\n"+rest), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestKeepNeedsReason checks that keep without a reason is refused, by the
// Treater and by the definition check.
func TestKeepNeedsReason(t *testing.T) {
	for _, reason := range []string{"", "   "} {
		_, err := NewTreater([]string{"a"}, map[string]datasets.Treatment{"a": {Action: ActionKeep, Reason: reason}}, nil)
		if !errors.Is(err, ErrTreatment) || !strings.Contains(err.Error(), "keep needs a reason") {
			t.Errorf("reason %q: got %v, want ErrTreatment about the reason", reason, err)
		}
	}
	tr, err := NewTreater([]string{"a", "b"}, map[string]datasets.Treatment{"a": {Action: ActionKeep, Reason: " nøkler,\n ikke personer "}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := tr.Treated(); got["a"] != "keep: nøkler, ikke personer" || len(got) != 1 {
		t.Errorf("Treated() = %v", got)
	}
	out, err := tr.Apply(2, []string{"12345678901", "x"})
	if err != nil || !slices.Equal(out, []string{"12345678901", "x"}) {
		t.Errorf("Apply = %v, %v; keep must not change values", out, err)
	}
}

// TestStavangerKeysKept runs the real Stavanger budget through the rule:
// column #14 (extra fields of 10–15-digit keys) has one number with a birth
// date a living person can have, so the file is held back until the column
// is kept with a reason.
func TestStavangerKeysKept(t *testing.T) {
	var sf corpusFile
	for _, f := range corpus {
		if f.name == "stavanger-budsjett-2016-drift" {
			sf = f
		}
	}
	d := Decide("PUBLIC", scanFile(t, sf, Options{}))
	if d.Publish || len(d.Blocking()) != 1 || d.Blocking()[0].Column != "#14" || !d.Blocking()[0].ChanceLevel {
		t.Fatalf("without keep: %s", d.Text("en"))
	}
	d = Decide("PUBLIC", scanFile(t, sf, Options{Treated: map[string]string{"#14": "keep: " + keepReasonText}}))
	if !d.Publish || !strings.Contains(d.Message, keepReasonText) || len(d.Findings) != 1 || d.Findings[0].KeepReason != keepReasonText {
		t.Fatalf("with keep: %s", d.Text("en"))
	}
}

// TestLivingBetween checks the window of birth dates a living person can
// have, and that it decides which chance-level numbers are labelled.
func TestLivingBetween(t *testing.T) {
	today := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	if got := livingBetween(today); got != [2]int32{19011125, 20261125} {
		t.Errorf("livingBetween = %v", got)
	}
	// 20 keys that fail the identity and account checks, and one number
	// per case.
	tests := []struct {
		name  string
		id    string
		label bool
	}{
		{"born 1985", findID(t, 14, 3, 85, 200, 499), true},
		{"born on the scan date", findID(t, 25, 11, 26, 500, 999), true},
		{"born the day after the scan date", findID(t, 26, 11, 26, 500, 999), false},
		{"born 125 years before", findID(t, 25, 11, 1, 0, 499), true},
		{"born a day earlier", findID(t, 24, 11, 1, 0, 499), false},
		{"born 1880", findID(t, 23, 11, 80, 500, 749), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewScanner([]string{"nokkel"}, Options{Today: today})
			for i, n := 0, int64(1000000000); i < 20; n++ {
				v := itoa11(n)
				if idKind([]byte(v)) != "" || validAccount([]byte(v)) {
					continue
				}
				s.Scan(int64(i+2), []string{v})
				i++
			}
			s.Scan(99, []string{tt.id})
			c := s.Result().Columns[0]
			labelled := len(c.Labels) == 1 && c.Labels[0].ChanceLevel && slices.Equal(c.Labels[0].Examples, []int64{99})
			noted := len(c.Notes) == 1 && strings.Contains(c.Notes[0], "no living person has") && strings.Contains(c.Notes[0], "line 99")
			if labelled != tt.label || noted == tt.label || len(c.Labels) > 1 {
				t.Errorf("labels %+v notes %v, want labelled %v", c.Labels, c.Notes, tt.label)
			}
		})
	}
}

func itoa11(n int64) string {
	b := []byte("00000000000")
	for i := 10; i >= 0 && n > 0; i-- {
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b)
}
