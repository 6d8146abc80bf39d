// Package tableschema holds the table schema of a dataset: its fields, their
// types and constraints, in a form compatible with Frictionless Table Schema
// (https://specs.frictionlessdata.io/table-schema/).
//
// A schema is plain data. It is written by data stewards in a dataset
// definition, inferred by the validate stage, published as schema.json next
// to the data, and used by convert, the catalog and the query API.
package tableschema

import (
	"encoding/json"
	"fmt"
	"slices"
)

// Type is a Table Schema field type.
type Type string

// The Table Schema types Dele understands.
const (
	String    Type = "string"
	Integer   Type = "integer"
	Number    Type = "number"
	Boolean   Type = "boolean"
	Date      Type = "date"
	DateTime  Type = "datetime"
	Time      Type = "time"
	Year      Type = "year"
	YearMonth Type = "yearmonth"
	Duration  Type = "duration"
	GeoPoint  Type = "geopoint"
)

// Types lists every supported type, in documentation order.
var Types = []Type{String, Integer, Number, Boolean, Date, DateTime, Time, Year, YearMonth, Duration, GeoPoint}

// Valid reports whether t is a supported type.
func (t Type) Valid() bool { return slices.Contains(Types, t) }

// Constraints restrict the values of a field.
type Constraints struct {
	Required  bool     `json:"required,omitempty" yaml:"required,omitempty"`
	Unique    bool     `json:"unique,omitempty" yaml:"unique,omitempty"`
	MinLength *int     `json:"minLength,omitempty" yaml:"minLength,omitempty"`
	MaxLength *int     `json:"maxLength,omitempty" yaml:"maxLength,omitempty"`
	Minimum   *float64 `json:"minimum,omitempty" yaml:"minimum,omitempty"`
	Maximum   *float64 `json:"maximum,omitempty" yaml:"maximum,omitempty"`
	Pattern   string   `json:"pattern,omitempty" yaml:"pattern,omitempty"`
	Enum      []string `json:"enum,omitempty" yaml:"enum,omitempty"`
}

// Field describes one column.
type Field struct {
	Name        string      `json:"name" yaml:"name"`
	Title       string      `json:"title,omitempty" yaml:"title,omitempty"`
	Description string      `json:"description,omitempty" yaml:"description,omitempty"`
	Type        Type        `json:"type" yaml:"type"`
	Format      string      `json:"format,omitempty" yaml:"format,omitempty"`
	Constraints Constraints `json:"constraints,omitzero" yaml:"constraints,omitempty"`
	// DecimalChar and GroupChar describe how numbers are written in the
	// source (Frictionless names); the published files always use ".".
	DecimalChar string `json:"decimalChar,omitempty" yaml:"decimalChar,omitempty"`
	GroupChar   string `json:"groupChar,omitempty" yaml:"groupChar,omitempty"`
	// Check names a Norwegian reference check applied to the values:
	// "kommunenummer", "fylkesnummer" or "orgnr".
	Check string `json:"x-check,omitempty" yaml:"check,omitempty"`
}

// Schema is a Table Schema.
type Schema struct {
	Fields        []Field  `json:"fields" yaml:"fields"`
	PrimaryKey    []string `json:"primaryKey,omitempty" yaml:"primaryKey,omitempty"`
	MissingValues []string `json:"missingValues,omitempty" yaml:"missingValues,omitempty"`
}

// Names returns the field names in order.
func (s *Schema) Names() []string {
	names := make([]string, len(s.Fields))
	for i, f := range s.Fields {
		names[i] = f.Name
	}
	return names
}

// Index returns the position of the named field, or -1.
func (s *Schema) Index(name string) int {
	for i, f := range s.Fields {
		if f.Name == name {
			return i
		}
	}
	return -1
}

// Field returns the named field and whether it exists.
func (s *Schema) Field(name string) (Field, bool) {
	if i := s.Index(name); i >= 0 {
		return s.Fields[i], true
	}
	return Field{}, false
}

// Check reports the first structural problem in the schema: empty or
// duplicate names, unknown types, or a primary key naming a missing field.
func (s *Schema) Check() error {
	if len(s.Fields) == 0 {
		return fmt.Errorf("schema has no fields")
	}
	seen := map[string]bool{}
	for i, f := range s.Fields {
		if f.Name == "" {
			return fmt.Errorf("fields[%d]: name is empty", i)
		}
		if seen[f.Name] {
			return fmt.Errorf("fields[%d]: duplicate field name %q", i, f.Name)
		}
		seen[f.Name] = true
		if !f.Type.Valid() {
			return fmt.Errorf("fields[%d] (%s): unknown type %q (want one of %v)", i, f.Name, f.Type, Types)
		}
	}
	for _, k := range s.PrimaryKey {
		if !seen[k] {
			return fmt.Errorf("primaryKey: no field named %q", k)
		}
	}
	return nil
}

// MarshalIndent returns the schema as indented JSON, the form published as
// schema.json.
func (s *Schema) MarshalIndent() ([]byte, error) {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode table schema: %w", err)
	}
	return append(b, '\n'), nil
}

// Parse decodes a JSON table schema and checks it.
func Parse(b []byte) (*Schema, error) {
	var s Schema
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("decode table schema: %w", err)
	}
	if err := s.Check(); err != nil {
		return nil, err
	}
	return &s, nil
}
