package pipeline

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dele-opendata/dele/datasets"
)

// badInputs are broken sources as they turn up in real exports. Each must
// fail its dataset with a clear error naming it, and leave the published
// store byte for byte as it was.
func badInputs(t *testing.T) map[string][]byte {
	t.Helper()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zero := make([]byte, 1<<20)
	for i := 0; i < 64; i++ { // 64 MiB of zeros in ~64 kB
		zw.Write(zero)
	}
	zw.Close()
	garbage := make([]byte, 4096)
	for i := range garbage {
		garbage[i] = byte(i*7919 + i*i)
	}
	wide := strings.Repeat("k;", 9999) + "k\n" + strings.Repeat("1;", 9999) + "1\n"
	return map[string][]byte{
		"empty file":      {},
		"only a header":   []byte("kommunenummer;navn;innbyggere;andel\n"),
		"binary garbage":  garbage,
		"html error page": []byte("<!DOCTYPE html>\n<html><head><title>Feil</title></head><body>Tjenesten er utilgjengelig</body></html>\n"),
		"gzip bomb":       gz.Bytes(),
		"invalid utf-8":   []byte("kommunenummer;navn;innbyggere;andel\n0301;Bærum \xff\xfe;709037;12,5\n1103;Stav\xc3\x28anger;146011;2,6\n"),
		"ragged columns":  []byte("kommunenummer;navn;innbyggere;andel\n0301;Oslo\n1103;Stavanger;146011;2,6;x;y;z\n4601\n"),
		"10000 columns":   []byte(wide),
		"100 MB one line": append(bytes.Repeat([]byte("a"), 100<<20), '\n'),
	}
}

func TestBadInputLeavesStoreUnchanged(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 100 MB input")
	}
	f := newFixture(t)
	good := f.def("clean.csv", nil)
	if res := f.run(good); res.Outcome != Published {
		t.Fatalf("first run: %v", res.Err)
	}
	for name, content := range badInputs(t) {
		t.Run(name, func(t *testing.T) {
			before := snapshot(t, f.env.Public, "")
			if err := os.WriteFile(filepath.Join(f.dir, "data.csv"), content, 0o644); err != nil {
				t.Fatal(err)
			}
			res := Run(context.Background(), f.env, good)
			if err := Regenerate(context.Background(), f.env, []*datasets.Definition{good}); err != nil {
				t.Fatal(err)
			}
			switch {
			case res.Outcome == Failed:
				if !strings.Contains(res.Message, "base") {
					t.Errorf("error does not name the dataset: %s", res.Message)
				}
			case name == "invalid utf-8" && res.Outcome == Published:
				// Text that is not valid UTF-8 is read in a single-byte
				// encoding chosen by detection, and the report must say
				// which (mixedEncoding when most of it is UTF-8).
				if res.Extract.Detected["encoding"] == "" && res.Extract.Detected["mixedEncoding"] == "" {
					t.Errorf("mixed encoding published without a note in the report: %+v", res.Extract)
				}
				return
			default:
				t.Errorf("outcome %s (%s), want failed", res.Outcome, res.Message)
			}
			t.Logf("%s: %s", name, res.Message)
			sameSnapshot(t, before, snapshot(t, f.env.Public, ""))
		})
	}
}

// TestBadDefinitions: definitions that try to escape the definitions
// folder or blow up the YAML parser are refused with the file named.
func TestBadDefinitions(t *testing.T) {
	dir := t.TempDir()
	base, err := os.ReadFile("testdata/base.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"traversal-id.yaml": strings.Replace(string(base), "id: base", "id: ../../etc", 1),
		"outside-root.yaml": strings.Replace(strings.Replace(string(base), "id: base", "id: outside-root", 1), "path: data.csv", "path: ../../../etc/passwd", 1),
		"anchors-bomb.yaml": "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nkeywords: {nb: *g}\n",
	}
	for name, content := range cases {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, err = datasets.Load(dir)
	if err == nil {
		t.Fatal("Load accepted bad definitions")
	}
	for _, want := range []string{
		"traversal-id.yaml: id: \"../../etc\" is not allowed",
		"outside-root.yaml: source.path: \"../../../etc/passwd\" must be a relative path inside the definitions folder",
		"anchors-bomb.yaml: ",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
	// A definition that passed the checks but whose path escapes through a
	// symbolic link is refused by extraction.
	f := newFixture(t)
	d := f.def("clean.csv", nil)
	if err := os.Symlink("/etc/hostname", filepath.Join(f.dir, "link.csv")); err != nil {
		t.Fatal(err)
	}
	d.Source.Path = "link.csv"
	res := f.run(d)
	if res.Outcome != Failed || !strings.Contains(res.Message, "outside") {
		t.Errorf("symlink escape: outcome %s, message %q", res.Outcome, res.Message)
	}
}
