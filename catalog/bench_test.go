package catalog

import (
	"fmt"
	"io"
	"testing"
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
