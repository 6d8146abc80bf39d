package validate

import (
	"errors"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/dele-opendata/dele/internal/source"
	"github.com/dele-opendata/dele/internal/table"
	"github.com/dele-opendata/dele/internal/tableschema"
)

// TestIntSet compares the bit-page set with a map, for dense, sparse (which
// moves to the map fallback) and negative values.
func TestIntSet(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	gens := map[string]func(i int) int64{
		"dense":    func(i int) int64 { return int64(i / 2) }, // every value twice
		"sparse":   func(int) int64 { return rng.Int64N(1 << 40) },
		"negative": func(int) int64 { return -rng.Int64N(5000) },
	}
	for name, gen := range gens {
		s := newIntSet()
		want := map[int64]bool{}
		for i := range 200_000 {
			v := gen(i)
			if got := s.has(v); got != want[v] {
				t.Fatalf("%s: has(%d) = %v after %d adds", name, v, got, i)
			}
			s.add(v)
			want[v] = true
		}
		if name == "sparse" && s.fallback == nil {
			t.Errorf("sparse values did not move to the map")
		}
		if name == "dense" && s.fallback != nil {
			t.Errorf("dense values moved to the map")
		}
	}
}

// TestKeySetMemory measures the memory per distinct key, the figure quoted
// in the keySet documentation.
func TestKeySetMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates about 60 MB")
	}
	const n = 1_000_000
	measure := func(intKey bool, key func(i int) hashKey) float64 {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		s := newKeySet(intKey)
		for i := range n {
			s.add(key(i), int64(i))
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(s)
		return float64(after.HeapAlloc-before.HeapAlloc) / n
	}
	hashed := measure(false, func(i int) hashKey { return hashKey{uint64(i) * 0x9e3779b97f4a7c15, uint64(i)} })
	ids := measure(true, func(i int) hashKey { return hashKey{uint64(i + 1), 1} })
	t.Logf("bytes per row: hashed keys %.1f, running integer ids %.2f", hashed, ids)
	if hashed > 64 {
		t.Errorf("hashed keys take %.1f bytes per row, documented as 40–60", hashed)
	}
	if ids > 1 {
		t.Errorf("integer ids take %.2f bytes per row, documented as about one bit", ids)
	}
}

// TestUniqueAcrossBatches checks that uniqueness holds across batch resets
// and for string, number and composite keys.
func TestUniqueAcrossBatches(t *testing.T) {
	schema := &tableschema.Schema{
		Fields: []tableschema.Field{
			{Name: "kode", Type: tableschema.String, Constraints: tableschema.Constraints{Unique: true}},
			{Name: "verdi", Type: tableschema.Number, DecimalChar: ",", Constraints: tableschema.Constraints{Unique: true}},
			{Name: "a", Type: tableschema.String},
			{Name: "b", Type: tableschema.Integer},
		},
		PrimaryKey: []string{"a", "b"},
	}
	v, err := New(schema, schema.Names(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := table.NewBatch(schema, 4)
	rows := [][]string{
		{"0301", "1,5", "x", "1"},
		{"0302", "2", "x", "2"},
		{"0301", "3", "y", "1"},    // kode repeats line 2
		{"0303", "1,50", "y", "2"}, // verdi repeats (1,5 == 1,50)
		{"0304", "4", "x", "01"},   // primary key (x, 1) repeats
		{"0305", "5", "y", "1"},    // valid: the earlier (y, 1) row was invalid, so not remembered
		{"0306", "", "z", "1"},     // missing values are not compared
		{"0307", "", "z", "2"},
	}
	for i, r := range rows {
		v.Row(source.Record{Line: int64(i + 2), Fields: r}, b)
		if b.Len() == 4 {
			b.Reset()
		}
	}
	r := v.Report()
	if r.Counts[CheckUniqueError] != 2 || r.Counts[CheckPrimaryKeyError] != 1 || r.Invalid != 3 {
		t.Fatalf("counts %v invalid %d: %+v", r.Counts, r.Invalid, r.Errors)
	}
	if !strings.Contains(r.Errors[0].Message, "repeats line 2") {
		t.Errorf("message %q does not name the first line", r.Errors[0].Message)
	}
}

type failingWriter struct{}

var errDiskFull = errors.New("disk full")

func (failingWriter) Write([]byte) (int, error) { return 0, errDiskFull }

func TestQuarantineWriteError(t *testing.T) {
	tc := validTable(func(tc *tcase) { tc.rows[0][0] = "x" })
	tc.opts.Quarantine = failingWriter{}
	tc.opts.Dataset = "skoler"
	v, err := New(tc.schema, tc.header, tc.opts)
	if err != nil {
		t.Fatal(err)
	}
	b := table.NewBatch(tc.schema, 4)
	for i, r := range tc.rows {
		v.Row(source.Record{Line: int64(i + 2), Fields: r}, b)
	}
	err = v.Close()
	if !errors.Is(err, errDiskFull) || !strings.Contains(err.Error(), "skoler") {
		t.Errorf("Close() = %v, want the write error with the dataset", err)
	}
}
