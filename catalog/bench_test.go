package catalog

import (
	"fmt"
	"io"
	"testing"

	"github.com/dele-opendata/dele/catalog/shacl"
)

// BenchmarkBuildWrite builds a catalog of 500 published datasets and
// writes it in every format.
func BenchmarkBuildWrite(b *testing.B) {
	var entries []Entry
	for i := 0; i < 100; i++ {
		for _, e := range testEntries() {
			d := *e.Def
			d.ID = fmt.Sprintf("%s-%03d", d.ID, i)
			entries = append(entries, Entry{Def: &d, Latest: e.Latest})
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		c, err := Build(testConfig(), entries)
		if err != nil {
			b.Fatal(err)
		}
		for _, f := range Formats {
			if err := c.Write(io.Discard, f.Name); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkValidateExamples validates the catalog of the repository's
// example datasets against the official shapes, with the vocabulary
// subsets (what dele catalog check does after building the catalog).
func BenchmarkValidateExamples(b *testing.B) {
	cfg, entries := exampleEntries(b)
	c, err := Build(cfg, entries)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := OfficialShapes(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := Validate(c.Graph); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkLoadShapes parses and compiles the official shapes.
func BenchmarkLoadShapes(b *testing.B) {
	for b.Loop() {
		g := shacl.NewGraph()
		if err := g.ParseBytes(shapesTTL, ""); err != nil {
			b.Fatal(err)
		}
		if _, err := shacl.Load(g); err != nil {
			b.Fatal(err)
		}
	}
}
