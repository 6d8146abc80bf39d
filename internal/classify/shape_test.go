package classify

import (
	"bytes"
	"encoding/csv"
	"math/rand/v2"
	"testing"

	"github.com/dele-opendata/dele/internal/benchdata"
)

// shapeOfBytewise is shapeOf without the eight-byte skip: the reference.
func shapeOfBytewise(s string) cellShape {
	var c cellShape
	at, colons, dots, run, maxRun := false, 0, 0, 0, 0
	for i := 0; i < len(s); i++ {
		switch b := s[i]; {
		case b >= '0' && b <= '9':
			c.digits++
			run++
			maxRun = max(maxRun, run)
			continue
		case b == '@':
			at = true
		case b == ':':
			colons++
		case b == ' ':
			c.spaces++
		case b == '.':
			dots++
		}
		run = 0
	}
	c.numbers = c.digits >= 4 && (maxRun >= 5 || c.spaces >= 2 || dots >= 3)
	c.email, c.ipv6 = at, colons >= 2
	return c
}

// TestShapeOf: the eight-byte skip gives what a byte-by-byte pass gives,
// on cells built from the bytes that matter, letters, æøå and punctuation,
// with digit runs across the eight-byte boundaries.
func TestShapeOf(t *testing.T) {
	fixed := []string{
		"", "a", "Abcdefgh", "Abcdefgh1", "Abcdefg12345", "AbcdefghAbcdefgh12345",
		"Kari Nordmann", "post@kommune.no", "Storgata 12, 0155 Oslo", "ÆØÅæøå1234567890",
		"fe80::1ff:fe23:4567:890a", "192.168.0.1", "Merknad med \"sitat\" og 01010012345 inni",
		"abcdefg1abcdefg1abcdefg1abcdefg1", "zzzzzzzz12345678zzzzzzzz", "\x7f\x80\xffABCDEFGH@",
	}
	alphabet := []string{"a", "Z", "æ", "ø", "Å", "0", "5", "9", " ", ".", ":", "@", ",", "-", "\"", "\n", "~", "\x80"}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var b []byte
		for range r.IntN(40) {
			b = append(b, alphabet[r.IntN(len(alphabet))]...)
		}
		fixed = append(fixed, string(b))
	}
	for _, s := range fixed {
		if got, want := shapeOf(s), shapeOfBytewise(s); got != want {
			t.Fatalf("shapeOf(%q) = %+v, want %+v", s, got, want)
		}
	}
}

// BenchmarkShapeOf measures the first pass over the cells of the
// generated municipal file.
func BenchmarkShapeOf(b *testing.B) {
	cells := benchCells(b)
	b.ResetTimer()
	for b.Loop() {
		for _, c := range cells {
			shapeOf(c)
		}
	}
}

// benchCells returns the cells of 20,000 rows of the generated municipal
// file.
func benchCells(b *testing.B) []string {
	var buf bytes.Buffer
	if err := benchdata.Write(&buf, 20000); err != nil {
		b.Fatal(err)
	}
	cr := csv.NewReader(&buf)
	cr.Comma = benchdata.Delimiter
	recs, err := cr.ReadAll()
	if err != nil {
		b.Fatal(err)
	}
	var cells []string
	for _, r := range recs[1:] {
		cells = append(cells, r...)
	}
	return cells
}
