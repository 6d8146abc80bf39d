package main

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSchemaInferAndValidate(t *testing.T) {
	src := "../../testdata/corpus/oed-normpriser/dataset.original.csv"
	code, schema, stderr := runDele(t, "schema", "infer", src)
	if code != 0 {
		t.Fatalf("schema infer: exit %d: %s", code, stderr)
	}
	for _, want := range []string{`"format": "%d.%m.%Y"`, `"decimalChar": ","`, `"name": "nok_bbl"`} {
		if !strings.Contains(schema, want) {
			t.Errorf("inferred schema lacks %s:\n%s", want, schema)
		}
	}
	dir := t.TempDir()
	schemaPath := filepath.Join(dir, "schema.json")
	if err := os.WriteFile(schemaPath, []byte(schema), 0o644); err != nil {
		t.Fatal(err)
	}
	report := filepath.Join(dir, "report.json")
	code, stdout, stderr := runDele(t, "validate", "-schema", schemaPath, "-report", report, src)
	if code != 0 || !strings.Contains(stdout, "5811 rows checked, 5811 valid, 0 invalid") {
		t.Fatalf("validate with the inferred schema: exit %d\n%s%s", code, stdout, stderr)
	}
	if b, err := os.ReadFile(report); err != nil || !strings.Contains(string(b), `"valid": 5811`) {
		t.Errorf("report file: %v\n%s", err, b)
	}

	// Pin a stricter schema: crude must be one value, so most rows fail.
	strict := strings.Replace(schema, `"name": "crude",`, `"name": "crude", "constraints": {"enum": ["Brent Blend"]},`, 1)
	if strict == schema {
		t.Fatal("could not pin the enum")
	}
	if err := os.WriteFile(schemaPath, []byte(strict), 0o644); err != nil {
		t.Fatal(err)
	}
	q := filepath.Join(dir, "quarantine.csv")
	code, stdout, _ = runDele(t, "validate", "-schema", schemaPath, "-quarantine", q, src)
	if code != 1 || !strings.Contains(stdout, "AVVIST") || !strings.Contains(stdout, "constraint-error") {
		t.Errorf("validate with a failing enum: exit %d\n%s", code, stdout)
	}
	f, err := os.Open(q)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil || len(recs) < 2 || recs[1][4] != "constraint-error" || recs[1][5] != "enum" {
		t.Errorf("quarantine: %v %v", err, recs[:min(2, len(recs))])
	}
	if code, _, _ := runDele(t, "validate", src); code != 2 {
		t.Errorf("validate without -schema: exit %d, want 2", code)
	}
}
