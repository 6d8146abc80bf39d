package convert

import (
	"fmt"
	"math"
	"math/bits"
	"slices"
	"strings"
	"unsafe"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/bitutil"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/parquet"
	"github.com/apache/arrow/go/v15/parquet/file"

	"github.com/dele-opendata/dele/internal/table"
)

// Dictionary encoding
//
// A column is dictionary-encoded when that makes its pages smaller: a
// dictionary page with each distinct value once, and per row a small
// index. That holds for categories, place names and municipality numbers,
// and also for numbers and dates that repeat within a row group (a count
// between 0 and 999, days of a few years); it does not hold for
// identifiers, amounts with cents or free text. Smaller pages are also
// faster to write, because zstd, the most expensive step of the writer,
// then has less to compress.
//
// The choice is made twice. When the file is opened, DictionaryColumns
// looks at the first batch and enables a dictionary for the columns where
// it would be smaller there (for text: half the size or less). Then, per
// row group, a dictColumn collects the column's distinct values and
// indices; once it holds dictCheckRows values and the dictionary would be
// larger than plain values, or the dictionary outgrows maxDictBytes, the
// values so far are written with their dictionary and the rest of the row
// group is written plain (Arrow's FallbackToPlain: a dictionary page,
// dictionary-encoded pages, then plain pages, a layout every reader
// supports). This is the rule parquet-mr follows. The choice depends only
// on the data, so the same input gives the same file.

// maxDictBytes is Arrow's default dictionary page size limit
// (parquet.DefaultDictionaryPageSizeLimit); past it Arrow falls back to
// plain encoding.
const maxDictBytes = int(parquet.DefaultDictionaryPageSizeLimit)

// dictCheckRows is the number of values in a row group (and in the first
// batch) after which a dictionary must be smaller than plain values to be
// kept. Distinct values grow more slowly than rows, so a dictionary that
// pays at this point pays more by the end of the row group.
const dictCheckRows = 8192

// DictionaryColumns reports, for each field, whether its Parquet column may
// be dictionary-encoded (see the comment on dictionary encoding above):
// not for booleans, primary keys, unique fields and organisation numbers,
// and otherwise when, over the first (up to) dictCheckRows values of the
// first batch, a dictionary and indices take fewer bytes than plain values;
// for text, at most half: a text lookup costs more than a number's, and
// measured on the benchmark file, addresses and postnummer (about 20 % and
// 30 % distinct in a row group) were written faster plain.
func DictionaryColumns(b *table.Batch) []bool {
	s := b.Schema
	dict := make([]bool, len(s.Fields))
	for i, f := range s.Fields {
		kind := table.KindOf(f.Type)
		if kind == table.KindBool || f.Constraints.Unique || f.Check == "orgnr" || (len(s.PrimaryKey) == 1 && s.PrimaryKey[0] == f.Name) {
			continue
		}
		c := &b.Columns[i]
		n := min(b.Len(), dictCheckRows)
		var d dictColumn
		d.init(kind)
		var k int
		switch kind {
		case table.KindString:
			k = d.addText(c.Strings[:n], c.Valid[:n])
		case table.KindFloat:
			k = d.addNums(floatBits(c.Floats[:n]), c.Valid[:n])
		default:
			k = d.addNums(intBits(c.Ints[:n]), c.Valid[:n])
		}
		switch {
		case k < n: // the dictionary outgrew its page
		case kind == table.KindString:
			// Looking up text costs more than looking up a number: text
			// gets a dictionary where it halves the bytes.
			dict[i] = 2*d.dictSize() <= d.plainBytes
		default:
			dict[i] = !d.costlier(0)
		}
	}
	return dict
}

// dictColumn collects a dictionary-encoded column's row group: the
// distinct values in order of first appearance, an index per row (0 for
// a null) and the definition levels. When the row group closes, or when
// the column falls back to plain values, they go to Arrow's encoder as a
// whole (PutDictionary, WriteDictIndices), as pqarrow does for Arrow
// dictionary arrays. Arrow's own path, the dictionary encoders' Put, costs
// a heap allocation per text value (each value is passed to its memo table
// as an interface) and hashes numbers with a general-purpose hash; a Go
// map lookup costs neither.
type dictColumn struct {
	text  bool
	width int // bytes per plain value of a number: 4 (date) or 8

	// Text columns.
	strIDs map[string]int32
	strs   []string // copies: batches are reused after Write
	// Numbers: int64 values, days, float64 bits or scaled decimals, as
	// uint64 (so -0 is not 0, and NaN, made one NaN by floatKeys, is a key
	// like any other).
	numIDs map[uint64]int32
	nums   []uint64

	dictBytes  int // dictionary page size so far (text: values plus 4 bytes each)
	plainBytes int // size of the values added so far as plain values
	idx        []int32
	def        []int16
	nulls      int
	// plain is set when the row group goes on in plain values.
	plain bool

	valid []byte // scratch: validity bitmap of an index array
}

func (d *dictColumn) init(kind table.Kind) {
	d.text = kind == table.KindString
	d.width = 8
	if kind == table.KindDate {
		d.width = 4
	}
}

func (d *dictColumn) reset() {
	clear(d.strIDs)
	clear(d.numIDs)
	clear(d.strs) // let the strings go
	d.strs, d.nums, d.idx, d.def = d.strs[:0], d.nums[:0], d.idx[:0], d.def[:0]
	d.dictBytes, d.plainBytes, d.nulls, d.plain = 0, 0, 0, false
}

func (d *dictColumn) entries() int {
	if d.text {
		return len(d.strs)
	}
	return len(d.nums)
}

// costlier reports whether, with at least minRows values collected, the
// dictionary and the indices (bit-packed at the width Parquet uses) take
// more bytes than the same values written plain.
func (d *dictColumn) costlier(minRows int) bool {
	values := len(d.def) - d.nulls
	if values == 0 || values < minRows {
		return false
	}
	return d.dictSize() > d.plainBytes
}

// dictSize is the size of the dictionary and of the indices, bit-packed at
// the width Parquet uses.
func (d *dictColumn) dictSize() int {
	values := len(d.def) - d.nulls
	width := bits.Len(uint(max(d.entries()-1, 1)))
	return d.dictBytes + (values*width+7)/8
}

// addText appends text rows and returns how many it took: fewer than all
// when the dictionary would grow past maxDictBytes.
func (d *dictColumn) addText(strs []string, valid []bool) int {
	if d.strIDs == nil {
		d.strIDs = make(map[string]int32, 256)
	}
	for j, v := range strs {
		if !valid[j] {
			d.idx = append(d.idx, 0)
			d.def = append(d.def, 0)
			d.nulls++
			continue
		}
		id, ok := d.strIDs[v]
		if !ok {
			if d.dictBytes+len(v)+4 > maxDictBytes {
				return j
			}
			id = int32(len(d.strs))
			v = strings.Clone(v)
			d.strIDs[v] = id
			d.strs = append(d.strs, v)
			d.dictBytes += len(v) + 4
		}
		d.plainBytes += len(v) + 4
		d.idx = append(d.idx, id)
		d.def = append(d.def, 1)
	}
	return len(strs)
}

// addNums is addText for numbers.
func (d *dictColumn) addNums(vals []uint64, valid []bool) int {
	if d.numIDs == nil {
		d.numIDs = make(map[uint64]int32, 256)
	}
	for j, v := range vals {
		if !valid[j] {
			d.idx = append(d.idx, 0)
			d.def = append(d.def, 0)
			d.nulls++
			continue
		}
		id, ok := d.numIDs[v]
		if !ok {
			if d.dictBytes+d.width > maxDictBytes {
				return j
			}
			id = int32(len(d.nums))
			d.numIDs[v] = id
			d.nums = append(d.nums, v)
			d.dictBytes += d.width
		}
		d.plainBytes += d.width
		d.idx = append(d.idx, id)
		d.def = append(d.def, 1)
	}
	return len(vals)
}

// fallback writes what was collected with its dictionary and switches the
// rest of the row group to plain values. When the dictionary is still
// empty (the first value alone outgrew it), the rows go through Arrow's
// own dictionary path instead, which falls back by itself.
func (d *dictColumn) fallback(cw file.ColumnChunkWriter, k colKind) error {
	d.plain = true
	if d.entries() == 0 {
		return d.writeNulls(cw)
	}
	if err := d.write(cw, k); err != nil {
		return err
	}
	cw.FallbackToPlain()
	return nil
}

// writeNulls writes collected rows that are all null.
func (d *dictColumn) writeNulls(cw file.ColumnChunkWriter) error {
	if len(d.def) == 0 {
		return nil
	}
	var err error
	switch w := cw.(type) {
	case *file.ByteArrayColumnChunkWriter:
		_, err = w.WriteBatch(nil, d.def, nil)
	case *file.Int64ColumnChunkWriter:
		_, err = w.WriteBatch(nil, d.def, nil)
	case *file.Int32ColumnChunkWriter:
		_, err = w.WriteBatch(nil, d.def, nil)
	case *file.Float64ColumnChunkWriter:
		_, err = w.WriteBatch(nil, d.def, nil)
	default:
		err = fmt.Errorf("no dictionary for a %T", cw)
	}
	return err
}

// dictPutter and dictEntries are methods of Arrow's dictionary encoders
// (whose interface is in an internal package).
type (
	dictPutter  interface{ PutDictionary(arrow.Array) error }
	dictEntries interface{ NumEntries() int }
)

// write hands the collected rows to cw: the dictionary, the statistics
// (from the dictionary: every value in it occurs), and the indices with
// their definition levels.
func (d *dictColumn) write(cw file.ColumnChunkWriter, k colKind) error {
	if len(d.def) == 0 {
		return nil
	}
	enc, ok := cw.CurrentEncoder().(dictPutter)
	if !ok {
		return fmt.Errorf("column writer is not dictionary-encoding (%T)", cw.CurrentEncoder())
	}
	dict := d.dictionary(k)
	defer dict.Release()
	if err := enc.PutDictionary(dict); err != nil {
		return err
	}
	if n, ok := cw.CurrentEncoder().(dictEntries); !ok || n.NumEntries() != dict.Len() {
		return fmt.Errorf("dictionary of %d values became %d entries", dict.Len(), n.NumEntries())
	}
	if st := cw.PageStatistics(); st != nil {
		st.IncNulls(int64(d.nulls))
		st.IncNumValues(int64(len(d.def) - d.nulls))
		if err := st.UpdateFromArrow(dict, false); err != nil {
			return err
		}
	}
	// In pieces of at most one write batch, each a new array at offset 0:
	// WriteDictIndices slices a longer index array into write batches,
	// and with Arrow v15 those slices of an array with nulls were written
	// with wrong values (the interop tests caught it). The arrays wrap
	// d.idx without copying; Arrow copies the indices it keeps.
	step := int(cw.Properties().WriteBatchSize())
	for lo := 0; lo < len(d.def); lo += step {
		hi := min(lo+step, len(d.def))
		var bitmap *memory.Buffer
		nulls := 0
		for _, l := range d.def[lo:hi] {
			if l == 0 {
				nulls++
			}
		}
		if nulls > 0 {
			d.valid = grow(d.valid, int(bitutil.BytesForBits(int64(hi-lo))))
			clear(d.valid)
			for j, l := range d.def[lo:hi] {
				if l != 0 {
					bitutil.SetBit(d.valid, j)
				}
			}
			bitmap = memory.NewBufferBytes(d.valid)
		}
		data := array.NewData(arrow.PrimitiveTypes.Int32, hi-lo,
			[]*memory.Buffer{bitmap, memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(d.idx[lo:hi]))}, nil, nulls, 0)
		idx := array.NewInt32Data(data)
		err := cw.WriteDictIndices(idx, d.def[lo:hi], nil)
		idx.Release()
		data.Release()
		if err != nil {
			return err
		}
	}
	return nil
}

// dictionary returns the distinct values as an Arrow array of the
// column's physical type.
func (d *dictColumn) dictionary(k colKind) arrow.Array {
	mem := memory.DefaultAllocator
	switch {
	case d.text:
		b := array.NewStringBuilder(mem)
		defer b.Release()
		b.Reserve(len(d.strs))
		for _, v := range d.strs {
			b.Append(v)
		}
		return b.NewArray()
	case k.kind == table.KindDate:
		b := array.NewInt32Builder(mem)
		defer b.Release()
		b.Reserve(len(d.nums))
		for _, v := range d.nums {
			b.UnsafeAppend(int32(int64(v))) // range-checked when added
		}
		return b.NewArray()
	case k.kind == table.KindFloat && k.scale < 0:
		b := array.NewFloat64Builder(mem)
		defer b.Release()
		b.Reserve(len(d.nums))
		for _, v := range d.nums {
			b.UnsafeAppend(math.Float64frombits(v))
		}
		return b.NewArray()
	default: // integers, timestamps, decimals
		b := array.NewInt64Builder(mem)
		defer b.Release()
		b.Reserve(len(d.nums))
		for _, v := range d.nums {
			b.UnsafeAppend(int64(v))
		}
		return b.NewArray()
	}
}

// floatKeys returns the dictionary keys of vals: their bits, except that
// every NaN is the same NaN, as in Arrow's dictionary (whose memo table
// keeps one NaN whatever its bits). scratch holds the keys when a NaN had
// to be replaced.
func floatKeys(vals []float64, scratch *[]int64) []uint64 {
	keys := floatBits(vals)
	if !slices.ContainsFunc(vals, math.IsNaN) {
		return keys
	}
	*scratch = grow(*scratch, len(vals))
	nan := int64(math.Float64bits(math.NaN()))
	for j, v := range vals {
		(*scratch)[j] = int64(keys[j])
		if math.IsNaN(v) {
			(*scratch)[j] = nan
		}
	}
	return intBits(*scratch)
}

// intBits and floatBits view values as uint64 map keys without copying.
func intBits(v []int64) []uint64 {
	if len(v) == 0 {
		return nil
	}
	return unsafe.Slice((*uint64)(unsafe.Pointer(&v[0])), len(v))
}

func floatBits(v []float64) []uint64 {
	if len(v) == 0 {
		return nil
	}
	return unsafe.Slice((*uint64)(unsafe.Pointer(&v[0])), len(v))
}
