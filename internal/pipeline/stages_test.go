package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/classify"
	"github.com/dele-opendata/dele/internal/source"
	"github.com/dele-opendata/dele/internal/table"
	"github.com/dele-opendata/dele/internal/tableschema"
	"github.com/dele-opendata/dele/internal/validate"
)

// genSource yields rows "i,name i" until rows (forever when rows < 0),
// then fails with err if set. It reuses its field slice, as sources may.
type genSource struct {
	rows     int64
	err      error
	read     atomic.Int64
	cancel   func() // called when cancelAt rows were read
	cancelAt int64
	fields   []string
}

func (g *genSource) Header() []string      { return []string{"id", "navn"} }
func (g *genSource) Report() source.Report { return source.Report{} }
func (g *genSource) Close() error          { return nil }
func (g *genSource) Read() (source.Record, error) {
	n := g.read.Load()
	if g.rows >= 0 && n >= g.rows {
		if g.err != nil {
			return source.Record{}, g.err
		}
		return source.Record{}, io.EOF
	}
	g.read.Add(1)
	if g.cancel != nil && n+1 == g.cancelAt {
		g.cancel()
	}
	g.fields = append(g.fields[:0], fmt.Sprint(n), fmt.Sprintf("Eksempel %d AS", n))
	return source.Record{Line: n + 2, Fields: g.fields}, nil
}

// rowWriter counts the rows written and checks they arrive in order.
type rowWriter struct {
	rows, failAt int64
	writes       int64
	outOfOrder   bool
	closed       bool
}

func (w *rowWriter) Write(b *table.Batch) error {
	w.writes++
	if w.writes == w.failAt {
		return errWrite
	}
	for i, v := range b.Columns[0].Ints {
		if v != w.rows+int64(i) {
			w.outOfOrder = true
		}
	}
	w.rows += int64(b.Len())
	return nil
}

func (w *rowWriter) Close() error { w.closed = true; return nil }

// TestStreamStages: the read, scan and validate stages see every row once
// and in order, a source error or a failed write ends the run with that
// error (and stops reading), and so does a cancelled context — never a
// hang.
func TestStreamStages(t *testing.T) {
	schema := &tableschema.Schema{Fields: []tableschema.Field{
		{Name: "id", Type: tableschema.Integer}, {Name: "navn", Type: tableschema.String},
	}}
	errSource := errors.New("connection reset by peer")
	many := int64(3*chunkRows*chunksInFlight + 17) // several rounds of every chunk, and a partial one
	for _, tc := range []struct {
		name     string
		src      *genSource
		failAt   int64
		cancelAt int64
		wantErr  string
		wantRows int64 // rows written when there is no error
	}{
		{name: "all rows", src: &genSource{rows: many}, wantRows: many},
		{name: "empty source", src: &genSource{rows: 0}, wantRows: 0},
		{name: "source fails", src: &genSource{rows: many, err: errSource}, wantErr: "extract: connection reset by peer"},
		{name: "write fails on an endless source", src: &genSource{rows: -1}, failAt: 2, wantErr: errWrite.Error()},
		{name: "cancelled on an endless source", src: &genSource{rows: -1}, cancelAt: 50_000, wantErr: context.Canceled.Error()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.cancelAt > 0 {
				tc.src.cancel, tc.src.cancelAt = cancel, tc.cancelAt
			}
			scanner := classify.NewScanner(tc.src.Header(), classify.Options{})
			v, err := validate.New(schema, tc.src.Header(), validate.Options{Dataset: "test", Quarantine: io.Discard})
			if err != nil {
				t.Fatal(err)
			}
			w := &rowWriter{failAt: tc.failAt}
			b := &build{env: &Env{}, def: &datasets.Definition{ID: "test"}, res: &Result{}}
			done := make(chan error, 1)
			go func() { done <- b.stream(ctx, tc.src, 2, false, nil, scanner, v, w, schema) }()
			select {
			case err = <-done:
			case <-time.After(2 * time.Minute):
				t.Fatalf("stream did not return (deadlock) after reading %d rows", tc.src.read.Load())
			}
			read := tc.src.read.Load()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err %v, want %q", err, tc.wantErr)
				}
				if w.closed {
					t.Error("the output was finished after a failure")
				}
				if tc.src.rows < 0 && read > 10*int64(chunkRows*chunksInFlight+batchRows*encoderBatches) {
					t.Errorf("read %d rows of an endless source after the failure: the reader did not stop", read)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if b.res.RowsIn != tc.wantRows || w.rows != tc.wantRows || !w.closed {
				t.Errorf("rows in %d, written %d, closed %v; want %d, %d, true", b.res.RowsIn, w.rows, w.closed, tc.wantRows, tc.wantRows)
			}
			if w.outOfOrder {
				t.Error("rows reached the writer out of order")
			}
			if got := scanner.Result().Rows; got != tc.wantRows {
				t.Errorf("scanned %d rows, want %d", got, tc.wantRows)
			}
			if got := v.Report(); got.Rows != tc.wantRows || got.Valid != tc.wantRows {
				t.Errorf("validated %d rows (%d valid), want %d", got.Rows, got.Valid, tc.wantRows)
			}
		})
	}
}
