package classify

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// twin scans every row with the memo and without it; Result fails the test
// when the two differ. The corpus, planted-data and fuzz tests scan
// through it, so every file they read also checks that remembering
// findings changes nothing.
type twin struct{ memo, plain *Scanner }

func newTwin(header []string, opts Options) *twin {
	plain := NewScanner(header, opts)
	plain.noMemo = true
	return &twin{memo: NewScanner(header, opts), plain: plain}
}

func (w *twin) Scan(line int64, fields []string) {
	w.memo.Scan(line, fields)
	w.plain.Scan(line, fields)
}

func (w *twin) Result(t testing.TB) Result {
	t.Helper()
	a, b := w.memo.Result(), w.plain.Result()
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("scan with memo differs from scan without:\nmemo:  %+v\nplain: %+v", a, b)
	}
	return a
}

func TestMemo(t *testing.T) {
	s := NewScanner([]string{"kategori", "id", "lang"}, Options{})
	long := strings.Repeat("Kari Nordmann bor i Storgata 1 ", 3) // over memoMaxLen
	for i := range 2 * memoProbe {
		s.Scan(int64(i+2), []string{fmt.Sprintf("kategori %d", i%20), fmt.Sprint(1_000_000 + i), long})
	}
	cat, id, lng := &s.cols[0].memo, &s.cols[1].memo, &s.cols[2].memo
	if cat.off || len(cat.m) != 20 || cat.hits != 2*memoProbe-20 {
		t.Errorf("low-cardinality column: off=%v, %d values, %d hits; want on, 20 values, %d hits", cat.off, len(cat.m), cat.hits, 2*memoProbe-20)
	}
	if !id.off || id.m != nil || id.look != memoProbe {
		t.Errorf("unique column: off=%v, %d values, %d lookups; want off after %d lookups", id.off, len(id.m), id.look, memoProbe)
	}
	if lng.look != 0 || lng.m != nil {
		t.Errorf("values over %d bytes: %d lookups, %d values; want none", memoMaxLen, lng.look, len(lng.m))
	}
	// A remembered value is counted on every line it is on.
	if got := s.cols[2].nameText.n; got != 2*memoProbe {
		t.Errorf("free text with a name: counted %d times, want %d", got, 2*memoProbe)
	}
	w := newTwin([]string{"navn", "kommentar"}, Options{})
	for i := range memoProbe + 10 {
		w.Scan(int64(i+2), []string{"Kari Nordmann", "ring 912 34 567"})
	}
	r := w.Result(t)
	if !r.Personal() {
		t.Error("names and phone numbers repeated on every row: not personal")
	}
}
