package catalog

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestGolden compares every serialisation of the test catalog with its
// golden file; run with -update to rewrite them after a reviewed change.
func TestGolden(t *testing.T) {
	c, err := Build(testConfig(), testEntries())
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range Formats {
		t.Run(f.Name, func(t *testing.T) {
			var b bytes.Buffer
			if err := c.Write(&b, f.Name); err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "golden", f.File)
			if *update {
				if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Errorf("%s differs from %s (run go test -update after reviewing):\n%s", f.Name, golden, b.String())
			}
		})
	}
}
