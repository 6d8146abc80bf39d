package validate

import (
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestParseNumber(t *testing.T) {
	comma := numFormat{decimal: ','}
	space := numFormat{decimal: ',', group: ' '}
	nbsp := numFormat{decimal: ',', group: '\u00a0'}
	point := numFormat{decimal: '.'}
	tests := []struct {
		s    string
		f    numFormat
		want float64
		ok   bool
	}{
		{"498,84", comma, 498.84, true},
		{"-0,7", comma, -0.7, true},
		{"810 000,00", space, 810000, true},
		{"-2 000 000,00", space, -2000000, true},
		{"0", space, 0, true},
		{"810\u00a0000,5", nbsp, 810000.5, true},
		{"2072.5551000000073", point, 2072.5551000000073, true},
		{"1e3", point, 1000, true},
		{"1e3", comma, 0, false},
		{"0.1", point, 0.1, true},
		{",5", comma, 0.5, true},
		{"12345678901234567890,5", comma, 12345678901234567890.5, true},
		{"0,000000000000000000000000001", comma, 1e-27, true},
		{"81 00,00", space, 0, false},
		{"8100 000", space, 0, false},
		{"810 00", space, 0, false},
		{" 810", space, 0, false},
		{"810 ", space, 0, false},
		{"1,5", point, 0, false},
		{"1.5", comma, 0, false},
		{"1,2,3", comma, 0, false},
		{"", comma, 0, false},
		{"-", comma, 0, false},
		{",", comma, 0, false},
		{"NaN", comma, math.NaN(), true},
		{"-INF", comma, math.Inf(-1), true},
		{"Inf", point, math.Inf(1), true},
		{"Infinity", point, 0, false},
		{"abc", point, 0, false},
	}
	for _, tt := range tests {
		got, ok := parseNumber(tt.s, tt.f)
		if ok != tt.ok || (ok && got != tt.want && !(math.IsNaN(got) && math.IsNaN(tt.want))) {
			t.Errorf("parseNumber(%q, %q/%q) = %v, %v; want %v, %v", tt.s, tt.f.decimal, tt.f.group, got, ok, tt.want, tt.ok)
		}
	}
}

// TestParseNumberExact compares the fast path with strconv on many values.
func TestParseNumberExact(t *testing.T) {
	x := uint64(1)
	for i := 0; i < 200000; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		v := float64(x%1e12) / math.Pow10(int(x>>60)%10)
		s := strconv.FormatFloat(v, 'f', -1, 64)
		want, _ := strconv.ParseFloat(s, 64)
		if got, ok := parseNumber(s, numFormat{decimal: '.'}); !ok || got != want {
			t.Fatalf("parseNumber(%q) = %v, %v; strconv says %v", s, got, ok, want)
		}
	}
}

func TestParseInt(t *testing.T) {
	tests := []struct {
		s     string
		group rune
		want  int64
		ok    bool
	}{
		{"0301", 0, 301, true},
		{"-42", 0, -42, true},
		{"+7", 0, 7, true},
		{"9223372036854775807", 0, math.MaxInt64, true},
		{"9223372036854775808", 0, 0, false},
		{"-9223372036854775808", 0, math.MinInt64, true},
		{"99999999999999999999999", 0, 0, false},
		{"1 234 567", ' ', 1234567, true},
		{"1 234 567", 0, 0, false},
		{"1234 567", ' ', 0, false},
		{"1 23", ' ', 0, false},
		{"1,0", 0, 0, false},
		{"", 0, 0, false},
		{"-", 0, 0, false},
	}
	for _, tt := range tests {
		got, ok := parseInt(tt.s, tt.group)
		if ok != tt.ok || got != tt.want {
			t.Errorf("parseInt(%q) = %v, %v; want %v, %v", tt.s, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseDates(t *testing.T) {
	day := func(s string) int64 {
		tm, err := time.Parse("2006-01-02", s)
		if err != nil {
			t.Fatal(err)
		}
		return tm.Unix() / 86400
	}
	tests := []struct {
		s, format string
		want      string // ISO, "" = invalid
	}{
		{"2024-02-29", "default", "2024-02-29"},
		{"2023-02-29", "default", ""},
		{"1900-02-29", "default", ""},
		{"2000-02-29", "default", "2000-02-29"},
		{"1969-12-31", "", "1969-12-31"},
		{"0001-01-01", "", "0001-01-01"},
		{"2024-13-01", "", ""},
		{"2024-1-01", "", ""},
		{"01.08.2024", formatDMY, "2024-08-01"},
		{"1.8.2024", formatDMY, "2024-08-01"},
		{"31.04.2024", formatDMY, ""},
		{"01.08.24", formatDMY, ""},
		{"01-08-2024", formatDMY, ""},
		{"01.08.2024", formatAny, "2024-08-01"},
		{"2024-08-01", formatAny, "2024-08-01"},
		{"2024-08-01", formatDMY, ""},
	}
	for _, tt := range tests {
		got, ok := parseDate(tt.s, tt.format)
		if ok != (tt.want != "") || (ok && got != day(tt.want)) {
			t.Errorf("parseDate(%q, %q) = %v, %v; want %s", tt.s, tt.format, got, ok, tt.want)
		}
	}
}

func TestParseDateTime(t *testing.T) {
	tests := []string{
		"2024-08-01T08:00:00Z", "2024-08-01T08:00:00+02:00", "2024-08-01T08:00:00.123456-05:30",
		"2024-08-01T08:00:00", "1965-03-04T23:59:59Z", "2024-08-01T08:00:00.5Z",
	}
	for _, s := range tests {
		layout := time.RFC3339Nano
		want, err := time.Parse(layout, s)
		if err != nil {
			want, err = time.Parse("2006-01-02T15:04:05", s)
		}
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := parseDateTime(s); !ok || got != want.UnixMicro() {
			t.Errorf("parseDateTime(%q) = %v, %v; want %v", s, got, ok, want.UnixMicro())
		}
	}
	space, ok := parseDateTime("2017-09-11 09:00:00")
	if !ok || space != time.Date(2017, 9, 11, 9, 0, 0, 0, time.UTC).UnixMicro() {
		t.Errorf("space-separated date-time = %v, %v", space, ok)
	}
	for _, s := range []string{"2024-08-01", "2024-08-01T24:00:00Z", "2024-08-01T08:00:00+2", "2024-08-01T08:00:00Zx", "2024-08-01T08:00:00."} {
		if _, ok := parseDateTime(s); ok {
			t.Errorf("parseDateTime(%q) accepted", s)
		}
	}
}

func TestParseOthers(t *testing.T) {
	bools := map[string]int{"true": 1, "FALSE": 0, "Ja": 1, "nei": 0, "1": 1, "0": 0, "yes": -1, "": -1, "ja ": -1}
	for s, want := range bools {
		v, ok := parseBool(s)
		if (want < 0 && ok) || (want >= 0 && (!ok || v != (want == 1))) {
			t.Errorf("parseBool(%q) = %v, %v", s, v, ok)
		}
	}
	checks := []struct {
		name string
		fn   func(string) bool
		s    string
		ok   bool
	}{
		{"time", parseTime, "08:30", true},
		{"time", parseTime, "08:30:59", true},
		{"time", parseTime, "24:00", false},
		{"yearmonth", parseYearMonth, "2024-08", true},
		{"yearmonth", parseYearMonth, "2024-13", false},
		{"duration", parseDuration, "P1Y2M3DT4H5M6S", true},
		{"duration", parseDuration, "PT1.5H", true},
		{"duration", parseDuration, "P", false},
		{"duration", parseDuration, "P1H", false},
		{"geopoint", parseGeoPoint, "59.9139,10.7522", true},
		{"geopoint", parseGeoPoint, "59.9139, 10.7522", true},
		{"geopoint", parseGeoPoint, "159.9,10.7", false},
		{"geopoint", parseGeoPoint, "59,9", true},
		{"geopoint", parseGeoPoint, "59.9", false},
	}
	for _, c := range checks {
		if got := c.fn(c.s); got != c.ok {
			t.Errorf("%s(%q) = %v", c.name, c.s, got)
		}
	}
}

func TestParseAllocs(t *testing.T) {
	n := testing.AllocsPerRun(100, func() {
		parseNumber("-2 000 000,00", numFormat{decimal: ',', group: ' '})
		parseNumber("12345678901234567890,5", numFormat{decimal: ','})
		parseInt("123456", 0)
		parseDate("01.08.2024", formatDMY)
		parseDateTime("2024-08-01T08:00:00.123+02:00")
	})
	if n != 0 {
		t.Errorf("parsers allocate %v times per run", n)
	}
}

// FuzzParseNumber checks the hand-written number parser against strconv:
// with a "." decimal and no groups, a value it accepts must be what
// strconv.ParseFloat returns, and the same text with "," as decimal and
// " " thousands separators must give the same value.
func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"0", "-0,7", "810000.00", "2072.5551000000073", "1e3", "12345678901234567890.5", ".5", "NaN"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseNumber(s, numFormat{decimal: '.'})
		if !ok {
			return
		}
		want, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatalf("parseNumber(%q) = %v but strconv rejects it: %v", s, got, err)
		}
		if got != want && !(math.IsNaN(got) && math.IsNaN(want)) {
			t.Fatalf("parseNumber(%q) = %v, strconv %v", s, got, want)
		}
		if strings.ContainsAny(s, "eEnNiI") || strings.HasPrefix(s, "+") {
			return
		}
		// Rewrite Norwegian style: decimal comma, space groups of three.
		intPart, frac, hasFrac := strings.Cut(strings.TrimPrefix(s, "-"), ".")
		var b strings.Builder
		if strings.HasPrefix(s, "-") {
			b.WriteByte('-')
		}
		for i, c := range intPart {
			if i > 0 && (len(intPart)-i)%3 == 0 {
				b.WriteByte(' ')
			}
			b.WriteRune(c)
		}
		if hasFrac {
			b.WriteString("," + frac)
		}
		if nb, ok := parseNumber(b.String(), numFormat{decimal: ',', group: ' '}); !ok || nb != got {
			t.Fatalf("parseNumber(%q, Norwegian) = %v, %v; want %v", b.String(), nb, ok, got)
		}
	})
}
