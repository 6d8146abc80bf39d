package openapi

import (
	"container/heap"
	"context"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/apache/arrow/go/v15/parquet"
	"github.com/apache/arrow/go/v15/parquet/file"
	"github.com/apache/arrow/go/v15/parquet/metadata"
	"github.com/apache/arrow/go/v15/parquet/schema"

	"github.com/dele-opendata/dele/internal/table"
)

// hit is one row chosen for a page: its position in the file and its
// sort keys. The selected columns are read later, by an emitter.
type hit struct {
	pos  int64
	keys []value // sort keys
}

// selection is the result of phase 1 of a page: which rows it holds, in
// the query's order, and whether more follow. It holds positions and sort
// keys only, never the selected columns.
type selection struct {
	rows []hit
	more bool
	// scanned and skipped count row groups, for tests and benchmarks.
	scanned, skipped int
	// leaf maps columns to Parquet leaf columns; firsts holds the first
	// row of each row group, with the file's row count appended.
	leaf   []int
	firsts []int64
}

// group returns the row group holding row pos.
func (s *selection) group(pos int64) int {
	return sort.Search(len(s.firsts)-1, func(g int) bool { return s.firsts[g+1] > pos })
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

// leafColumns maps the columns to the Parquet file's leaf columns.
func leafColumns(pf *file.Reader, cols []column) ([]int, error) {
	md := pf.MetaData()
	leaf := make([]int, len(cols))
	for i, c := range cols {
		leaf[i] = md.Schema.ColumnIndexByName(c.name)
		if leaf[i] < 0 {
			return nil, fmt.Errorf("parquet file has no column %q", c.name)
		}
	}
	return leaf, nil
}

// selectRows is phase 1 of a page: it runs q over the Parquet file pf,
// prunes row groups by their statistics, reads only the filter and sort
// columns of the others, and keeps the positions and sort keys of the
// first limit+1 rows in the query's order after the cursor. Nothing of
// the selected columns is read, so the next cursor is known before the
// page's first byte is written.
func selectRows(ctx context.Context, pf *file.Reader, q *query, cols []column) (*selection, error) {
	md := pf.MetaData()
	leaf, err := leafColumns(pf, cols)
	if err != nil {
		return nil, err
	}
	less := orderLess(q, cols)
	h := &hitHeap{less: less}
	want := q.limit + 1
	var cur *hit
	if q.cursor != nil {
		cur = &hit{pos: q.cursor.Pos, keys: q.cursor.keys}
	}
	res := &selection{leaf: leaf}
	// Row offsets of the groups, and the order to visit them in: file
	// order, or for a sort the groups whose first key can come first, so
	// the page fills early and the remaining groups are pruned.
	ng := pf.NumRowGroups()
	firsts := make([]int64, ng+1)
	visit := make([]int, ng)
	var start int64
	for rg := range ng {
		firsts[rg], visit[rg] = start, rg
		start += md.RowGroup(rg).NumRows()
	}
	firsts[ng] = start
	res.firsts = firsts
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
		if err := scanGroup(ctx, pf, rg, first, leaf, cols, q, h, want, cur, less); err != nil {
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

// scanGroup offers the rows of one row group that match the filters and
// come after the cursor to the heap. It reads the filter columns first (in
// chunks, stopping early in row order once the page is full), then the
// sort keys of the matching rows only, skipping the rest of each column
// chunk. The selected columns are left to the emitter (phase 2).
func scanGroup(ctx context.Context, pf *file.Reader, rg int, first int64, leaf []int, cols []column, q *query, h *hitHeap, want int, cur *hit, less func(a, b *hit) bool) error {
	rgr := pf.RowGroup(rg)
	n := rgr.NumRows()
	rowOrder := len(q.sort) == 0
	start := int64(0)
	if rowOrder && cur != nil && cur.pos >= first {
		start = cur.pos - first + 1
	}
	need := want - len(h.hits) // rows still wanted, in row order
	// 1. Matching row indices.
	var match []int64
	if len(q.filters) == 0 {
		end := n
		if rowOrder {
			end = min(n, start+int64(need))
		}
		for i := start; i < end; i++ {
			match = append(match, i)
		}
	} else {
		byCol := map[int][]*filter{}
		var fcols []int
		for i := range q.filters {
			f := &q.filters[i]
			if byCol[f.col] == nil {
				fcols = append(fcols, f.col)
			}
			byCol[f.col] = append(byCol[f.col], f)
		}
		readers := make([]*colReader, len(fcols))
		for j, ci := range fcols {
			r, err := newColReader(rgr, leaf[ci], cols[ci], readBatch)
			if err != nil {
				return err
			}
			if err := r.skip(start); err != nil {
				return err
			}
			readers[j] = r
		}
		const chunk = 8 << 10
		ok := make([]bool, chunk)
		for s := start; s < n; s += chunk {
			if err := ctx.Err(); err != nil {
				return err
			}
			m := int(min(chunk, n-s))
			for i := range m {
				ok[i] = true
			}
			for j, ci := range fcols {
				k := cols[ci].kind
				fs := byCol[ci]
				i := 0
				err := readers[j].read(m, func(v value) {
					if ok[i] {
						for _, f := range fs {
							if !f.match(k, v) {
								ok[i] = false
								break
							}
						}
					}
					i++
				})
				if err != nil {
					return err
				}
			}
			for i := range m {
				if ok[i] {
					match = append(match, s+int64(i))
				}
			}
			if rowOrder && len(match) >= need {
				break
			}
		}
	}
	if len(match) == 0 {
		return nil
	}
	// 2. Offer the matches to the heap.
	if rowOrder {
		if len(match) > need {
			match = match[:need]
		}
		for _, i := range match {
			heap.Push(h, hit{pos: first + i})
		}
		return nil
	}
	ns := len(q.sort)
	keys := make([]value, len(match)*ns) // one allocation; hits copy theirs
	for j, sk := range q.sort {
		r, err := newColReader(rgr, leaf[sk.col], cols[sk.col], len(match))
		if err != nil {
			return err
		}
		k := 0
		if err := r.readAt(match, func(v value) { keys[k*ns+j] = v; k++ }); err != nil {
			return err
		}
	}
	for k, i := range match {
		cand := hit{pos: first + i, keys: keys[k*ns : (k+1)*ns : (k+1)*ns]}
		if cur != nil && !less(cur, &cand) {
			continue
		}
		if len(h.hits) >= want && !less(&cand, &h.hits[0]) {
			continue
		}
		cand.keys = append([]value(nil), cand.keys...)
		heap.Push(h, cand)
		if len(h.hits) > want {
			heap.Pop(h)
		}
	}
	return nil
}

// colReader reads the values of one column chunk in row order.
type colReader struct {
	ccr    file.ColumnChunkReader
	c      column
	maxDef int16
	// conversion of stored values: timestamps to µs, decimals to float.
	mul, div int64
	scale    int
	pos      int64

	def   []int16
	i64   []int64
	i32   []int32
	f64   []float64
	bools []bool
	ba    []parquet.ByteArray
}

// readBatch is the most values a colReader decodes at a time.
const readBatch = 4096

// newColReader returns a reader of column leaf of a row group whose
// buffers hold min(batch, readBatch) values: callers that read few values
// allocate little.
func newColReader(rgr *file.RowGroupReader, leaf int, c column, batch int) (*colReader, error) {
	batch = max(1, min(batch, readBatch))
	ccr, err := rgr.Column(leaf)
	if err != nil {
		return nil, fmt.Errorf("column %s: %w", c.name, err)
	}
	d := ccr.Descriptor()
	r := &colReader{ccr: ccr, c: c, maxDef: d.MaxDefinitionLevel(), mul: 1, div: 1, scale: -1, def: make([]int16, batch)}
	switch lt := d.LogicalType().(type) {
	case *schema.TimestampLogicalType:
		switch lt.TimeUnit() {
		case schema.TimeUnitMillis:
			r.mul = 1000
		case schema.TimeUnitNanos:
			r.div = 1000
		}
	case *schema.DecimalLogicalType:
		r.scale = int(lt.Scale())
	case schema.DecimalLogicalType:
		r.scale = int(lt.Scale())
	}
	switch ccr.(type) {
	case *file.Int64ColumnChunkReader:
		r.i64 = make([]int64, batch)
	case *file.Int32ColumnChunkReader:
		r.i32 = make([]int32, batch)
	case *file.Float64ColumnChunkReader:
		r.f64 = make([]float64, batch)
	case *file.BooleanColumnChunkReader:
		r.bools = make([]bool, batch)
	case *file.ByteArrayColumnChunkReader:
		r.ba = make([]parquet.ByteArray, batch)
	default:
		return nil, fmt.Errorf("column %s: unsupported Parquet type %s", c.name, d.PhysicalType())
	}
	if (c.kind == table.KindFloat && r.f64 == nil && r.scale < 0) ||
		(c.kind == table.KindString && r.ba == nil) || (c.kind == table.KindBool && r.bools == nil) {
		return nil, fmt.Errorf("column %s: Parquet type %s does not hold %s values", c.name, d.PhysicalType(), c.typ)
	}
	return r, nil
}

// skip skips n rows.
func (r *colReader) skip(n int64) error {
	if n <= 0 {
		return nil
	}
	var got int64
	var err error
	switch cr := r.ccr.(type) {
	case *file.Int64ColumnChunkReader:
		got, err = cr.Skip(n)
	case *file.Int32ColumnChunkReader:
		got, err = cr.Skip(n)
	case *file.Float64ColumnChunkReader:
		got, err = cr.Skip(n)
	case *file.BooleanColumnChunkReader:
		got, err = cr.Skip(n)
	case *file.ByteArrayColumnChunkReader:
		// Not cr.Skip: in arrow v15 it decodes byte arrays (which hold
		// pointers) into a byte buffer, which corrupts the Go heap.
		for got < n && err == nil {
			var t int64
			t, _, err = cr.ReadBatch(min(n-got, int64(len(r.ba))), r.ba, r.def, nil)
			if t == 0 && err == nil {
				break
			}
			got += t
		}
	}
	if err == nil && got != n {
		err = fmt.Errorf("skipped %d rows of %d", got, n)
	}
	if err != nil {
		return fmt.Errorf("column %s: %w", r.c.name, err)
	}
	r.pos += n
	return nil
}

// read reads the next n rows and calls fn with each value in order.
func (r *colReader) read(n int, fn func(value)) error {
	for n > 0 {
		b := int64(min(n, len(r.def)))
		var total int64
		var err error
		switch cr := r.ccr.(type) {
		case *file.Int64ColumnChunkReader:
			total, _, err = cr.ReadBatch(b, r.i64, r.def, nil)
		case *file.Int32ColumnChunkReader:
			total, _, err = cr.ReadBatch(b, r.i32, r.def, nil)
		case *file.Float64ColumnChunkReader:
			total, _, err = cr.ReadBatch(b, r.f64, r.def, nil)
		case *file.BooleanColumnChunkReader:
			total, _, err = cr.ReadBatch(b, r.bools, r.def, nil)
		case *file.ByteArrayColumnChunkReader:
			total, _, err = cr.ReadBatch(b, r.ba, r.def, nil)
		}
		if err != nil {
			return fmt.Errorf("column %s: %w", r.c.name, err)
		}
		if total == 0 {
			return fmt.Errorf("column %s: %w after row %d", r.c.name, io.ErrUnexpectedEOF, r.pos)
		}
		j := 0
		for k := range int(total) {
			if r.maxDef > 0 && r.def[k] < r.maxDef {
				fn(value{null: true})
				continue
			}
			fn(r.value(j))
			j++
		}
		r.pos += total
		n -= int(total)
	}
	return nil
}

// value converts the j-th value of the last batch.
func (r *colReader) value(j int) value {
	switch {
	case r.i64 != nil:
		x := r.i64[j]
		if r.scale >= 0 {
			return value{f: decimalFloat(x, r.scale)}
		}
		return value{i: x * r.mul / r.div}
	case r.i32 != nil:
		if r.scale >= 0 {
			return value{f: decimalFloat(int64(r.i32[j]), r.scale)}
		}
		return value{i: int64(r.i32[j])}
	case r.f64 != nil:
		return value{f: r.f64[j]}
	case r.bools != nil:
		return value{b: r.bools[j]}
	}
	return value{s: string(r.ba[j])}
}

// readAt reads the rows at the given ascending indices (≥ the current
// position), skipping the others.
func (r *colReader) readAt(idx []int64, fn func(value)) error {
	for k := 0; k < len(idx); {
		e := k + 1
		for e < len(idx) && idx[e] == idx[e-1]+1 {
			e++
		}
		if err := r.skip(idx[k] - r.pos); err != nil {
			return err
		}
		if err := r.read(e-k, fn); err != nil {
			return err
		}
		k = e
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
