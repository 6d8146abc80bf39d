// Package apitest holds the test fixtures of the query API: an in-memory
// store with ranged reads, a Parquet writer for typed columns (the same
// layout internal/convert publishes: pqarrow, zstd, int64, float64, date32,
// timestamp[us, UTC], bool, string) and deterministic example datasets.
package apitest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/apache/arrow/go/v15/arrow"
	"github.com/apache/arrow/go/v15/arrow/array"
	"github.com/apache/arrow/go/v15/arrow/memory"
	"github.com/apache/arrow/go/v15/parquet"
	"github.com/apache/arrow/go/v15/parquet/compress"
	"github.com/apache/arrow/go/v15/parquet/pqarrow"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/config"
	"github.com/dele-opendata/dele/internal/convert"
	"github.com/dele-opendata/dele/internal/publish"
	"github.com/dele-opendata/dele/internal/store"
	"github.com/dele-opendata/dele/internal/table"
	"github.com/dele-opendata/dele/internal/tableschema"
)

// MapStore is a concurrency-safe in-memory store.Store that also serves
// ranged reads (store.RangeGetter) unless NoRange is set.
type MapStore struct {
	mu      sync.RWMutex
	objects map[string][]byte
	// RangeReads counts GetRange calls.
	RangeReads int64
}

// NewMapStore returns an empty store.
func NewMapStore() *MapStore { return &MapStore{objects: map[string][]byte{}} }

var (
	_ store.Store       = (*MapStore)(nil)
	_ store.RangeGetter = (*MapStore)(nil)
)

// Get implements store.Store.
func (s *MapStore) Get(_ context.Context, key string) (io.ReadCloser, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, ok := s.objects[key]
	if !ok {
		return nil, fmt.Errorf("get %s: %w", key, store.ErrNotExist)
	}
	return io.NopCloser(bytes.NewReader(b)), nil
}

// GetRange implements store.RangeGetter.
func (s *MapStore) GetRange(_ context.Context, key string, off, n int64) (io.ReadCloser, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.RangeReads++
	b, ok := s.objects[key]
	if !ok {
		return nil, fmt.Errorf("get %s: %w", key, store.ErrNotExist)
	}
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	end := min(off+n, int64(len(b)))
	return io.NopCloser(bytes.NewReader(b[off:end])), nil
}

// Put implements store.Store.
func (s *MapStore) Put(_ context.Context, key string, r io.Reader, _ store.PutOptions) error {
	if err := store.CheckKey(key); err != nil {
		return err
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.objects[key] = b
	return nil
}

// Stat implements store.Store.
func (s *MapStore) Stat(_ context.Context, key string) (store.ObjectInfo, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	b, ok := s.objects[key]
	if !ok {
		return store.ObjectInfo{}, fmt.Errorf("stat %s: %w", key, store.ErrNotExist)
	}
	sum := sha256.Sum256(b)
	return store.ObjectInfo{Key: key, Size: int64(len(b)), ETag: hex.EncodeToString(sum[:8])}, nil
}

// List implements store.Store.
func (s *MapStore) List(ctx context.Context, prefix string) ([]store.ObjectInfo, error) {
	s.mu.RLock()
	var keys []string
	for k := range s.objects {
		if strings.HasPrefix(k, prefix) {
			keys = append(keys, k)
		}
	}
	s.mu.RUnlock()
	sort.Strings(keys)
	var out []store.ObjectInfo
	for _, k := range keys {
		info, err := s.Stat(ctx, k)
		if err == nil {
			out = append(out, info)
		}
	}
	return out, nil
}

// Delete implements store.Store.
func (s *MapStore) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.objects, key)
	return nil
}

// NoRange hides the RangeGetter of a store, to test the download path.
type NoRange struct{ store.Store }

// Row gives the value of column col in row i, or nil for null. Values are
// int64 (integer, year), float64 (number), bool, time.Time (date,
// datetime) or string.
type Row func(i int, col string) any

// ArrowType returns the Arrow type published for a Table Schema type.
func ArrowType(t tableschema.Type) arrow.DataType {
	switch t {
	case tableschema.Integer, tableschema.Year:
		return arrow.PrimitiveTypes.Int64
	case tableschema.Number:
		return arrow.PrimitiveTypes.Float64
	case tableschema.Boolean:
		return arrow.FixedWidthTypes.Boolean
	case tableschema.Date:
		return arrow.FixedWidthTypes.Date32
	case tableschema.DateTime:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: "UTC"}
	}
	return arrow.BinaryTypes.String
}

// WriteParquet writes n rows of schema to w, groupRows rows per row group.
func WriteParquet(w io.Writer, sch *tableschema.Schema, n, groupRows int, row Row) error {
	fields := make([]arrow.Field, len(sch.Fields))
	for i, f := range sch.Fields {
		fields[i] = arrow.Field{Name: f.Name, Type: ArrowType(f.Type), Nullable: true}
	}
	as := arrow.NewSchema(fields, nil)
	props := parquet.NewWriterProperties(parquet.WithCompression(compress.Codecs.Zstd),
		parquet.WithMaxRowGroupLength(int64(groupRows)), parquet.WithStats(true))
	fw, err := pqarrow.NewFileWriter(as, w, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		return fmt.Errorf("parquet writer: %w", err)
	}
	b := array.NewRecordBuilder(memory.DefaultAllocator, as)
	defer b.Release()
	for start := 0; start < n; start += groupRows {
		end := min(start+groupRows, n)
		for i := start; i < end; i++ {
			for c, f := range sch.Fields {
				v := row(i, f.Name)
				fb := b.Field(c)
				if v == nil {
					fb.AppendNull()
					continue
				}
				switch fb := fb.(type) {
				case *array.Int64Builder:
					fb.Append(v.(int64))
				case *array.Float64Builder:
					fb.Append(v.(float64))
				case *array.BooleanBuilder:
					fb.Append(v.(bool))
				case *array.Date32Builder:
					fb.Append(arrow.Date32FromTime(v.(time.Time)))
				case *array.TimestampBuilder:
					fb.Append(arrow.Timestamp(v.(time.Time).UnixMicro()))
				case *array.StringBuilder:
					fb.Append(v.(string))
				}
			}
		}
		rec := b.NewRecord()
		err := fw.Write(rec)
		rec.Release()
		if err != nil {
			return fmt.Errorf("write parquet: %w", err)
		}
	}
	if err := fw.Close(); err != nil {
		return fmt.Errorf("close parquet: %w", err)
	}
	return nil
}

// WriteConvertParquet writes n rows with internal/convert's ParquetWriter,
// the writer the publish stage uses (row groups of convert.RowGroupRows).
func WriteConvertParquet(w io.Writer, id, version string, sch *tableschema.Schema, n int, row Row) error {
	pw, err := convert.NewParquetWriter(w, sch, convert.Metadata{DatasetID: id, Version: version})
	if err != nil {
		return err
	}
	const batchRows = 32 << 10
	b := table.NewBatch(sch, batchRows)
	flush := func() error {
		if b.Len() == 0 {
			return nil
		}
		err := pw.Write(b)
		b.Reset()
		return err
	}
	for i := 0; i < n; i++ {
		for c, f := range sch.Fields {
			col := &b.Columns[c]
			v := row(i, f.Name)
			col.Valid = append(col.Valid, v != nil)
			switch table.KindOf(f.Type) {
			case table.KindInt:
				x, _ := v.(int64)
				col.Ints = append(col.Ints, x)
			case table.KindDate:
				var x int64
				if t, ok := v.(time.Time); ok {
					x = t.Unix() / 86400
				}
				col.Ints = append(col.Ints, x)
			case table.KindDateTime:
				var x int64
				if t, ok := v.(time.Time); ok {
					x = t.UnixMicro()
				}
				col.Ints = append(col.Ints, x)
			case table.KindFloat:
				x, _ := v.(float64)
				col.Floats = append(col.Floats, x)
			case table.KindBool:
				x, _ := v.(bool)
				col.Bools = append(col.Bools, x)
			default:
				x, _ := v.(string)
				col.Strings = append(col.Strings, x)
			}
		}
		b.Lines = append(b.Lines, int64(i+2))
		if b.Len() == batchRows {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	return pw.Close()
}

// Publish writes a version of a dataset to st the way the publish stage
// lays it out: data.parquet, manifest.json and latest.json. With
// groupRows > 0 the Parquet file is written with pqarrow in row groups of
// that many rows (small groups exercise pruning); otherwise with
// internal/convert, exactly as published.
func Publish(ctx context.Context, st store.Store, id, version string, sch *tableschema.Schema, n, groupRows int, row Row, published time.Time) (*publish.Manifest, error) {
	var buf bytes.Buffer
	write := func() error { return WriteParquet(&buf, sch, n, groupRows, row) }
	if groupRows <= 0 {
		write = func() error { return WriteConvertParquet(&buf, id, version, sch, n, row) }
	}
	if err := write(); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(buf.Bytes())
	key := publish.VersionPrefix(id, version) + publish.FileParquet
	size := int64(buf.Len())
	if err := st.Put(ctx, key, &buf, store.PutOptions{ContentType: "application/vnd.apache.parquet"}); err != nil {
		return nil, err
	}
	m := &publish.Manifest{Dataset: id, Version: version, Published: published, Issued: published,
		ContentHash: hex.EncodeToString(sum[:]), Rows: int64(n), Access: datasets.AccessPublic, Schema: sch,
		Files: []publish.FileInfo{{Name: publish.FileParquet, Key: key, MediaType: "application/vnd.apache.parquet", Size: size, SHA256: hex.EncodeToString(sum[:])}}}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := st.Put(ctx, publish.VersionPrefix(id, version)+publish.FileManifest, bytes.NewReader(b), store.PutOptions{}); err != nil {
		return nil, err
	}
	latest := *m
	var prev publish.Manifest
	if old, err := store.ReadAll(ctx, st, publish.LatestKey(id)); err == nil && json.Unmarshal(old, &prev) == nil {
		latest.History = prev.History
	}
	latest.History = append([]publish.VersionSummary{{Version: version, Published: published, Rows: int64(n)}}, latest.History...)
	b, err = json.MarshalIndent(&latest, "", "  ")
	if err != nil {
		return nil, err
	}
	return &latest, st.Put(ctx, publish.LatestKey(id), bytes.NewReader(b), store.PutOptions{})
}

// Config is the installation config the fixtures use.
func Config(apiURL string) *config.Config {
	return &config.Config{BaseURL: "https://data.example.kommune.no", APIURL: apiURL, Catalog: config.Catalog{
		ID: "https://data.example.kommune.no/catalog", TitleNB: "Eksempel kommune åpne data", TitleEN: "Example municipality open data",
		DescNB: "Åpne data fra Eksempel kommune.", PublisherNr: "964965226", Publisher: "Eksempel kommune",
		Kommunenummer: "0301", ContactName: "Digitaliseringsavdelingen", ContactEmail: "postmottak@example.kommune.no",
		Homepage: "https://example.kommune.no",
	}}
}

// TilskuddSchema is the schema of the "tilskudd" example dataset, which
// has one column of every published storage type.
func TilskuddSchema() *tableschema.Schema {
	return &tableschema.Schema{Fields: []tableschema.Field{
		{Name: "id", Type: tableschema.Integer, Title: "Løpenummer", Constraints: tableschema.Constraints{Required: true}},
		{Name: "kommunenummer", Type: tableschema.String, Constraints: tableschema.Constraints{Pattern: "^[0-9]{4}$"}},
		{Name: "mottaker", Type: tableschema.String, Title: "Mottaker"},
		{Name: "belop", Type: tableschema.Number, Title: "Beløp (kr)"},
		{Name: "vedtatt", Type: tableschema.Date},
		{Name: "registrert", Type: tableschema.DateTime},
		{Name: "aktiv", Type: tableschema.Boolean},
		{Name: "aar", Type: tableschema.Year},
	}, PrimaryKey: []string{"id"}}
}

var kommuner = []string{"0301", "1103", "4601", "5001", "1804", "3005", "0301", "4204"}
var navn = []string{"Idrettslaget Ørn", "Korpset «Fram»", "Sjakklubben, Øst", "Æblegården AS", "Kor \"Tonen\"", "Ungdomsklubben", "Båtforeningen", "Lag og forening"}

// TilskuddRow is the deterministic row generator of the tilskudd dataset:
// every column has nulls except id, values repeat so filters match several
// rows, and id is sorted so row groups can be pruned on it.
func TilskuddRow(i int, col string) any {
	h := uint32(i)*2654435761 + 12345
	switch col {
	case "id":
		return int64(i + 1)
	case "kommunenummer":
		if i%17 == 5 {
			return nil
		}
		return kommuner[h%uint32(len(kommuner))]
	case "mottaker":
		if i%23 == 7 {
			return nil
		}
		return fmt.Sprintf("%s %d", navn[(h>>3)%uint32(len(navn))], i%50)
	case "belop":
		if i%13 == 3 {
			return nil
		}
		// Whole øre, as the value a decimal(12,2) column holds.
		f, _ := strconv.ParseFloat(strconv.FormatFloat(float64(h%2000000)/100-500, 'f', 2, 64), 64)
		return f
	case "vedtatt":
		if i%19 == 4 {
			return nil
		}
		return time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, int(h%1500))
	case "registrert":
		if i%29 == 6 {
			return nil
		}
		return time.Date(2021, 3, 1, 8, 0, 0, 0, time.UTC).Add(time.Duration(h%100000000) * time.Millisecond * 37).Truncate(time.Microsecond)
	case "aktiv":
		if i%31 == 8 {
			return nil
		}
		return h%3 != 0
	case "aar":
		if i%11 == 9 {
			return nil
		}
		return int64(2015 + h%10)
	}
	return nil
}

// Definitions returns the example definitions: tilskudd (public) and
// klienter (restricted).
func Definitions() []*datasets.Definition {
	return []*datasets.Definition{
		{ID: "tilskudd", Title: datasets.Text{NB: "Tilskudd til lag og foreninger", EN: "Grants to associations"},
			Description: datasets.Text{NB: "Innvilgede tilskudd med beløp og vedtaksdato."},
			Publisher:   datasets.Publisher{OrgNr: "964965226", Name: "Eksempel kommune", Kommunenummer: "0301"},
			Contact:     datasets.Contact{Name: "Kulturetaten", Email: "kultur@example.kommune.no"},
			Themes:      []string{"GOVE", "ECON"}, License: "NLOD-2.0", Access: datasets.AccessPublic, Schedule: "rate(1 day)"},
		{ID: "klienter", Title: datasets.Text{NB: "Klienter i barnevernet"},
			Description: datasets.Text{NB: "Skjermet: bare til intern bruk."},
			Publisher:   datasets.Publisher{OrgNr: "964965226", Name: "Eksempel kommune"},
			Themes:      []string{"SOCI"}, License: "NLOD-2.0", Access: datasets.AccessRestricted, Schedule: "rate(1 day)"},
	}
}

// Published times of the fixture versions.
var (
	V1Time = time.Date(2026, 11, 1, 3, 0, 0, 0, time.UTC)
	V2Time = time.Date(2026, 11, 2, 3, 0, 0, 0, time.UTC)
)

// Fixture publishes the example datasets into a new MapStore: tilskudd
// version v1 (n-100 rows) and the latest v2 (n rows, groupRows per group);
// klienter v1 (restricted, so never served).
func Fixture(ctx context.Context, n, groupRows int) (*MapStore, []*datasets.Definition, error) {
	st := NewMapStore()
	if _, err := Publish(ctx, st, "tilskudd", "v1", TilskuddSchema(), n-100, groupRows, TilskuddRow, V1Time); err != nil {
		return nil, nil, err
	}
	if _, err := Publish(ctx, st, "tilskudd", "v2", TilskuddSchema(), n, groupRows, TilskuddRow, V2Time); err != nil {
		return nil, nil, err
	}
	ks := &tableschema.Schema{Fields: []tableschema.Field{{Name: "fnr", Type: tableschema.String}}}
	m, err := Publish(ctx, st, "klienter", "v1", ks, 3, 10, func(i int, _ string) any { return fmt.Sprint(i) }, V1Time)
	if err != nil {
		return nil, nil, err
	}
	m.Access = datasets.AccessRestricted
	b, _ := json.Marshal(m)
	if err := st.Put(ctx, publish.LatestKey("klienter"), bytes.NewReader(b), store.PutOptions{}); err != nil {
		return nil, nil, err
	}
	return st, Definitions(), nil
}
