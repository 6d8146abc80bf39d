package openapi

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/parquet"
	"github.com/apache/arrow/go/v15/parquet/file"
	"github.com/apache/arrow/go/v15/parquet/metadata"
	"github.com/apache/arrow/go/v15/parquet/pqarrow"

	"github.com/dele-opendata/dele/internal/table"
)

// hit is one row selected for a page.
type hit struct {
	pos  int64
	keys []value // sort keys
	out  []value // selected columns
}

// page is the result of a scan: up to limit rows, and whether more follow.
type page struct {
	rows []hit
	more bool
	// scanned and skipped count row groups, for tests and benchmarks.
	scanned, skipped int
}

// hitHeap keeps the best limit+1 hits with the worst on top.
type hitHeap struct {
	hits []hit
	less func(a, b *hit) bool
}

func (h *hitHeap) Len() int           { return len(h.hits) }
func (h *hitHeap) Less(i, j int) bool { return h.less(&h.hits[j], &h.hits[i]) }
func (h *hitHeap) Swap(i, j int)      { h.hits[i], h.hits[j] = h.hits[j], h.hits[i] }
func (h *hitHeap) Push(x any)         { h.hits = append(h.hits, x.(hit)) }
func (h *hitHeap) Pop() any {
	x := h.hits[len(h.hits)-1]
	h.hits = h.hits[:len(h.hits)-1]
	return x
}

// orderLess returns the total order of a query: its sort keys, then row
// position.
func orderLess(q *query, cols []column) func(a, b *hit) bool {
	return func(a, b *hit) bool {
		for i, sk := range q.sort {
			c := compare(cols[sk.col].kind, a.keys[i], b.keys[i])
			if sk.desc && !a.keys[i].null && !b.keys[i].null {
				c = -c
			}
			if c != 0 {
				return c < 0
			}
		}
		return a.pos < b.pos
	}
}

// scan runs q over the Parquet file pf: it prunes row groups by their
// statistics, reads only the needed columns of the others, and keeps the
// first limit+1 rows in the query's order after the cursor.
func scan(ctx context.Context, pf *file.Reader, q *query, cols []column) (*page, error) {
	md := pf.MetaData()
	leaf := make([]int, len(cols))
	for i, c := range cols {
		leaf[i] = md.Schema.ColumnIndexByName(c.name)
		if leaf[i] < 0 {
			return nil, fmt.Errorf("parquet file has no column %q", c.name)
		}
	}
	// Columns to read: filters, sort keys, output.
	need := map[int]bool{}
	for _, f := range q.filters {
		need[f.col] = true
	}
	for _, s := range q.sort {
		need[s.col] = true
	}
	for _, c := range q.sel {
		need[c] = true
	}
	var readCols, readLeaves []int
	for i := range cols {
		if need[i] {
			readCols = append(readCols, i)
			readLeaves = append(readLeaves, leaf[i])
		}
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{BatchSize: 8 << 10}, memory.DefaultAllocator)
	if err != nil {
		return nil, fmt.Errorf("open parquet: %w", err)
	}
	less := orderLess(q, cols)
	h := &hitHeap{less: less}
	want := q.limit + 1
	var cur *hit
	if q.cursor != nil {
		cur = &hit{pos: q.cursor.Pos, keys: q.cursor.keys}
	}
	res := &page{}
	// Row offsets of the groups, and the order to visit them in: file
	// order, or for a sort the groups whose first key can come first, so
	// the page fills early and the remaining groups are pruned.
	ng := pf.NumRowGroups()
	firsts := make([]int64, ng)
	visit := make([]int, ng)
	var start int64
	for rg := range ng {
		firsts[rg], visit[rg] = start, rg
		start += md.RowGroup(rg).NumRows()
	}
	if len(q.sort) > 0 {
		sk := q.sort[0]
		los := make([]value, ng)
		known := make([]bool, ng)
		for rg := range ng {
			los[rg], _, known[rg] = groupBounds(md.RowGroup(rg), leaf[sk.col], cols[sk.col], sk)
		}
		sort.SliceStable(visit, func(x, y int) bool {
			a, b := visit[x], visit[y]
			if !known[a] || !known[b] {
				return known[a] && !known[b]
			}
			return keyOrder(cols[sk.col].kind, sk, los[a], los[b]) < 0
		})
	}
	for _, rg := range visit {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		rgmd := md.RowGroup(rg)
		n := rgmd.NumRows()
		first := firsts[rg]
		if len(q.sort) == 0 {
			if len(h.hits) >= want {
				break // row order: every later row is worse
			}
			if cur != nil && first+n-1 <= cur.pos {
				res.skipped++
				continue
			}
		}
		if skip, err := pruneGroup(rgmd, leaf, cols, q, h, want, cur); err != nil {
			return nil, err
		} else if skip {
			res.skipped++
			continue
		}
		res.scanned++
		if err := scanGroup(ctx, fr, rg, first, readCols, readLeaves, cols, q, h, want, cur, less); err != nil {
			return nil, fmt.Errorf("row group %d: %w", rg, err)
		}
	}
	// Sort the kept hits in order.
	out := make([]hit, len(h.hits))
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = heap.Pop(h).(hit)
	}
	if len(out) > q.limit {
		out, res.more = out[:q.limit], true
	}
	res.rows = out
	return res, nil
}

// groupStats is the min/max and null information of one column chunk.
type groupStats struct {
	ok        bool // min and max are known
	min, max  value
	hasNulls  bool
	allNull   bool
	knowNulls bool
}

func columnStats(rgmd *metadata.RowGroupMetaData, leaf int, c column) (groupStats, error) {
	cc, err := rgmd.ColumnChunk(leaf)
	if err != nil {
		return groupStats{}, err
	}
	ok, err := cc.StatsSet()
	if err != nil || !ok {
		return groupStats{}, nil //nolint:nilerr // missing statistics only disable pruning
	}
	st, err := cc.Statistics()
	if err != nil || st == nil {
		return groupStats{}, nil //nolint:nilerr // unreadable statistics only disable pruning
	}
	var g groupStats
	if st.HasNullCount() {
		g.knowNulls = true
		g.hasNulls = st.NullCount() > 0
		g.allNull = st.NullCount() == rgmd.NumRows()
	}
	if !st.HasMinMax() {
		return g, nil
	}
	g.ok = true
	switch s := st.(type) {
	case *metadata.Int64Statistics:
		g.min, g.max = value{i: s.Min()}, value{i: s.Max()}
		if c.kind == table.KindFloat { // a decimal: unscaled integers
			if c.scale < 0 {
				return groupStats{}, nil
			}
			g.min, g.max = value{f: decimalFloat(s.Min(), c.scale)}, value{f: decimalFloat(s.Max(), c.scale)}
		}
	case *metadata.Int32Statistics:
		if c.kind == table.KindFloat {
			if c.scale < 0 {
				return groupStats{}, nil
			}
			g.min, g.max = value{f: decimalFloat(int64(s.Min()), c.scale)}, value{f: decimalFloat(int64(s.Max()), c.scale)}
			break
		}
		g.min, g.max = value{i: int64(s.Min())}, value{i: int64(s.Max())}
	case *metadata.Float64Statistics:
		g.min, g.max = value{f: s.Min()}, value{f: s.Max()}
		if s.Min() != s.Min() || s.Max() != s.Max() {
			g.ok = false
		}
	case *metadata.BooleanStatistics:
		g.min, g.max = value{b: s.Min()}, value{b: s.Max()}
	case *metadata.ByteArrayStatistics:
		g.min, g.max = value{s: string(s.Min())}, value{s: string(s.Max())}
	default:
		g.ok = false
	}
	if c.kind == table.KindDateTime || c.kind == table.KindDate {
		// Statistics are in the stored unit; only µs timestamps and
		// date32 days are compared directly.
		if c.kind == table.KindDateTime && st.Type() != parquet.Types.Int64 {
			g.ok = false
		}
	}
	return g, nil
}

// pruneGroup reports whether a row group can be skipped: a filter cannot
// match any of its rows, or none of its rows can enter the page.
func pruneGroup(rgmd *metadata.RowGroupMetaData, leaf []int, cols []column, q *query, h *hitHeap, want int, cur *hit) (bool, error) {
	for i := range q.filters {
		f := &q.filters[i]
		c := cols[f.col]
		g, err := columnStats(rgmd, leaf[f.col], c)
		if err != nil {
			return false, err
		}
		if g.allNull {
			return true, nil
		}
		if !g.ok {
			continue
		}
		if !mayMatch(f, c.kind, g) {
			return true, nil
		}
	}
	if len(q.sort) == 0 {
		return false, nil
	}
	// Bounds of the first sort key in this group, in sort order (nulls
	// last in both directions).
	sk := q.sort[0]
	c := cols[sk.col]
	lo, hi, ok := groupBounds(rgmd, leaf[sk.col], c, sk)
	if !ok {
		return false, nil
	}
	ord := func(a, b value) int { return keyOrder(c.kind, sk, a, b) }
	// Every row is at or before the cursor.
	if cur != nil && ord(hi, cur.keys[0]) < 0 {
		return true, nil
	}
	// The page is full and every row comes after its worst row.
	if len(h.hits) >= want && ord(lo, h.hits[0].keys[0]) > 0 {
		return true, nil
	}
	return false, nil
}

// keyOrder compares two values of a sort key in the key's order, nulls
// last in both directions.
func keyOrder(k table.Kind, sk sortKey, a, b value) int {
	r := compare(k, a, b)
	if sk.desc && !a.null && !b.null {
		r = -r
	}
	return r
}

// groupBounds returns the best (lo) and worst (hi) value of sort key sk in
// a row group, in the key's order, when the statistics tell.
func groupBounds(rgmd *metadata.RowGroupMetaData, leaf int, c column, sk sortKey) (lo, hi value, ok bool) {
	g, err := columnStats(rgmd, leaf, c)
	if err != nil || !g.knowNulls || (!g.ok && !g.allNull) {
		return value{}, value{}, false
	}
	switch {
	case g.allNull:
		lo, hi = value{null: true}, value{null: true}
	case sk.desc:
		lo, hi = g.max, g.min
	default:
		lo, hi = g.min, g.max
	}
	if g.hasNulls {
		hi = value{null: true}
	}
	return lo, hi, true
}

// mayMatch reports whether a filter can match a value in [g.min, g.max].
func mayMatch(f *filter, k table.Kind, g groupStats) bool {
	in := func(v value) bool { return compare(k, v, g.min) >= 0 && compare(k, v, g.max) <= 0 }
	switch f.op {
	case opEq:
		return in(f.vals[0])
	case opIn:
		for _, v := range f.vals {
			if in(v) {
				return true
			}
		}
		return false
	case opLt:
		return compare(k, g.min, f.vals[0]) < 0
	case opLte:
		return compare(k, g.min, f.vals[0]) <= 0
	case opGt:
		return compare(k, g.max, f.vals[0]) > 0
	case opGte:
		return compare(k, g.max, f.vals[0]) >= 0
	case opPrefix:
		p := f.vals[0].s
		lo, hi := g.min.s, g.max.s
		if len(lo) > len(p) {
			lo = lo[:len(p)]
		}
		if len(hi) > len(p) {
			hi = hi[:len(p)]
		}
		return lo <= p && p <= hi
	}
	return true
}

// scanGroup reads the needed columns of one row group and offers every
// matching row after the cursor to the heap.
func scanGroup(ctx context.Context, fr *pqarrow.FileReader, rg int, first int64, readCols, readLeaves []int, cols []column, q *query, h *hitHeap, want int, cur *hit, less func(a, b *hit) bool) error {
	rr, err := fr.GetRecordReader(ctx, readLeaves, []int{rg})
	if err != nil {
		return err
	}
	defer rr.Release()
	getters := make([]func(int) value, len(cols))
	pos := first
	for rr.Next() {
		rec := rr.Record()
		for j, ci := range readCols {
			g, err := getter(rec.Column(j), cols[ci])
			if err != nil {
				return err
			}
			getters[ci] = g
		}
		n := int(rec.NumRows())
	rows:
		for r := 0; r < n; r, pos = r+1, pos+1 {
			for i := range q.filters {
				f := &q.filters[i]
				if !f.match(cols[f.col].kind, getters[f.col](r)) {
					continue rows
				}
			}
			cand := hit{pos: pos}
			if len(q.sort) > 0 {
				cand.keys = make([]value, len(q.sort))
				for i, sk := range q.sort {
					cand.keys[i] = getters[sk.col](r)
				}
			}
			if cur != nil && !less(cur, &cand) {
				continue
			}
			if len(h.hits) >= want && !less(&cand, &h.hits[0]) {
				if len(q.sort) == 0 {
					return nil
				}
				continue
			}
			cand.out = make([]value, len(q.sel))
			for i, c := range q.sel {
				cand.out[i] = getters[c](r)
			}
			heap.Push(h, cand)
			if len(h.hits) > want {
				heap.Pop(h)
			}
		}
	}
	if err := rr.Err(); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// decimalFloat returns the float64 nearest to unscaled × 10^-scale, the
// same value strconv.ParseFloat gives for its decimal text, so filters
// and JSON output agree exactly with the published CSV.
func decimalFloat(unscaled int64, scale int) float64 {
	s := strconv.FormatInt(unscaled, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	if scale > 0 {
		for len(s) <= scale {
			s = "0" + s
		}
		s = s[:len(s)-scale] + "." + s[len(s)-scale:]
	}
	if neg {
		s = "-" + s
	}
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

// getter returns a function reading row i of arr as a value of column c.
func getter(arr arrow.Array, c column) (func(int) value, error) {
	switch a := arr.(type) {
	case *array.Int64:
		return func(i int) value {
			if a.IsNull(i) {
				return value{null: true}
			}
			return value{i: a.Value(i)}
		}, nil
	case *array.Int32:
		return func(i int) value {
			if a.IsNull(i) {
				return value{null: true}
			}
			return value{i: int64(a.Value(i))}
		}, nil
	case *array.Float64:
		return func(i int) value {
			if a.IsNull(i) {
				return value{null: true}
			}
			return value{f: a.Value(i)}
		}, nil
	case *array.Boolean:
		return func(i int) value {
			if a.IsNull(i) {
				return value{null: true}
			}
			return value{b: a.Value(i)}
		}, nil
	case *array.Date32:
		return func(i int) value {
			if a.IsNull(i) {
				return value{null: true}
			}
			return value{i: int64(a.Value(i))}
		}, nil
	case *array.Timestamp:
		unit := a.DataType().(*arrow.TimestampType).Unit
		mul, div := int64(1), int64(1)
		switch unit {
		case arrow.Second:
			mul = 1e6
		case arrow.Millisecond:
			mul = 1e3
		case arrow.Nanosecond:
			div = 1e3
		}
		return func(i int) value {
			if a.IsNull(i) {
				return value{null: true}
			}
			return value{i: int64(a.Value(i)) * mul / div}
		}, nil
	case *array.Decimal128:
		scale := a.DataType().(*arrow.Decimal128Type).Scale
		return func(i int) value {
			if a.IsNull(i) {
				return value{null: true}
			}
			return value{f: decimalFloat(int64(a.Value(i).LowBits()), int(scale))}
		}, nil
	case *array.String:
		return func(i int) value {
			if a.IsNull(i) {
				return value{null: true}
			}
			return value{s: a.Value(i)}
		}, nil
	case *array.LargeString:
		return func(i int) value {
			if a.IsNull(i) {
				return value{null: true}
			}
			return value{s: a.Value(i)}
		}, nil
	}
	return nil, fmt.Errorf("column %s: unsupported Arrow type %s", c.name, arr.DataType())
}
