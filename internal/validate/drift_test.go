package validate

import (
	"slices"
	"strings"
	"testing"

	"github.com/dele-opendata/dele/internal/tableschema"
)

// inferRows infers the schema of a header and rows, as a run does.
func inferRows(header []string, rows [][]string) *tableschema.Schema {
	in := NewInferrer(header, InferOptions{MissingValues: []string{"."}})
	for _, r := range rows {
		in.Add(r)
	}
	return in.Schema()
}

// TestDrift simulates a second run of a dataset whose source changed, and
// compares its inferred schema with the published one.
func TestDrift(t *testing.T) {
	first := validTable(nil)
	published := inferRows(first.header, first.rows)

	tests := []struct {
		name     string
		mod      func(*tcase)
		breaking bool
		changes  []Change
		mention  []string // the message names these columns
	}{
		{name: "unchanged", mod: nil},
		{name: "removed column", mod: func(tc *tcase) {
			tc.header = slices.Delete(tc.header, 9, 10)
			for i := range tc.rows {
				tc.rows[i] = slices.Delete(tc.rows[i], 9, 10)
			}
		}, breaking: true, changes: []Change{{Kind: "removed", Field: "kategori", From: tableschema.String}}, mention: []string{`removed column(s) "kategori"`}},
		{name: "added column", mod: func(tc *tcase) {
			tc.header = append(tc.header, "telefon")
			for i := range tc.rows {
				tc.rows[i] = append(tc.rows[i], "22 00 00 00")
			}
		}, changes: []Change{{Kind: "added", Field: "telefon", To: tableschema.String}}, mention: []string{`added column(s) "telefon"`}},
		{name: "retyped column", mod: func(tc *tcase) { tc.rows[1][0] = "2b" },
			breaking: true, changes: []Change{{Kind: "retyped", Field: "id", From: tableschema.Integer, To: tableschema.String}}, mention: []string{`"id" (integer → string)`}},
		{name: "reordered columns", mod: func(tc *tcase) {
			tc.header[0], tc.header[4] = tc.header[4], tc.header[0]
			for i := range tc.rows {
				tc.rows[i][0], tc.rows[i][4] = tc.rows[i][4], tc.rows[i][0]
			}
		}},
		{name: "removed and added", mod: func(tc *tcase) {
			tc.header[9] = "type"
		}, breaking: true, changes: []Change{{Kind: "removed", Field: "kategori", From: tableschema.String}, {Kind: "added", Field: "type", To: tableschema.String}},
			mention: []string{`breaking: removed column(s) "kategori"`, `added column(s) "type"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			second := validTable(tt.mod)
			d := Drift(published, inferRows(second.header, second.rows))
			if d.Breaking != tt.breaking {
				t.Errorf("Breaking = %v, want %v (%s)", d.Breaking, tt.breaking, d.Message)
			}
			if !slices.Equal(d.Changes, tt.changes) {
				t.Errorf("Changes = %+v, want %+v", d.Changes, tt.changes)
			}
			for _, m := range tt.mention {
				if !strings.Contains(d.Message, m) {
					t.Errorf("message %q does not contain %q", d.Message, m)
				}
			}
			if len(tt.changes) == 0 && d.Message != "" {
				t.Errorf("message %q for no change", d.Message)
			}
		})
	}
	if d := Drift(nil, published); d.Breaking || len(d.Changes) > 0 {
		t.Errorf("first version: %+v", d)
	}
}
