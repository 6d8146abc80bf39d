package catalog

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzTextRoundTrip writes a catalog with arbitrary text in a title, a
// keyword and a contact name, and parses the Turtle and N-Triples back with
// the Go parser Check uses: the triples must be the same. Texts Build
// refuses (control characters) must be refused with ErrInvalid.
func FuzzTextRoundTrip(f *testing.F) {
	for _, s := range []string{"Valglokaler", `"sitat" \ bakstrek`, "linje\nlinje\r\n\ttab", "æøå 北京 🚲", "<b>&amp;</b> ]]>", `"""`, "a\x00b", "@prefix x: <y> ."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		e := testEntries()[:1]
		d := *e[0].Def
		d.Title.EN = s
		d.Keywords.NN = []string{s}
		d.Description.NN = strings.Repeat(s, 2)
		e[0].Def = &d
		c, err := Build(testConfig(), e)
		if strings.IndexFunc(s, func(r rune) bool { return !xmlChar(r) }) >= 0 {
			if err == nil {
				t.Fatalf("Build accepted a control character in %q", s)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, format := range []string{FormatTurtle, FormatNTriples} {
			var b bytes.Buffer
			if err := c.Write(&b, format); err != nil {
				t.Fatal(err)
			}
			g, err := Parse(b.Bytes())
			if err != nil {
				t.Fatalf("%s: %v\n%s", format, err, b.String())
			}
			got, want := g.NTriplesSet(), c.Graph.NTriplesSet()
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				diff(t, got, want)
			}
		}
	})
}
