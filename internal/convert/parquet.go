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
// dictionary encoding looks at the values of the first
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

func (p *ParquetWriter) open(first *table.Batch) error {
	p.dict = DictionaryColumns(first)
	for i, k := range p.kinds {
		p.cols[i].dict.init(k.kind)
	}
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
			if !d.plain {
				if err := d.write(cw, p.kinds[i]); err != nil {
					errs[i] = err
					return
				}
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
		k, err := p.addDict(i, c, lo, hi)
		if err != nil {
			return err
		}
		if k == hi-lo && !s.dict.costlier(dictCheckRows) {
			return nil // written when the row group closes
		}
		// The dictionary is full, or larger than plain values would be:
		// the rest of the row group is written plain.
		if err := s.dict.fallback(cw, p.kinds[i]); err != nil {
			return err
		}
		if lo += k; lo == hi {
			return nil
		}
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
				if err := checkDate(v); err != nil {
					return err
				}
				s.i32 = append(s.i32, int32(v))
			}
		}
		_, err = cw.(*file.Int32ColumnChunkWriter).WriteBatch(s.i32, s.def, nil)
	case table.KindFloat:
		vals := c.Floats[lo:hi]
		if k.scale >= 0 {
			s.i64 = s.i64[:0]
			for j, v := range vals {
				if valid[j] {
					x, err := scaleDecimal(v, k.scale)
					if err != nil {
						return err
					}
					s.i64 = append(s.i64, x)
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

// addDict adds rows [lo, hi) of column i to its dictionary and returns how
// many it took (see dictColumn.addText).
func (p *ParquetWriter) addDict(i int, c *table.Column, lo, hi int) (int, error) {
	d := &p.cols[i].dict
	valid := c.Valid[lo:hi]
	switch k := p.kinds[i]; k.kind {
	case table.KindString:
		return d.addText(c.Strings[lo:hi], valid), nil
	case table.KindFloat:
		s := &p.cols[i]
		if k.scale < 0 {
			return d.addNums(floatKeys(c.Floats[lo:hi], &s.i64), valid), nil
		}
		s.i64 = grow(s.i64, hi-lo)
		for j, v := range c.Floats[lo:hi] {
			s.i64[j] = 0
			if valid[j] {
				x, err := scaleDecimal(v, k.scale)
				if err != nil {
					return 0, err
				}
				s.i64[j] = x
			}
		}
		return d.addNums(intBits(s.i64), valid), nil
	case table.KindDate:
		for j, v := range c.Ints[lo:hi] {
			if valid[j] {
				if err := checkDate(v); err != nil {
					return 0, err
				}
			}
		}
	}
	return d.addNums(intBits(c.Ints[lo:hi]), valid), nil
}

// checkDate checks that a day count fits Parquet's INT32 DATE.
func checkDate(days int64) error {
	if days < math.MinInt32 || days > math.MaxInt32 {
		return fmt.Errorf("date out of range (%d days since 1970-01-01)", days)
	}
	return nil
}

// scaleDecimal returns v as an unscaled decimal with scale digits.
func scaleDecimal(v float64, scale int) (int64, error) {
	x := math.Round(v * pow10[scale])
	if math.IsNaN(x) || x >= 1e18 || x <= -1e18 {
		return 0, fmt.Errorf("value %v does not fit the column's decimal type", v)
	}
	return int64(x), nil
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
