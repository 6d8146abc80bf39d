package convert

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"
	"unsafe"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/parquet"
	"github.com/apache/arrow/go/v15/parquet/compress"
	"github.com/apache/arrow/go/v15/parquet/file"
	"github.com/apache/arrow/go/v15/parquet/metadata"
	pqschema "github.com/apache/arrow/go/v15/parquet/schema"

	"github.com/dele-opendata/dele/internal/table"
	"github.com/dele-opendata/dele/internal/tableschema"
)

// Row-group sizing. A row group is the unit a reader fetches with one
// ranged GET and the unit whose column statistics let the query API skip
// data. Within a row group the API must decode every page before the first
// row it returns, so the size trades file size against query latency.
// Measured on the 1M-row municipal CSV (scripts/bench-run-serve.sh, wrk with
// 8 connections on 2 cores) for a first page filtered on the sorted id:
//
//	rows per group   Parquet size   requests/s   p50
//	128 Ki           25.0 MB         55          142 ms
//	 32 Ki           25.9 MB        162           47 ms
//	 16 Ki           27.1 MB        206           37 ms
//
// 32 Ki rows costs 4 % in size for three times the throughput. A row group
// of a typical municipal table is then well under a megabyte per column,
// and no row group holds more than 64 MiB of encoded data even for wide
// text tables, so a Lambda with little memory can read one at a time.
const (
	RowGroupRows  = 32 * 1024
	RowGroupBytes = 64 << 20
)

// ZstdLevel is the zstd level of the Parquet pages. Level 1 (klauspost's
// "fastest") compresses about twice as fast as the default level 3 and
// makes files of this kind of data a few percent larger.
const ZstdLevel = 1

// Key/value metadata keys written into every Parquet file.
const (
	MetaDataset = "dele.dataset"
	MetaVersion = "dele.version"
	MetaSchema  = "dele.schema" // the Table Schema as JSON
)

// Metadata identifies the published version a file belongs to.
type Metadata struct {
	DatasetID string
	Version   string
}

// ParquetWriter streams batches into one Parquet file: typed, optional
// columns (see ParquetSchema), zstd compression, column statistics,
// row groups of at most RowGroupRows rows and RowGroupBytes bytes, and
// the dataset id, version and Table Schema in the key/value metadata.
//
// The columns of each batch are encoded and compressed in parallel, one
// goroutine per column. Memory is bounded by the batch size and one row
// group of compressed pages, never by the number of rows written.
//
// The file writer is created on the first Write, because the choice of
// dictionary encoding for text columns looks at the values of the first
// batch (see DictionaryColumns).
type ParquetWriter struct {
	w      *bufio.Writer // also keeps the file writer from closing the caller's writer
	schema *tableschema.Schema
	meta   Metadata
	node   *pqschema.GroupNode
	kinds  []colKind

	fw    *file.Writer
	rg    file.BufferedRowGroupWriter
	rgLen int
	// rgRows is the row-group length, RowGroupRows except in tests.
	rgRows int
	cols   []colScratch
	dict   []bool
	rows   int64
	err    error
}

type colKind struct {
	kind  table.Kind
	scale int // decimal scale, or -1 when the number is a float64
}

// colScratch is per-column buffers reused between batches.
type colScratch struct {
	def   []int16
	i64   []int64
	i32   []int32
	f64   []float64
	bools []bool
	bytes []parquet.ByteArray
	// dict is a dictionary-encoded column's row group so far.
	dict dictColumn
}

// dictColumn collects a dictionary-encoded text column's row group: the
// distinct values in order of first appearance, an index per row (0 for
// a null) and the definition levels. At the end of the row group they go
// to Arrow's encoder as a whole (PutDictionary, WriteDictIndices), as
// pqarrow does for Arrow dictionary arrays. Arrow's own path,
// DictByteArrayEncoder.Put, costs a heap allocation per value (each
// value is passed to its memo table as an interface); a Go map lookup by
// string costs none. The file's bytes are the same (compared on the
// benchmark's 1M-row file); only where a dictionary outgrows its limit
// may the switch to plain pages come a few values earlier or later.
type dictColumn struct {
	ids   map[string]int32
	vals  []string // copies: batches are reused after Write
	bytes int      // dictionary page size so far (values plus 4 bytes each)
	idx   []int32
	def   []int16
	nulls int
	// plain is set when the dictionary outgrew maxDictBytes: the rest of
	// the row group goes through Arrow's own path, which falls back to
	// plain encoding as it would have.
	plain bool
}

// maxDictBytes is Arrow's default dictionary page size limit
// (parquet.DefaultDictionaryPageSizeLimit); past it Arrow falls back to
// plain encoding.
const maxDictBytes = int(parquet.DefaultDictionaryPageSizeLimit)

func (d *dictColumn) reset() {
	clear(d.ids)
	clear(d.vals) // let the strings go
	d.vals, d.idx, d.def = d.vals[:0], d.idx[:0], d.def[:0]
	d.bytes, d.nulls, d.plain = 0, 0, false
}

// add appends rows and returns how many it took: fewer than all when the
// dictionary would grow past maxDictBytes.
func (d *dictColumn) add(strs []string, valid []bool) int {
	if d.ids == nil {
		d.ids = make(map[string]int32, 256)
	}
	for j, v := range strs {
		if !valid[j] {
			d.idx = append(d.idx, 0)
			d.def = append(d.def, 0)
			d.nulls++
			continue
		}
		id, ok := d.ids[v]
		if !ok {
			if d.bytes+len(v)+4 > maxDictBytes {
				return j
			}
			id = int32(len(d.vals))
			v = strings.Clone(v)
			d.ids[v] = id
			d.vals = append(d.vals, v)
			d.bytes += len(v) + 4
		}
		d.idx = append(d.idx, id)
		d.def = append(d.def, 1)
	}
	return len(strs)
}

// dictPutter and dictEntries are methods of Arrow's dictionary encoders
// (whose interface is in an internal package).
type (
	dictPutter  interface{ PutDictionary(arrow.Array) error }
	dictEntries interface{ NumEntries() int }
)

// write hands the collected row group to cw: the dictionary, the
// statistics (from the dictionary: every value in it occurs), and the
// indices with their definition levels.
func (d *dictColumn) write(cw file.ColumnChunkWriter) error {
	if d.plain || len(d.def) == 0 {
		return nil
	}
	enc, ok := cw.CurrentEncoder().(dictPutter)
	if !ok {
		// Not dictionary-encoding after all: Arrow's own path.
		return d.writeDense(cw)
	}
	sb := array.NewStringBuilder(memory.DefaultAllocator)
	sb.Reserve(len(d.vals))
	for _, v := range d.vals {
		sb.Append(v)
	}
	dict := sb.NewArray()
	defer dict.Release()
	if err := enc.PutDictionary(dict); err != nil {
		return err
	}
	if n, ok := cw.CurrentEncoder().(dictEntries); !ok || n.NumEntries() != len(d.vals) {
		return fmt.Errorf("dictionary of %d values became %d entries", len(d.vals), n.NumEntries())
	}
	if st := cw.PageStatistics(); st != nil {
		st.IncNulls(int64(d.nulls))
		st.IncNumValues(int64(len(d.def) - d.nulls))
		if err := st.UpdateFromArrow(dict, false); err != nil {
			return err
		}
	}
	// In pieces of at most one write batch, each a new array:
	// WriteDictIndices slices a longer index array into write batches,
	// and with Arrow v15 those slices of an array with nulls were written
	// with wrong values (the interop tests caught it).
	ib := array.NewInt32Builder(memory.DefaultAllocator)
	defer ib.Release()
	step := int(cw.Properties().WriteBatchSize())
	for lo := 0; lo < len(d.def); lo += step {
		hi := min(lo+step, len(d.def))
		ib.Reserve(hi - lo)
		for j := lo; j < hi; j++ {
			if d.def[j] == 0 {
				ib.AppendNull()
			} else {
				ib.Append(d.idx[j])
			}
		}
		idx := ib.NewArray()
		err := cw.WriteDictIndices(idx, d.def[lo:hi], nil)
		idx.Release()
		if err != nil {
			return err
		}
	}
	return nil
}

// writeDense writes the collected rows through Arrow's value path.
func (d *dictColumn) writeDense(cw file.ColumnChunkWriter) error {
	vals := make([]parquet.ByteArray, 0, len(d.idx)-d.nulls)
	for j, l := range d.def {
		if l == 1 {
			v := d.vals[d.idx[j]]
			vals = append(vals, unsafe.Slice(unsafe.StringData(v), len(v)))
		}
	}
	_, err := cw.(*file.ByteArrayColumnChunkWriter).WriteBatch(vals, d.def, nil)
	d.plain = true
	return err
}

// NewParquetWriter returns a writer of a Parquet file with schema's columns
// to w. It checks that every field can be stored; nothing is written to w
// before the first Write or Close.
func NewParquetWriter(w io.Writer, schema *tableschema.Schema, meta Metadata) (*ParquetWriter, error) {
	node, kinds, err := parquetSchema(schema)
	if err != nil {
		return nil, err
	}
	return &ParquetWriter{w: bufio.NewWriterSize(w, 1<<20), schema: schema, meta: meta, node: node, kinds: kinds, rgRows: RowGroupRows, cols: make([]colScratch, len(schema.Fields))}, nil
}

// ParquetSchema returns the Parquet schema Dele writes for a Table Schema,
// printed in Parquet's message syntax. Every column is OPTIONAL:
//
//	integer, year            INT64 (INT(64, true))
//	number                   DOUBLE, or INT64 DECIMAL(p, s) when the
//	                         field's format is "decimal(p,s)" with p <= 18
//	boolean                  BOOLEAN
//	date                     INT32 (DATE)                  -> Arrow date32
//	datetime                 INT64 (TIMESTAMP(MICROS,true)) -> timestamp[us, UTC]
//	everything else          BYTE_ARRAY (STRING)
func ParquetSchema(schema *tableschema.Schema) (string, error) {
	node, _, err := parquetSchema(schema)
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	pqschema.PrintSchema(node, &sb, 2)
	return sb.String(), nil
}

// parseDecimal reads a "decimal(p,s)" format.
func parseDecimal(format string) (precision, scale int, ok bool, err error) {
	f := strings.ReplaceAll(strings.ToLower(format), " ", "")
	if !strings.HasPrefix(f, "decimal(") || !strings.HasSuffix(f, ")") {
		return 0, 0, false, nil
	}
	p, s, found := strings.Cut(f[len("decimal("):len(f)-1], ",")
	if !found {
		return 0, 0, true, fmt.Errorf("format %q: want decimal(precision,scale)", format)
	}
	precision, err1 := strconv.Atoi(p)
	scale, err2 := strconv.Atoi(s)
	if err1 != nil || err2 != nil || precision < 1 || precision > 18 || scale < 0 || scale > precision {
		return 0, 0, true, fmt.Errorf("format %q: want decimal(precision,scale) with 1 <= precision <= 18 and 0 <= scale <= precision", format)
	}
	return precision, scale, true, nil
}

func parquetSchema(schema *tableschema.Schema) (*pqschema.GroupNode, []colKind, error) {
	if schema == nil || len(schema.Fields) == 0 {
		return nil, nil, errors.New("convert: parquet: schema has no fields")
	}
	fields := make(pqschema.FieldList, len(schema.Fields))
	kinds := make([]colKind, len(schema.Fields))
	opt := parquet.Repetitions.Optional
	for i, f := range schema.Fields {
		k := colKind{kind: table.KindOf(f.Type), scale: -1}
		var (
			n   *pqschema.PrimitiveNode
			err error
		)
		switch k.kind {
		case table.KindInt:
			n, err = pqschema.NewPrimitiveNodeLogical(f.Name, opt, pqschema.NewIntLogicalType(64, true), parquet.Types.Int64, 0, -1)
		case table.KindFloat:
			p, s, ok, derr := parseDecimal(f.Format)
			switch {
			case derr != nil:
				err = derr
			case ok:
				k.scale = s
				n, err = pqschema.NewPrimitiveNodeLogical(f.Name, opt, pqschema.NewDecimalLogicalType(int32(p), int32(s)), parquet.Types.Int64, 0, -1)
			default:
				n, err = pqschema.NewPrimitiveNode(f.Name, opt, parquet.Types.Double, -1, 0)
			}
		case table.KindBool:
			n, err = pqschema.NewPrimitiveNode(f.Name, opt, parquet.Types.Boolean, -1, 0)
		case table.KindDate:
			n, err = pqschema.NewPrimitiveNodeLogical(f.Name, opt, pqschema.DateLogicalType{}, parquet.Types.Int32, 0, -1)
		case table.KindDateTime:
			n, err = pqschema.NewPrimitiveNodeLogical(f.Name, opt, pqschema.NewTimestampLogicalTypeForce(true, pqschema.TimeUnitMicros), parquet.Types.Int64, 0, -1)
		default:
			n, err = pqschema.NewPrimitiveNodeLogical(f.Name, opt, pqschema.StringLogicalType{}, parquet.Types.ByteArray, 0, -1)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("convert: parquet: field %q (%s): %w", f.Name, f.Type, err)
		}
		fields[i] = n
		kinds[i] = k
	}
	root, err := pqschema.NewGroupNode("schema", parquet.Repetitions.Required, fields, -1)
	if err != nil {
		return nil, nil, fmt.Errorf("convert: parquet: %w", err)
	}
	return root, kinds, nil
}

// DictionaryColumns reports, for each field, whether its Parquet column is
// dictionary-encoded. Dictionary encoding pays off only for text with few
// distinct values (categories, place names, municipality numbers); on
// high-cardinality columns it makes files larger and conversion slower.
// So numbers, dates, timestamps and booleans are written plain; so is text
// that is a primary key, unique, or an organisation number; other text is
// dictionary-encoded when at most a quarter of the first (up to) 8192
// values of the first batch are distinct. The choice depends only on the
// data, so the same input gives the same file.
func DictionaryColumns(b *table.Batch) []bool {
	s := b.Schema
	dict := make([]bool, len(s.Fields))
	for i, f := range s.Fields {
		if table.KindOf(f.Type) != table.KindString || f.Constraints.Unique || f.Check == "orgnr" || (len(s.PrimaryKey) == 1 && s.PrimaryKey[0] == f.Name) {
			continue
		}
		c := &b.Columns[i]
		n := min(len(c.Strings), 8192)
		if n == 0 {
			dict[i] = true
			continue
		}
		seen := make(map[string]struct{}, 64)
		for j := 0; j < n && len(seen)*4 <= n; j++ {
			if c.Valid[j] {
				seen[c.Strings[j]] = struct{}{}
			}
		}
		dict[i] = len(seen)*4 <= n
	}
	return dict
}

func (p *ParquetWriter) open(first *table.Batch) error {
	p.dict = DictionaryColumns(first)
	js, err := p.schema.MarshalIndent()
	if err != nil {
		return fmt.Errorf("convert: parquet: %w", err)
	}
	opts := []parquet.WriterProperty{
		parquet.WithCompression(compress.Codecs.Zstd),
		parquet.WithCompressionLevel(ZstdLevel),
		parquet.WithStats(true),
		parquet.WithMaxRowGroupLength(int64(p.rgRows)),
		parquet.WithDictionaryDefault(false),
		parquet.WithDataPageVersion(parquet.DataPageV1),
		parquet.WithVersion(parquet.V2_LATEST),
	}
	for i, f := range p.schema.Fields {
		if p.dict[i] {
			opts = append(opts, parquet.WithDictionaryFor(f.Name, true))
		}
	}
	kv := metadata.NewKeyValueMetadata()
	for _, e := range [][2]string{{MetaDataset, p.meta.DatasetID}, {MetaVersion, p.meta.Version}, {MetaSchema, string(js)}} {
		if err := kv.Append(e[0], e[1]); err != nil {
			return fmt.Errorf("convert: parquet: metadata %s: %w", e[0], err)
		}
	}
	p.fw = file.NewParquetWriter(p.w, p.node, file.WithWriterProps(parquet.NewWriterProperties(opts...)), file.WithWriteMetadata(kv))
	return nil
}

// Write appends the rows of b, which must have the writer's schema.
// The batch is not retained: the caller may reuse it when Write returns.
func (p *ParquetWriter) Write(b *table.Batch) error {
	if p.err != nil {
		return p.err
	}
	if len(b.Columns) != len(p.kinds) {
		return fmt.Errorf("convert: parquet: batch has %d columns, schema has %d", len(b.Columns), len(p.kinds))
	}
	if b.Len() == 0 {
		return nil
	}
	if p.fw == nil {
		if err := p.open(b); err != nil {
			p.err = err
			return err
		}
	}
	for lo := 0; lo < b.Len(); {
		if p.rg == nil {
			p.rg = p.fw.AppendBufferedRowGroup()
			p.rgLen = 0
		}
		hi := min(b.Len(), lo+p.rgRows-p.rgLen)
		if err := p.writeRange(b, lo, hi); err != nil {
			p.err = err
			return err
		}
		p.rgLen += hi - lo
		p.rows += int64(hi - lo)
		lo = hi
		if p.rgLen >= p.rgRows || p.rg.TotalCompressedBytes() >= RowGroupBytes {
			if err := p.closeRowGroup(); err != nil {
				p.err = err
				return p.err
			}
		}
	}
	return nil
}

// writeRange encodes rows [lo, hi) of b into the current row group, one
// goroutine per column.
func (p *ParquetWriter) writeRange(b *table.Batch, lo, hi int) error {
	errs := make([]error, len(p.kinds))
	var wg sync.WaitGroup
	for i := range p.kinds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = p.writeColumn(i, &b.Columns[i], lo, hi)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("convert: parquet: column %q, rows from line %d: %w", p.schema.Fields[i].Name, lineOf(b, lo), err)
		}
	}
	return nil
}

// pageFlusher is implemented by Arrow's column chunk writers (the method
// of their embedded columnWriter) but is not part of file.ColumnChunkWriter.
type pageFlusher interface{ FlushCurrentPage() error }

// closeRowGroup finishes the current row group. Closing a buffered row
// group compresses each column's last (usually only) data page, one
// column after another; so the last pages are first built and compressed
// here, one goroutine per column, and Close only copies the finished
// pages to the file in column order.
func (p *ParquetWriter) closeRowGroup() error {
	errs := make([]error, len(p.kinds))
	var wg sync.WaitGroup
	for i := range p.kinds {
		cw, err := p.rg.Column(i)
		if err != nil {
			return fmt.Errorf("convert: parquet: close row group: %w", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			d := &p.cols[i].dict
			if err := d.write(cw); err != nil {
				errs[i] = err
				return
			}
			d.reset()
			f, ok := cw.(pageFlusher)
			st := cw.PageStatistics()
			if !ok || st == nil || st.NumValues()+st.NullCount() == 0 {
				return // nothing buffered, or Close will do it
			}
			errs[i] = f.FlushCurrentPage()
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return fmt.Errorf("convert: parquet: column %q: close row group: %w", p.schema.Fields[i].Name, err)
		}
	}
	if err := p.rg.Close(); err != nil {
		return fmt.Errorf("convert: parquet: close row group: %w", err)
	}
	p.rg = nil
	return nil
}

func lineOf(b *table.Batch, row int) int64 {
	if row < len(b.Lines) {
		return b.Lines[row]
	}
	return 0
}

var pow10 = func() (t [19]float64) {
	t[0] = 1
	for i := 1; i < len(t); i++ {
		t[i] = t[i-1] * 10
	}
	return t
}()

func (p *ParquetWriter) writeColumn(i int, c *table.Column, lo, hi int) error {
	cw, err := p.rg.Column(i)
	if err != nil {
		return err
	}
	s := &p.cols[i]
	if p.dict[i] && !s.dict.plain {
		k := s.dict.add(c.Strings[lo:hi], c.Valid[lo:hi])
		if k == hi-lo {
			return nil // written when the row group closes
		}
		// The dictionary is full: the row group goes on through Arrow's
		// own path, which falls back to plain encoding.
		if err := s.dict.writeDense(cw); err != nil {
			return err
		}
		lo += k
	}
	valid := c.Valid[lo:hi]
	s.def = grow(s.def, hi-lo)
	nulls := 0
	for j, v := range valid {
		if v {
			s.def[j] = 1
		} else {
			s.def[j] = 0
			nulls++
		}
	}
	k := p.kinds[i]
	switch k.kind {
	case table.KindInt, table.KindDateTime:
		vals := c.Ints[lo:hi]
		if nulls > 0 {
			s.i64 = compact(s.i64, vals, valid)
			vals = s.i64
		}
		_, err = cw.(*file.Int64ColumnChunkWriter).WriteBatch(vals, s.def, nil)
	case table.KindDate:
		s.i32 = s.i32[:0]
		for j, v := range c.Ints[lo:hi] {
			if valid[j] {
				if v < math.MinInt32 || v > math.MaxInt32 {
					return fmt.Errorf("date out of range (%d days since 1970-01-01)", v)
				}
				s.i32 = append(s.i32, int32(v))
			}
		}
		_, err = cw.(*file.Int32ColumnChunkWriter).WriteBatch(s.i32, s.def, nil)
	case table.KindFloat:
		vals := c.Floats[lo:hi]
		if k.scale >= 0 {
			s.i64 = s.i64[:0]
			m := pow10[k.scale]
			for j, v := range vals {
				if valid[j] {
					x := math.Round(v * m)
					if math.IsNaN(x) || x >= 1e18 || x <= -1e18 {
						return fmt.Errorf("value %v does not fit the column's decimal type", v)
					}
					s.i64 = append(s.i64, int64(x))
				}
			}
			_, err = cw.(*file.Int64ColumnChunkWriter).WriteBatch(s.i64, s.def, nil)
			break
		}
		if nulls > 0 {
			s.f64 = compact(s.f64, vals, valid)
			vals = s.f64
		}
		_, err = cw.(*file.Float64ColumnChunkWriter).WriteBatch(vals, s.def, nil)
	case table.KindBool:
		vals := c.Bools[lo:hi]
		if nulls > 0 {
			s.bools = compact(s.bools, vals, valid)
			vals = s.bools
		}
		_, err = cw.(*file.BooleanColumnChunkWriter).WriteBatch(vals, s.def, nil)
	default:
		s.bytes = s.bytes[:0]
		for j, v := range c.Strings[lo:hi] {
			if valid[j] {
				// The writer copies the bytes into its pages, dictionary
				// and statistics; Go strings are immutable, so no copy here.
				s.bytes = append(s.bytes, unsafe.Slice(unsafe.StringData(v), len(v)))
			}
		}
		_, err = cw.(*file.ByteArrayColumnChunkWriter).WriteBatch(s.bytes, s.def, nil)
	}
	return err
}

func grow[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

func compact[T any](dst, vals []T, valid []bool) []T {
	dst = dst[:0]
	for j, v := range vals {
		if valid[j] {
			dst = append(dst, v)
		}
	}
	return dst
}

// Rows returns the number of rows written so far.
func (p *ParquetWriter) Rows() int64 { return p.rows }

// Close writes the last row group and the footer. It does not close the
// underlying writer. A file with no rows has the schema and no row groups.
func (p *ParquetWriter) Close() error {
	if p.err != nil {
		return p.err
	}
	p.err = errors.New("convert: parquet: writer is closed")
	if p.fw == nil {
		if err := p.open(table.NewBatch(p.schema, 0)); err != nil {
			return err
		}
	}
	if p.rg != nil {
		if err := p.closeRowGroup(); err != nil {
			return err
		}
	}
	if err := p.fw.Close(); err != nil {
		return fmt.Errorf("convert: parquet: write footer: %w", err)
	}
	if err := p.w.Flush(); err != nil {
		return fmt.Errorf("convert: parquet: %w", err)
	}
	return nil
}
