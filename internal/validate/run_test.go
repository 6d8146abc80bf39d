package validate

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strconv"
	"testing"

	"github.com/dele-opendata/dele/internal/benchdata"
	"github.com/dele-opendata/dele/internal/source"
	"github.com/dele-opendata/dele/internal/source/csvsrc"
	"github.com/dele-opendata/dele/internal/table"
)

// sliceReader serves rows from memory and, like the real readers, reuses
// its Fields slice between calls. failAt > 0 makes Read fail at that row.
type sliceReader struct {
	header []string
	rows   [][]string
	i      int
	buf    []string
	failAt int
}

var errBroken = errors.New("broken pipe")

func (s *sliceReader) Header() []string { return s.header }
func (s *sliceReader) Read() (source.Record, error) {
	if s.failAt > 0 && s.i == s.failAt {
		return source.Record{}, errBroken
	}
	if s.i == len(s.rows) {
		return source.Record{}, io.EOF
	}
	s.buf = append(s.buf[:0], s.rows[s.i]...)
	s.i++
	return source.Record{Line: int64(s.i + 1), Fields: s.buf}, nil
}
func (s *sliceReader) Report() source.Report { return source.Report{} }
func (s *sliceReader) Close() error          { return nil }

// TestRunMatchesRow validates the generated municipal CSV through Run and
// row by row, and compares every emitted value.
func TestRunMatchesRow(t *testing.T) {
	var buf bytes.Buffer
	if err := benchdata.Write(&buf, 5000); err != nil {
		t.Fatal(err)
	}
	schema := benchdata.Schema()
	open := func() *csvsrc.Reader {
		r, err := csvsrc.Open(bytes.NewReader(buf.Bytes()), csvsrc.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	// Row by row, into one big batch.
	r := open()
	v1, err := New(schema, r.Header(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := table.NewBatch(schema, 5000)
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		v1.Row(rec, want)
	}
	// Through Run, in batches of 700.
	r = open()
	v2, err := New(schema, r.Header(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	row, batches := 0, 0
	err = Run(context.Background(), r, v2, 700, func(b *table.Batch) error {
		batches++
		for i := range b.Len() {
			for j := range b.Columns {
				got, exp := cellText(b, i, j), cellText(want, row, j)
				if got != exp {
					t.Fatalf("row %d column %s: Run gives %q, Row gives %q", row, schema.Fields[j].Name, got, exp)
				}
			}
			row++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if row != want.Len() || row != 5000 || batches != 8 {
		t.Errorf("Run emitted %d rows in %d batches, want %d in 8", row, batches, want.Len())
	}
	if v1.Report().Valid != v2.Report().Valid {
		t.Errorf("reports differ: %+v / %+v", v1.Report(), v2.Report())
	}
}

func cellText(b *table.Batch, i, j int) string {
	c := b.Columns[j]
	if !c.Valid[i] {
		return "<null>"
	}
	switch table.KindOf(b.Schema.Fields[j].Type) {
	case table.KindInt, table.KindDate, table.KindDateTime:
		return strconv.FormatInt(c.Ints[i], 10)
	case table.KindFloat:
		return strconv.FormatFloat(c.Floats[i], 'g', -1, 64)
	case table.KindBool:
		return strconv.FormatBool(c.Bools[i])
	}
	return c.Strings[i]
}

func TestRunErrors(t *testing.T) {
	tc := validTable(nil)
	var rows [][]string
	for range 3000 {
		rows = append(rows, tc.rows[0])
	}
	tc.schema.Fields[0].Constraints.Unique = false
	tc.schema.PrimaryKey = nil
	newV := func() *Validator {
		v, err := New(tc.schema, tc.header, Options{Dataset: "skoler", ReferenceYear: 2024})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	errEmit := errors.New("store unavailable")
	t.Run("emit", func(t *testing.T) {
		calls := 0
		err := Run(context.Background(), &sliceReader{header: tc.header, rows: rows}, newV(), 100, func(*table.Batch) error {
			calls++
			return errEmit
		})
		if !errors.Is(err, errEmit) || calls != 1 {
			t.Errorf("Run = %v after %d emits, want the emit error after 1", err, calls)
		}
	})
	t.Run("reader", func(t *testing.T) {
		err := Run(context.Background(), &sliceReader{header: tc.header, rows: rows, failAt: 2500}, newV(), 100, func(*table.Batch) error { return nil })
		if !errors.Is(err, errBroken) {
			t.Errorf("Run = %v, want the reader's error", err)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := Run(ctx, &sliceReader{header: tc.header, rows: rows}, newV(), 100, func(*table.Batch) error { return nil })
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run = %v, want context.Canceled", err)
		}
	})
}
