// Package table holds typed, columnar batches of rows: the plain data that
// flows from the validate stage to the convert stage and the classifier.
//
// A Batch holds up to a few tens of thousands of rows, so memory is bounded
// by the batch size, never by the size of the source.
package table

import (
	"github.com/dele-opendata/dele/internal/tableschema"
)

// Column holds the values of one field for every row of a batch. Exactly one
// of the value slices is used, chosen by the field's type:
//
//	integer, year             Ints (int64)
//	number                    Floats (float64)
//	boolean                   Bools
//	date                      Ints (days since 1970-01-01)
//	datetime                  Ints (microseconds since the Unix epoch, UTC)
//	string and all others     Strings (canonical text form)
//
// Valid[i] is false when row i has no value (a missing value).
type Column struct {
	Ints    []int64
	Floats  []float64
	Bools   []bool
	Strings []string
	Valid   []bool
}

// Kind is the storage kind of a column, derived from its field type.
type Kind int

// The storage kinds.
const (
	KindString Kind = iota
	KindInt
	KindFloat
	KindBool
	KindDate
	KindDateTime
)

// KindOf returns the storage kind used for a Table Schema type.
func KindOf(t tableschema.Type) Kind {
	switch t {
	case tableschema.Integer, tableschema.Year:
		return KindInt
	case tableschema.Number:
		return KindFloat
	case tableschema.Boolean:
		return KindBool
	case tableschema.Date:
		return KindDate
	case tableschema.DateTime:
		return KindDateTime
	default:
		return KindString
	}
}

// Batch is a set of rows stored by column.
type Batch struct {
	Schema  *tableschema.Schema
	Columns []Column
	// Lines holds, for every row, the line number (1-based) of the record in
	// the source, so problems can be traced back.
	Lines []int64
}

// NewBatch returns an empty batch for schema with room for capacity rows.
func NewBatch(schema *tableschema.Schema, capacity int) *Batch {
	b := &Batch{Schema: schema, Columns: make([]Column, len(schema.Fields)), Lines: make([]int64, 0, capacity)}
	for i, f := range schema.Fields {
		c := &b.Columns[i]
		c.Valid = make([]bool, 0, capacity)
		switch KindOf(f.Type) {
		case KindInt, KindDate, KindDateTime:
			c.Ints = make([]int64, 0, capacity)
		case KindFloat:
			c.Floats = make([]float64, 0, capacity)
		case KindBool:
			c.Bools = make([]bool, 0, capacity)
		default:
			c.Strings = make([]string, 0, capacity)
		}
	}
	return b
}

// Len returns the number of rows.
func (b *Batch) Len() int { return len(b.Lines) }

// Reset empties the batch, keeping its storage for reuse.
func (b *Batch) Reset() {
	b.Lines = b.Lines[:0]
	for i := range b.Columns {
		c := &b.Columns[i]
		c.Ints, c.Floats, c.Bools, c.Strings, c.Valid = c.Ints[:0], c.Floats[:0], c.Bools[:0], c.Strings[:0], c.Valid[:0]
	}
}
