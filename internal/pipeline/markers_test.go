package pipeline

import (
	"context"
	"strings"
	"testing"

	"github.com/dele-opendata/dele/internal/publish"
	"github.com/dele-opendata/dele/internal/store"
)

// TestPublishedSchemaHasNoSourceMarkers: the source's missing-value
// markers (".", "..") are validated as missing, written as empty cells,
// and the published schema describes the published files, not the source.
func TestPublishedSchemaHasNoSourceMarkers(t *testing.T) {
	f := newFixture(t)
	res := f.run(f.def("markers.csv", nil))
	if res.Outcome != Published || res.RowsOut != 4 {
		t.Fatalf("outcome %s, %d rows: %s", res.Outcome, res.RowsOut, res.Message)
	}
	if mv := res.Extract.MissingValues; len(mv) < 2 {
		t.Fatalf("source missing values %q, want the detected markers", mv)
	}
	m, err := publish.ReadLatest(context.Background(), f.env.Public, "base")
	if err != nil {
		t.Fatal(err)
	}
	read := func(name string) string {
		fi, ok := m.File(name)
		if !ok {
			t.Fatalf("no %s", name)
		}
		b, err := store.ReadAll(context.Background(), f.env.Public, fi.Key)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if s := read(publish.FileSchema); strings.Contains(s, `".."`) || strings.Contains(s, `"."`) {
		t.Errorf("published schema keeps the source's markers:\n%s", s)
	}
	if got, want := read(publish.FileCSV), "kommunenummer,verdi\n0301,12\n1103,\n4601,\n5001,7\n"; got != want {
		t.Errorf("CSV %q, want %q", got, want)
	}
	if s := read(publish.FileSchema); !strings.Contains(s, `"integer"`) {
		t.Errorf("verdi not inferred as integer:\n%s", s)
	}
}
