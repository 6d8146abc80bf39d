package pipeline

import (
	"context"
	"strings"
	"testing"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/publish"
	"github.com/dele-opendata/dele/internal/store"
)

// rawValues are the personal data in testdata/treat.csv, in every form
// they could take in an output file.
var rawValues = []string{
	"01017000027", "15076500565", "01017000108", // fødselsnummer
	"Kari Nordmann", "Ola Hansen", "Per Olsen", "Nordmann",
	"kari.nordmann@example.no", "ola.hansen@example.no", "per.olsen@example.no",
	"12.05.1971", "1971-05-12", "03.11.1984", "1984-11-03", "28.02.1990", "1990-02-28",
}

// TestTreatmentsEndToEnd: a dataset with a fødselsnummer, names, e-mails
// and birth dates is held back as declared; with drop, mask, hash and
// generalise treatments it is published, and no raw value reaches any
// public object (data files, reports, catalog, portal).
func TestTreatmentsEndToEnd(t *testing.T) {
	f := newFixture(t)
	const key = "a-secret-key-of-at-least-32-bytes!!"
	f.env.Getenv = func(k string) string {
		if k == "DELE_TEST_HASH_KEY" {
			return key
		}
		return ""
	}
	res := f.run(f.def("treat.csv", nil))
	if res.Outcome != HeldBack {
		t.Fatalf("untreated: outcome %s (%s), want held-back", res.Outcome, res.Message)
	}
	for _, col := range []string{"fodselsnummer", "navn", "epost"} {
		if !strings.Contains(res.Message, col) {
			t.Errorf("held-back message does not name column %s: %s", col, res.Message)
		}
	}
	// The steward reads why in the private report, which holds no values.
	txt, err := store.ReadAll(context.Background(), f.env.Private, ReportKey("base", res.RunID, "txt"))
	if err != nil {
		t.Fatalf("private text report: %v", err)
	}
	for _, want := range []string{"holdt tilbake", "held-back", `"fodselsnummer"`, "Klassifisering av personopplysninger", "Personal-data classification"} {
		if !strings.Contains(string(txt), want) {
			t.Errorf("private report lacks %q:\n%s", want, txt)
		}
	}
	for _, v := range rawValues {
		if strings.Contains(string(txt), v) {
			t.Errorf("private text report holds the value %q", v)
		}
	}
	for k, body := range contents(t, f.env.Public, "") {
		for _, v := range rawValues {
			if strings.Contains(body, v) {
				t.Errorf("held-back run: public object %s holds %q", k, v)
			}
		}
	}

	treated := func(d *datasets.Definition) {
		d.Treatments = map[string]datasets.Treatment{
			"fodselsnummer": {Action: "drop"},
			"navn":          {Action: "mask"},
			"epost":         {Action: "hash", KeyEnv: "DELE_TEST_HASH_KEY"},
			"fodt":          {Action: "generalise", To: "year"},
		}
	}
	res = f.run(f.def("treat.csv", treated))
	if res.Outcome != Published || res.RowsOut != 3 {
		t.Fatalf("treated: outcome %s, %d rows (%s)", res.Outcome, res.RowsOut, res.Message)
	}
	pub := contents(t, f.env.Public, "")
	for k, body := range pub {
		for _, v := range rawValues {
			if strings.Contains(body, v) {
				t.Errorf("treated run: public object %s holds %q", k, v)
			}
		}
	}
	m, err := publish.ReadLatest(context.Background(), f.env.Public, "base")
	if err != nil {
		t.Fatal(err)
	}
	csvInfo, _ := m.File(publish.FileCSV)
	lines := strings.Split(strings.TrimSpace(pub[csvInfo.Key]), "\n")
	if len(lines) != 4 || lines[0] != "saksnr,navn,fodt,epost,merknad" {
		t.Fatalf("published CSV:\n%s", pub[csvInfo.Key])
	}
	cells := strings.Split(lines[1], ",")
	if cells[2] != "1971" {
		t.Errorf("generalised birth date = %q, want 1971", cells[2])
	}
	if len(cells[3]) < 32 || strings.Contains(cells[3], "@") {
		t.Errorf("hashed e-mail = %q, want a keyed hash", cells[3])
	}
	rep, ok := m.File(publish.FileReportText)
	if !ok {
		t.Fatal("no report.txt published")
	}
	for _, want := range []string{"Dele-kjørerapport for base", "Dele run report for base", "Kolonnebehandling", "Column treatments", `"fodselsnummer": drop`, `"fodt": generalise (year)`, "publisert", "Validering", "rows checked"} {
		if !strings.Contains(pub[rep.Key], want) {
			t.Errorf("report.txt lacks %q:\n%s", want, pub[rep.Key])
		}
	}
}
