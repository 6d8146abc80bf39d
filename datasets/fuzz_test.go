package datasets

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// FuzzParse feeds arbitrary bytes to Parse, as a steward's editor (or an
// attacker with write access to the definitions folder) might. Parse and
// Check must never panic; a rejected file is reported as Problems naming
// the file, and every problem Check finds names a field. A definition that
// passes Check must survive yaml.Marshal and Parse (marshalling again gives the same
// YAML) and pass Check
// again, and its id and source path cannot leave the definitions folder.
// Seeds are the example definitions, testdata/valid.yaml and the
// crafted inputs in testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("*.yaml")
	files = append(files, "testdata/valid.yaml")
	for _, file := range files {
		if b, err := os.ReadFile(file); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte(aliasBomb()))
	f.Fuzz(func(t *testing.T, data []byte) {
		const file = "defs/fuzz.yaml"
		d, err := Parse(file, data)
		if err != nil {
			var ps Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("Parse error %v is not Problems", err)
			}
			for _, p := range ps {
				if p.File != file || p.Message == "" {
					t.Fatalf("problem %+v does not name the file or say what is wrong", p)
				}
			}
			return
		}
		// Load requires the file to be named after the id; do as it does.
		d.File = filepath.Join("defs", d.ID+".yaml")
		ps := Check(d)
		for _, p := range ps {
			if p.File != d.File || p.Field == "" || p.Message == "" {
				t.Fatalf("problem %+v does not name the file and the field", p)
			}
		}
		if len(ps) > 0 {
			return
		}
		out, err := yaml.Marshal(d)
		if err != nil {
			t.Fatalf("accepted definition does not marshal: %v", err)
		}
		d2, err := Parse(d.File, out)
		if err != nil {
			t.Fatalf("re-marshalled definition does not parse: %v\n%s", err, out)
		}
		if ps := Check(d2); len(ps) > 0 {
			t.Fatalf("re-marshalled definition fails Check: %v\n%s", ps, out)
		}
		// Marshalling is a fixed point (a null list and an empty one are
		// the same definition, so compare the YAML, not the values).
		out2, err := yaml.Marshal(d2)
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("definition changed in a YAML round trip:\n%s\n%s (%v)", out, out2, err)
		}
		// Nothing accepted may point outside the definitions folder.
		if strings.Contains(d.ID, "/") || d.Source.Path != "" && !filepath.IsLocal(d.Source.Path) {
			t.Fatalf("accepted id %q, source path %q: not a plain name and a local path", d.ID, d.Source.Path)
		}
	})
}
