package csvsrc

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"testing"

	"github.com/dele-opendata/dele/internal/source"
)

// TestPrescanHash checks that the hash prescan feeds from its own
// goroutine sees every byte in order, over several buffers and with a
// multi-byte rune split across buffer ends.
func TestPrescanHash(t *testing.T) {
	var b bytes.Buffer
	for i := 0; b.Len() < 3<<20+17; i++ {
		fmt.Fprintf(&b, "%d;Ærlig Østby;Å\\\"%d\n", i, i*7)
	}
	for _, n := range []int{0, 1, 1<<20 - 1, 1 << 20, 1<<20 + 1, b.Len()} {
		data := b.Bytes()[:n]
		h := sha256.New()
		st, err := prescan(bytes.NewReader(data), h)
		if err != nil {
			t.Fatal(err)
		}
		if want := sha256.Sum256(data); !bytes.Equal(h.Sum(nil), want[:]) || st.size != int64(n) {
			t.Errorf("%d bytes: hash %x size %d, want %x %d", n, h.Sum(nil), st.size, want, n)
		}
		if n == b.Len() && st.invalidUTF8 {
			t.Errorf("%d bytes: valid UTF-8 reported invalid", n)
		}
	}
}

// TestDeclaredText checks what a declared encoding lets through: text that
// merely looks odd (a "%PDF" header, control characters in cells) is read;
// a NUL byte or a ZIP signature is not.
func TestDeclaredText(t *testing.T) {
	for _, tt := range []struct {
		in string
		ok bool
	}{
		{"%PDF;b\n1;2\n", true},
		{"PAR1;b\n1;2\n", true},
		{"a;b\n1\x1b;2\x07\n", true},
		{"a;b\n1;\x00\n", false},
		{"PK\x03\x04;b\n1;2\n", false},
	} {
		_, err := Open(bytes.NewReader([]byte(tt.in)), Options{Encoding: "utf-8", Delimiter: ";"})
		if tt.ok && err != nil || !tt.ok && !errors.Is(err, source.ErrWrongFormat) {
			t.Errorf("Open(%q) declared utf-8: %v, want ok=%v (else ErrWrongFormat)", tt.in, err, tt.ok)
		}
	}
}
