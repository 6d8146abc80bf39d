package pipeline

import (
	"context"
	"errors"
	"testing"

	"github.com/dele-opendata/dele/internal/table"
	"github.com/dele-opendata/dele/internal/tableschema"
)

// countingWriter fails its failAt-th write (1-based; 0: never).
type countingWriter struct {
	writes, failAt int
	closed         bool
}

var errWrite = errors.New("disk full")

func (c *countingWriter) Write(*table.Batch) error {
	c.writes++
	if c.writes == c.failAt {
		return errWrite
	}
	return nil
}

func (c *countingWriter) Close() error { c.closed = true; return nil }

// TestEncoder: the files are finished only when every batch was written
// and the producer did not give up; a failed write stops the producer.
func TestEncoder(t *testing.T) {
	schema := &tableschema.Schema{Fields: []tableschema.Field{{Name: "n", Type: tableschema.Integer}}}
	ctx := context.Background()

	ok := &countingWriter{}
	e := newEncoder(ctx, ok, schema, 4)
	for range 10 {
		if !e.send(e.batch()) {
			t.Fatal("send refused without a failure")
		}
	}
	if err := e.wait(); err != nil || ok.writes != 10 || !ok.closed {
		t.Errorf("success: err %v, %d writes, closed %v; want nil, 10, true", err, ok.writes, ok.closed)
	}

	bad := &countingWriter{failAt: 2}
	e = newEncoder(ctx, bad, schema, 4)
	refused := false
	for range 100 {
		if !e.send(e.batch()) {
			refused = true
			break
		}
	}
	if err := e.wait(); !errors.Is(err, errWrite) || !refused || bad.writes != 2 || bad.closed {
		t.Errorf("failed write: err %v, refused %v, %d writes, closed %v; want disk full, true, 2, false", err, refused, bad.writes, bad.closed)
	}

	aborted := &countingWriter{}
	e = newEncoder(ctx, aborted, schema, 4)
	e.send(e.batch())
	e.abort()
	if err := e.wait(); err == nil || aborted.closed {
		t.Errorf("aborted: err %v, closed %v; want an error and unfinished files", err, aborted.closed)
	}
}
