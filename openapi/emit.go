package openapi

import (
	"context"
	"fmt"
	"slices"

	"github.com/apache/arrow/go/v15/parquet/file"
	"github.com/apache/arrow/go/v15/parquet/metadata"

	"github.com/dele-opendata/dele/internal/table"
)

// windowCells is the most selected values an emitter holds at once: a
// page is read and written in windows of windowCells/len(select) rows, so
// the memory of a page does not grow with its size.
const windowCells = 32 << 10

// emitter is phase 2 of a page: it reads the selected columns of the rows
// a selection chose, one window of rows (in the page's order) at a time,
// only from the row groups that hold them, skipping the other rows of
// each column chunk.
//
// A page of one window reads one column chunk at a time, as a reader
// holds its compressed chunk and a decompressed page (about 1 MB). A page
// of several windows keeps the readers of the last row group read open,
// one per selected column, so a page in row order (or sorted on a column
// the file is ordered by) decodes each column chunk once however many
// windows it takes; its memory is then bounded by the selected columns,
// not by the rows of the page. A page whose order goes back in a row
// group (sorted against the file's order) reopens that group's readers
// for each window.
type emitter struct {
	pf   *file.Reader
	sel  *selection
	cols []column
	out  []int // selected columns
	win  int   // rows per window

	next  int     // index in sel.rows of the next window
	n     int     // rows in the loaded window
	vals  []value // the loaded window, row-major: n × len(out)
	order []int   // scratch: window rows by position
	idx   []int64

	rg      int // row group of readers, or -1
	readers []*colReader
}

// newEmitter returns the emitter of the selected columns out of s's rows.
func newEmitter(pf *file.Reader, s *selection, cols []column, out []int) *emitter {
	win := max(1, windowCells/len(out))
	win = min(win, max(1, len(s.rows)))
	return &emitter{pf: pf, sel: s, cols: cols, out: out, win: win, rg: -1}
}

// load reads the selected columns of the next window of rows and returns
// how many rows it holds; 0 when every row has been loaded.
func (e *emitter) load(ctx context.Context) (int, error) {
	rows := e.sel.rows[e.next:min(e.next+e.win, len(e.sel.rows))]
	e.n = len(rows)
	if e.n == 0 {
		e.readers = nil
		return 0, nil
	}
	ns := len(e.out)
	if e.vals == nil {
		e.vals = make([]value, e.win*ns)
	}
	e.order = e.order[:0]
	for i := range rows {
		e.order = append(e.order, i)
	}
	slices.SortFunc(e.order, func(a, b int) int { return cmp3(rows[a].pos, rows[b].pos) })
	for k := 0; k < len(e.order); {
		if err := ctx.Err(); err != nil {
			return 0, err
		}
		g := e.sel.group(rows[e.order[k]].pos)
		first, end := e.sel.firsts[g], e.sel.firsts[g+1]
		e.idx = e.idx[:0]
		j := k
		for ; j < len(e.order) && rows[e.order[j]].pos < end; j++ {
			e.idx = append(e.idx, rows[e.order[j]].pos-first)
		}
		if err := e.readGroup(g, k); err != nil {
			return 0, fmt.Errorf("row group %d: %w", g, err)
		}
		k = j
	}
	e.next += e.n
	return e.n, nil
}

// readGroup reads the selected columns at e.idx of row group g into the
// window rows e.order[k:].
func (e *emitter) readGroup(g, k int) error {
	ns := len(e.out)
	if e.win >= len(e.sel.rows) {
		// One window: one reader at a time.
		rgr := e.pf.RowGroup(g)
		for j, ci := range e.out {
			r, err := newColReader(rgr, e.sel.leaf[ci], e.cols[ci], len(e.idx))
			if err != nil {
				return err
			}
			if err := e.readInto(r, j, k); err != nil {
				return err
			}
		}
		return nil
	}
	reuse := e.rg == g && len(e.readers) == ns
	for _, r := range e.readers {
		if !reuse || r.pos > e.idx[0] {
			reuse = false
			break
		}
	}
	if !reuse {
		e.rg, e.readers = -1, e.readers[:0]
		rgr := e.pf.RowGroup(g)
		// Later windows may continue in this group: size the buffers for
		// the rest of the page's rows, at most readBatch.
		batch := len(e.sel.rows) - e.next
		for _, ci := range e.out {
			r, err := newColReader(rgr, e.sel.leaf[ci], e.cols[ci], batch)
			if err != nil {
				return err
			}
			e.readers = append(e.readers, r)
		}
		e.rg = g
	}
	for j, r := range e.readers {
		if err := e.readInto(r, j, k); err != nil {
			return err
		}
	}
	return nil
}

// readInto reads column j at e.idx into the window rows e.order[k:].
func (e *emitter) readInto(r *colReader, j, k int) error {
	ns := len(e.out)
	m := k
	return r.readAt(e.idx, func(v value) { e.vals[e.order[m]*ns+j] = v; m++ })
}

// row returns the selected values of row i of the loaded window, in the
// page's order; valid until the next load.
func (e *emitter) row(i int) []value {
	ns := len(e.out)
	return e.vals[i*ns : (i+1)*ns]
}

// estimateSize estimates the encoded size of a page from the row groups
// that hold its rows: per selected column, the average stored size of a
// value in each such group (text columns: at least the mean length of the
// group's smallest and largest value), plus the format's separators and,
// in JSON, the column names. It decides "too large" before the first
// byte; it is an estimate, not a bound.
func estimateSize(md *metadata.FileMetaData, s *selection, q *query, cols []column) int64 {
	perGroup := map[int]int64{}
	for _, h := range s.rows {
		perGroup[s.group(h.pos)]++
	}
	total := int64(256) // the JSON envelope with next link, or the CSV header
	for _, ci := range q.sel {
		total += int64(len(cols[ci].name)) + 3
	}
	for g, n := range perGroup {
		rgmd := md.RowGroup(g)
		var row int64
		for _, ci := range q.sel {
			c := cols[ci]
			row += valueWidth(rgmd, s.leaf[ci], c) + 1 // and a separator
			if q.format != "csv" {
				row += int64(len(c.name)) + 3 // "name":
			}
		}
		total += n * (row + 3)
	}
	return total
}

// valueWidth estimates the encoded width of a value of column c in a row
// group.
func valueWidth(rgmd *metadata.RowGroupMetaData, leaf int, c column) int64 {
	switch c.kind {
	case table.KindInt:
		return 8
	case table.KindFloat:
		return 12
	case table.KindBool:
		return 5
	case table.KindDate:
		return 12
	case table.KindDateTime:
		return 28
	}
	cc, err := rgmd.ColumnChunk(leaf)
	if err != nil || cc.NumValues() == 0 {
		return 16
	}
	// Plain byte arrays store 4 bytes of length before each value.
	w := cc.TotalUncompressedSize()/cc.NumValues() - 4
	if ok, err := cc.StatsSet(); err == nil && ok {
		if st, err := cc.Statistics(); err == nil && st != nil && st.HasMinMax() {
			if bs, ok := st.(*metadata.ByteArrayStatistics); ok {
				w = max(w, int64(len(bs.Min())+len(bs.Max()))/2)
			}
		}
	}
	return max(w, 0) + 2 // quotes
}
