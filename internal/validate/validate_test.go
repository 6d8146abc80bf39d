package validate

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/dele-opendata/dele/internal/source"
	"github.com/dele-opendata/dele/internal/table"
	"github.com/dele-opendata/dele/internal/tableschema"
)

// tcase is a table to validate.
type tcase struct {
	schema *tableschema.Schema
	header []string
	rows   [][]string
	opts   Options
}

func ptr[T any](v T) *T { return &v }

// validTable returns a table that passes every check, changed by mod.
func validTable(mod func(*tcase)) tcase {
	tc := tcase{
		schema: &tableschema.Schema{
			Fields: []tableschema.Field{
				{Name: "id", Type: tableschema.Integer, Constraints: tableschema.Constraints{Required: true, Unique: true}},
				{Name: "orgnr", Type: tableschema.String, Check: RefOrgnr},
				{Name: "kommunenummer", Type: tableschema.String, Check: RefKommunenummer},
				{Name: "fylke", Type: tableschema.String, Check: RefFylkesnummer},
				{Name: "navn", Type: tableschema.String, Constraints: tableschema.Constraints{Required: true, MinLength: ptr(2), MaxLength: ptr(20)}},
				{Name: "beløp", Type: tableschema.Number, DecimalChar: ",", GroupChar: " ", Constraints: tableschema.Constraints{Minimum: ptr(0.0), Maximum: ptr(1e9)}},
				{Name: "dato", Type: tableschema.Date, Format: formatDMY},
				{Name: "oppdatert", Type: tableschema.DateTime},
				{Name: "aktiv", Type: tableschema.Boolean},
				{Name: "kategori", Type: tableschema.String, Constraints: tableschema.Constraints{Enum: []string{"skole", "barnehage", "sykehjem"}}},
				{Name: "postnummer", Type: tableschema.String, Constraints: tableschema.Constraints{Pattern: "[0-9]{4}"}},
				{Name: "år", Type: tableschema.Year},
			},
			PrimaryKey:    []string{"kommunenummer", "dato"},
			MissingValues: []string{"", "."},
		},
		header: []string{"id", "orgnr", "kommunenummer", "fylke", "navn", "beløp", "dato", "oppdatert", "aktiv", "kategori", "postnummer", "år"},
		rows: [][]string{
			{"1", "964965226", "0301", "03", "Åsen skole", "810 000,00", "01.08.2024", "2024-08-01T08:00:00Z", "ja", "skole", "0150", "2024"},
			{"2", "974760673", "3101", "31", "Ørje barnehage", "-0,00", "02.08.2024", "2024-08-02T08:00:00+02:00", "nei", "barnehage", "1870", "2024"},
			{"3", ".", "1580", "15", "Haram sykehjem", ".", "03.08.2024", "", "true", "sykehjem", "6270", "."},
		},
		opts: Options{ReferenceYear: 2024},
	}
	if mod != nil {
		mod(&tc)
	}
	return tc
}

// run validates the table and returns the report, the batch and the
// quarantine rows.
func (tc tcase) run(t *testing.T) (Report, *table.Batch, [][]string) {
	t.Helper()
	var q bytes.Buffer
	tc.opts.Quarantine = &q
	v, err := New(tc.schema, tc.header, tc.opts)
	if err != nil {
		t.Fatal(err)
	}
	b := table.NewBatch(tc.schema, 8)
	for i, r := range tc.rows {
		v.Row(source.Record{Line: int64(i + 2), Fields: r}, b)
	}
	if err := v.Close(); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&q).ReadAll()
	if err != nil {
		t.Fatalf("quarantine is not CSV: %v", err)
	}
	return v.Report(), b, recs[1:]
}

func TestChecks(t *testing.T) {
	tests := []struct {
		name    string
		mod     func(*tcase)
		counts  map[string]int64 // every non-zero count
		invalid int64
		failed  bool
		// value that must appear in the quarantine for the first error
		value string
	}{
		{name: "valid", mod: nil},
		{name: "blank-header", mod: func(tc *tcase) { tc.header[3] = "" },
			counts: map[string]int64{CheckBlankHeader: 1}},
		{name: "duplicate-label", mod: func(tc *tcase) {
			tc.header = append(tc.header, "navn")
			for i := range tc.rows {
				tc.rows[i] = append(tc.rows[i], "x")
			}
		}, counts: map[string]int64{CheckDuplicateLabel: 1, CheckExtraLabel: 1}},
		{name: "missing-label", mod: func(tc *tcase) {
			tc.header = slices.Delete(tc.header, 9, 10)
			for i := range tc.rows {
				tc.rows[i] = slices.Delete(tc.rows[i], 9, 10)
			}
		}, counts: map[string]int64{CheckMissingLabel: 1}, failed: true},
		{name: "extra-label", mod: func(tc *tcase) {
			tc.header = append(tc.header, "ekstra")
			for i := range tc.rows {
				tc.rows[i] = append(tc.rows[i], "x")
			}
		}, counts: map[string]int64{CheckExtraLabel: 1}},
		{name: "blank-row", mod: func(tc *tcase) { tc.rows = append(tc.rows, make([]string, 12)) },
			counts: map[string]int64{CheckBlankRow: 1}, invalid: 1, failed: true},
		{name: "blank-row-markers", mod: func(tc *tcase) { tc.rows = append(tc.rows, []string{".", "", "."}) },
			counts: map[string]int64{CheckBlankRow: 1}, invalid: 1, failed: true},
		{name: "extra-cell", mod: func(tc *tcase) { tc.rows[1] = append(tc.rows[1], "overflow") },
			counts: map[string]int64{CheckExtraCell: 1}, invalid: 1, failed: true, value: "overflow"},
		{name: "missing-cell", mod: func(tc *tcase) { tc.rows[1] = tc.rows[1][:11] },
			counts: map[string]int64{CheckMissingCell: 1}, invalid: 1, failed: true},
		{name: "type-error/integer", mod: func(tc *tcase) { tc.rows[0][0] = "1x" },
			counts: map[string]int64{CheckTypeError: 1}, invalid: 1, failed: true, value: "1x"},
		{name: "type-error/number-point", mod: func(tc *tcase) { tc.rows[0][5] = "810000.00" },
			counts: map[string]int64{CheckTypeError: 1}, invalid: 1, failed: true, value: "810000.00"},
		{name: "type-error/number-bad-group", mod: func(tc *tcase) { tc.rows[0][5] = "81 00,00" },
			counts: map[string]int64{CheckTypeError: 1}, invalid: 1, failed: true},
		{name: "type-error/date", mod: func(tc *tcase) { tc.rows[0][6] = "31.02.2024" },
			counts: map[string]int64{CheckTypeError: 1}, invalid: 1, failed: true},
		{name: "type-error/date-iso-in-dmy", mod: func(tc *tcase) { tc.rows[0][6] = "2024-08-01" },
			counts: map[string]int64{CheckTypeError: 1}, invalid: 1, failed: true},
		{name: "type-error/datetime", mod: func(tc *tcase) { tc.rows[0][7] = "2024-08-01T24:00:00Z" },
			counts: map[string]int64{CheckTypeError: 1}, invalid: 1, failed: true},
		{name: "type-error/boolean", mod: func(tc *tcase) { tc.rows[0][8] = "kanskje" },
			counts: map[string]int64{CheckTypeError: 1}, invalid: 1, failed: true},
		{name: "type-error/year", mod: func(tc *tcase) { tc.rows[0][11] = "24" },
			counts: map[string]int64{CheckTypeError: 1}, invalid: 1, failed: true},
		{name: "constraint-error/required", mod: func(tc *tcase) { tc.rows[2][4] = "." },
			counts: map[string]int64{CheckConstraintError: 1}, invalid: 1, failed: true},
		{name: "constraint-error/primary-key-required", mod: func(tc *tcase) { tc.rows[2][2] = "" },
			counts: map[string]int64{CheckConstraintError: 1}, invalid: 1, failed: true},
		{name: "constraint-error/minLength", mod: func(tc *tcase) { tc.rows[0][4] = "Å" },
			counts: map[string]int64{CheckConstraintError: 1}, invalid: 1, failed: true, value: "Å"},
		{name: "constraint-error/maxLength", mod: func(tc *tcase) { tc.rows[0][4] = "Æøå æøå æøå æøå æøå æ" },
			counts: map[string]int64{CheckConstraintError: 1}, invalid: 1, failed: true},
		{name: "constraint-error/minimum", mod: func(tc *tcase) { tc.rows[0][5] = "-1,50" },
			counts: map[string]int64{CheckConstraintError: 1}, invalid: 1, failed: true},
		{name: "constraint-error/maximum", mod: func(tc *tcase) { tc.rows[0][5] = "1 000 000 000,01" },
			counts: map[string]int64{CheckConstraintError: 1}, invalid: 1, failed: true},
		{name: "constraint-error/pattern", mod: func(tc *tcase) { tc.rows[0][10] = "150" },
			counts: map[string]int64{CheckConstraintError: 1}, invalid: 1, failed: true, value: "150"},
		{name: "constraint-error/enum", mod: func(tc *tcase) { tc.rows[0][9] = "Skole" },
			counts: map[string]int64{CheckConstraintError: 1}, invalid: 1, failed: true},
		{name: "unique-error", mod: func(tc *tcase) { tc.rows[2][0] = "1" },
			counts: map[string]int64{CheckUniqueError: 1}, invalid: 1, failed: true, value: "1"},
		{name: "unique-error/typed", mod: func(tc *tcase) { tc.rows[2][0] = "+01" },
			counts: map[string]int64{CheckUniqueError: 1}, invalid: 1, failed: true},
		{name: "primary-key-error", mod: func(tc *tcase) { tc.rows[2][2], tc.rows[2][6] = "0301", "1.8.2024" },
			counts: map[string]int64{CheckPrimaryKeyError: 1}, invalid: 1, failed: true, value: "0301,1.8.2024"},
		{name: "kommunenummer-error/other-year", mod: func(tc *tcase) { tc.rows[1][2] = "3001" }, // Halden 2020–2023
			counts: map[string]int64{CheckKommunenummer: 1}, invalid: 1, failed: true, value: "3001"},
		{name: "kommunenummer-error/stripped-zero", mod: func(tc *tcase) { tc.rows[0][2] = "301" },
			counts: map[string]int64{CheckKommunenummer: 1}, invalid: 1, failed: true},
		{name: "kommunenummer/any-year", mod: func(tc *tcase) { tc.rows[1][2] = "3001"; tc.opts.ReferenceYear = 0 }},
		{name: "fylkesnummer-error", mod: func(tc *tcase) { tc.rows[1][3] = "30" },
			counts: map[string]int64{CheckFylkesnummer: 1}, invalid: 1, failed: true},
		{name: "orgnr-error", mod: func(tc *tcase) { tc.rows[0][1] = "964965227" },
			counts: map[string]int64{CheckOrgnr: 1}, invalid: 1, failed: true, value: "964965227"},
		{name: "threshold", mod: func(tc *tcase) {
			tc.rows[0][1] = "964965227"
			tc.opts.MaxInvalidShare = ptr(0.5)
		}, counts: map[string]int64{CheckOrgnr: 1}, invalid: 1, failed: false},
		{name: "several-errors-one-row", mod: func(tc *tcase) { tc.rows[0][0], tc.rows[0][9] = "x", "y" },
			counts: map[string]int64{CheckTypeError: 1, CheckConstraintError: 1}, invalid: 1, failed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tc := validTable(tt.mod)
			r, b, q := tc.run(t)
			if tt.counts == nil {
				tt.counts = map[string]int64{}
			}
			if !maps.Equal(r.Counts, tt.counts) {
				t.Errorf("counts = %v, want %v\nerrors: %+v\nheader: %+v", r.Counts, tt.counts, r.Errors, r.HeaderErrors)
			}
			if r.Invalid != tt.invalid || r.Valid+r.Invalid != r.Rows || r.Rows != int64(len(tc.rows)) {
				t.Errorf("rows %d valid %d invalid %d, want invalid %d", r.Rows, r.Valid, r.Invalid, tt.invalid)
			}
			if r.Failed != tt.failed {
				t.Errorf("Failed = %v (share %v, reasons %v), want %v", r.Failed, r.InvalidShare, r.Reasons, tt.failed)
			}
			if int64(b.Len()) != r.Valid {
				t.Errorf("batch has %d rows, want %d valid", b.Len(), r.Valid)
			}
			if len(q) != len(r.Errors) {
				t.Errorf("quarantine has %d rows, report %d errors", len(q), len(r.Errors))
			}
			for i, e := range r.Errors {
				if q[i][4] != e.Check || q[i][7] != e.Value || q[i][0] == "" {
					t.Errorf("quarantine row %v does not match error %+v", q[i], e)
				}
				if e.Value != "" && strings.Contains(e.Message, e.Value) {
					t.Errorf("message %q contains the value", e.Message)
				}
			}
			if tt.value != "" && (len(q) == 0 || q[0][7] != tt.value) {
				t.Errorf("quarantine = %v, want value %q first", q, tt.value)
			}
		})
	}
}

// TestRowValues checks the typed values a valid table puts in the batch.
func TestRowValues(t *testing.T) {
	_, b, _ := validTable(nil).run(t)
	if b.Len() != 3 || !slices.Equal(b.Lines, []int64{2, 3, 4}) {
		t.Fatalf("batch lines = %v", b.Lines)
	}
	col := func(name string) table.Column { return b.Columns[b.Schema.Index(name)] }
	if got := col("id").Ints; !slices.Equal(got, []int64{1, 2, 3}) {
		t.Errorf("id = %v", got)
	}
	if got := col("kommunenummer").Strings; !slices.Equal(got, []string{"0301", "3101", "1580"}) {
		t.Errorf("kommunenummer = %v", got)
	}
	if got := col("beløp"); got.Floats[0] != 810000 || !got.Valid[1] || got.Valid[2] {
		t.Errorf("beløp = %v valid %v", got.Floats, got.Valid)
	}
	// 01.08.2024 is day 19936 since 1970-01-01.
	if got := col("dato").Ints; !slices.Equal(got, []int64{19936, 19937, 19938}) {
		t.Errorf("dato = %v", got)
	}
	// 2024-08-02T08:00:00+02:00 is 06:00 UTC.
	if got := col("oppdatert"); got.Ints[0] != 19936*86400e6+8*3600e6 || got.Ints[1] != 19937*86400e6+6*3600e6 || got.Valid[2] {
		t.Errorf("oppdatert = %v %v", got.Ints, got.Valid)
	}
	if got := col("aktiv").Bools; !slices.Equal(got, []bool{true, false, true}) {
		t.Errorf("aktiv = %v", got)
	}
	if got := col("år"); got.Ints[0] != 2024 || got.Valid[2] {
		t.Errorf("år = %v %v", got.Ints, got.Valid)
	}
}

func TestNewErrors(t *testing.T) {
	tests := map[string]func(*tcase){
		"bad pattern":      func(tc *tcase) { tc.schema.Fields[10].Constraints.Pattern = "[" },
		"unknown check":    func(tc *tcase) { tc.schema.Fields[1].Check = "fnr" },
		"no list for year": func(tc *tcase) { tc.opts.ReferenceYear = 2015 },
		"date format":      func(tc *tcase) { tc.schema.Fields[6].Format = "%m/%d/%Y" },
		"minimum on text":  func(tc *tcase) { tc.schema.Fields[4].Constraints.Minimum = ptr(1.0) },
		"group=decimal":    func(tc *tcase) { tc.schema.Fields[5].GroupChar = "," },
		"duplicate field":  func(tc *tcase) { tc.schema.Fields[1].Name = "id" },
	}
	for name, mod := range tests {
		tc := validTable(mod)
		if _, err := New(tc.schema, tc.header, tc.opts); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
}

func TestReportForms(t *testing.T) {
	tc := validTable(func(tc *tcase) { tc.rows[0][1] = "964965227" })
	tc.opts.Dataset = "skoler"
	r, _, _ := tc.run(t)
	b, err := r.JSON()
	if err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Invalid != 1 || back.Counts[CheckOrgnr] != 1 || back.Errors[0].Value != "964965227" || !back.Failed {
		t.Errorf("JSON round trip = %+v", back)
	}
	pub, err := r.Public().JSON()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(pub, []byte("964965227")) {
		t.Errorf("public report holds a quarantined value:\n%s", pub)
	}
	if r.Errors[0].Value == "" {
		t.Error("Public changed the original report")
	}
	s := r.Summary()
	for _, want := range []string{"skoler: 3 rader kontrollert, 2 gyldige, 1 ugyldige", "AVVIST", "3 rows checked", "FAILED", "orgnr-error 1"} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
}

func TestMaxErrors(t *testing.T) {
	tc := validTable(func(tc *tcase) {
		tc.opts.MaxErrors = 2
		for i := range tc.rows {
			tc.rows[i][0] = "x"
		}
	})
	r, _, q := tc.run(t)
	if len(r.Errors) != 2 || !r.ErrorsTruncated || r.Counts[CheckTypeError] != 3 {
		t.Errorf("errors %d truncated %v counts %v", len(r.Errors), r.ErrorsTruncated, r.Counts)
	}
	if len(q) != 3 {
		t.Errorf("quarantine has %d rows, want all 3", len(q))
	}
}

// TestTypeErrorsOtherTypes: for the types the municipal table above does
// not hold, a valid value passes and one broken value is one type-error.
func TestTypeErrorsOtherTypes(t *testing.T) {
	for _, tc := range []struct {
		typ       tableschema.Type
		good, bad string
	}{
		{tableschema.Time, "08:30:00", "25:00:00"},
		{tableschema.YearMonth, "2024-08", "2024-13"},
		{tableschema.Duration, "P1Y2M3DT4H", "1 år"},
		{tableschema.GeoPoint, "58.97,5.73", "58.97;nord"},
		{tableschema.Year, "2024", "20x4"},
	} {
		t.Run(string(tc.typ), func(t *testing.T) {
			schema := &tableschema.Schema{Fields: []tableschema.Field{{Name: "v", Type: tc.typ}}}
			c := tcase{schema: schema, header: []string{"v"}, rows: [][]string{{tc.good}, {tc.good}}}
			if rep, _, _ := c.run(t); rep.Invalid != 0 {
				t.Fatalf("valid %s %q rejected: %+v", tc.typ, tc.good, rep.Counts)
			}
			c.rows[1] = []string{tc.bad}
			rep, _, q := c.run(t)
			if rep.Invalid != 1 || rep.Counts[CheckTypeError] != 1 {
				t.Errorf("%s %q: invalid %d, counts %v; want one type-error", tc.typ, tc.bad, rep.Invalid, rep.Counts)
			}
			if len(q) != 1 || !slices.Contains(q[0], tc.bad) {
				t.Errorf("quarantine %q does not hold %q", q, tc.bad)
			}
		})
	}
}
