package csvsrc

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/dele-opendata/dele/internal/source"
)

// A record longer than MaxRecordBytes fails the source with an error that
// says so, in both parsers, instead of being read into memory whole; a
// file of many ordinary records, longer in total, is read.
func TestRecordLimit(t *testing.T) {
	defer func(n int64) { maxRecordBytes = n }(maxRecordBytes)
	maxRecordBytes = 1 << 20
	long := strings.Repeat("x", 3<<20)
	for name, tc := range map[string]struct {
		data string
		o    Options
	}{
		"RFC 4180":                {"a;b\n1;2\n3;" + long + "\n4;5\n", Options{}},
		"RFC 4180, quoted":        {"a;b\n1;2\n3;\"" + long + "\"\n4;5\n", Options{}},
		"quoted field over lines": {"a;b\n1;2\n3;\"" + strings.Repeat("x\n", 2<<20) + "\"\n4;5\n", Options{}},
		"backslash escapes":       {"a;b\n1;\"x\\\"y\"\n3;" + long + "\n4;5\n", Options{Escape: `\`}},
		"no quoting":              {"a;b\n1;2\n3;" + long + "\n4;5\n", Options{Quote: "none"}},
	} {
		t.Run(name, func(t *testing.T) {
			r, err := Open(strings.NewReader(tc.data), tc.o)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			var rows int
			for {
				_, err = r.Read()
				if err != nil {
					break
				}
				rows++
			}
			if !errors.Is(err, source.ErrWrongFormat) || !strings.Contains(err.Error(), "longer than") {
				t.Fatalf("after %d rows: %v, want ErrWrongFormat saying the record is too long", rows, err)
			}
			if rows > 1 {
				t.Errorf("%d rows read before the long one, want 1", rows)
			}
		})
	}
	// 40,000 ordinary records, 4 MiB in all, are fine.
	var b bytes.Buffer
	b.WriteString("a;b\n")
	for i := 0; i < 40000; i++ {
		b.WriteString("12345678;" + strings.Repeat("y", 96) + "\n")
	}
	r, err := Open(&b, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	n := 0
	for {
		if _, err := r.Read(); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("record %d: %v", n+1, err)
		}
		n++
	}
	if n != 40000 {
		t.Errorf("%d records, want 40000", n)
	}
}
