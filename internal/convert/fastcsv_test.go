package convert

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/dele-opendata/dele/internal/benchdata"
	"github.com/dele-opendata/dele/internal/table"
	"github.com/dele-opendata/dele/internal/tableschema"
)

// TestReadCSVMatchesEncodingCSV parses the benchmark file with chunk sizes
// from one byte up, so chunk boundaries fall everywhere (inside quoted
// line breaks too), and compares every value and line number with
// encoding/csv.
func TestReadCSVMatchesEncodingCSV(t *testing.T) {
	var data bytes.Buffer
	if err := benchdata.Write(&data, 1000); err != nil {
		t.Fatal(err)
	}
	// Also with CRLF line ends (outside quotes).
	crlf := strings.ReplaceAll(data.String(), "\n", "\r\n")
	schema := benchdata.Schema()
	for _, in := range []struct {
		name string
		text string
	}{{"lf", data.String()}, {"crlf", crlf}} {
		cr := csv.NewReader(strings.NewReader(in.text))
		cr.Comma = benchdata.Delimiter
		cr.ReuseRecord = false
		var recs [][]string
		var lines []int64
		for {
			rec, err := cr.Read()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			line, _ := cr.FieldPos(0)
			recs = append(recs, rec)
			lines = append(lines, int64(line))
		}
		recs, lines = recs[1:], lines[1:]
		for _, size := range []int{1, 13, 100, 4096, 1 << 20} {
			for _, workers := range []int{1, 3} {
				var rows int
				err := ReadCSV(context.Background(), strings.NewReader(in.text), schema, CSVOptions{Comma: ';', Header: true, ChunkSize: size, Workers: workers}, func(b *table.Batch) error {
					cols := testTable{schema: schema, batches: []*table.Batch{b}}.columns()
					for r := 0; r < b.Len(); r++ {
						rec := recs[rows]
						if b.Lines[r] != lines[rows] {
							t.Fatalf("%s size %d: row %d: line %d, want %d", in.name, size, rows, b.Lines[r], lines[rows])
						}
						for i, f := range schema.Fields {
							want := rec[i]
							if in.name == "crlf" {
								want = strings.ReplaceAll(want, "\n", "\r\n") // encoding/csv normalises quoted CRLF
							}
							got := cellText(f, cols[i][r], Clean)
							if f.Type == tableschema.Number && want != "" {
								w, err := strconv.ParseFloat(strings.Replace(want, ",", ".", 1), 64)
								if err != nil {
									t.Fatal(err)
								}
								want = strconv.FormatFloat(w, 'f', -1, 64)
							}
							if got != want {
								t.Fatalf("%s size %d: row %d column %s: %q, want %q", in.name, size, rows, f.Name, got, want)
							}
						}
						rows++
					}
					return nil
				})
				if err != nil {
					t.Fatalf("%s size %d: %v", in.name, size, err)
				}
				if rows != len(recs) {
					t.Fatalf("%s size %d: %d rows, want %d", in.name, size, rows, len(recs))
				}
			}
		}
	}
}

func TestReadCSVErrors(t *testing.T) {
	s := &tableschema.Schema{Fields: []tableschema.Field{
		{Name: "n", Type: tableschema.Integer},
		{Name: "d", Type: tableschema.Date},
		{Name: "x", Type: tableschema.Number, DecimalChar: ","},
		{Name: "b", Type: tableschema.Boolean},
		{Name: "s", Type: tableschema.String},
	}}
	for _, tc := range []struct {
		name, in string
		line     int64
		column   string
		is       error
	}{
		{"header", "n,d,y,b,s\n", 1, "", ErrHeader},
		{"fields", "n,d,x,b,s\n1,2024-01-01,\"1,5\",true,a\n2,2024-01-01\n", 3, "", ErrFieldCount},
		{"too many", "n,d,x,b,s\n1,2024-01-01,1,true,a,extra\n", 2, "", ErrFieldCount},
		{"int", "n,d,x,b,s\n1,2024-01-01,1,true,a\nto,2024-01-01,1,true,a\n", 3, "n", ErrValue},
		{"date", "n,d,x,b,s\n1,\"2024-02-30\",1,true,a\n", 2, "d", ErrValue},
		{"decimal point", "n,d,x,b,s\n1,2024-02-03,1.5,true,a\n", 2, "x", ErrValue},
		{"bool", "n,d,x,b,s\n1,2024-02-03,1,ja,a\n", 2, "b", ErrValue},
		{"bare quote", "n,d,x,b,s\n1,2024-02-03,1,true,a\"b\n", 2, "", ErrQuote},
		{"after quote", "n,d,x,b,s\n1,2024-02-03,1,true,\"a\"b\n", 2, "", ErrQuote},
		{"open quote", "n,d,x,b,s\n\"1,2024-02-03,1,true,a\n", 2, "", ErrQuote},
		{"line after quoted newline", "n,d,x,b,s\n1,2024-02-03,1,true,\"a\nb\"\n2,2024-02-03,1,nei,c\n", 4, "b", ErrValue},
		{"latin-1", "n,d,x,b,s\n1,2024-02-03,1,true,a\n2,2024-02-03,1,true,Bj\xf8rn\n", 3, "", ErrEncoding},
		{"latin-1 after quoted newline", "n,d,x,b,s\n1,2024-02-03,1,true,\"a\nS\xe6tre\"\n", 3, "", ErrEncoding},
		{"utf-8 then latin-1", "n,d,x,b,s\n1,2024-02-03,1,true,Ærlig talt \xe6\n", 2, "", ErrEncoding},
		{"latin-1 header", "n,d,x,b,\xe6\n", 1, "", ErrEncoding},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := ReadCSV(context.Background(), strings.NewReader(tc.in), s, CSVOptions{Header: true, ChunkSize: 8}, func(*table.Batch) error { return nil })
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a *ParseError", err)
			}
			if pe.Line != tc.line || pe.Column != tc.column || !errors.Is(err, tc.is) {
				t.Errorf("err = %v (line %d, column %q), want line %d, column %q, %v", err, pe.Line, pe.Column, tc.line, tc.column, tc.is)
			}
		})
	}
}

func TestReadCSVValues(t *testing.T) {
	s := &tableschema.Schema{Fields: []tableschema.Field{
		{Name: "n", Type: tableschema.Integer, GroupChar: " "},
		{Name: "x", Type: tableschema.Number, DecimalChar: ",", GroupChar: "."},
		{Name: "b", Type: tableschema.Boolean},
		{Name: "t", Type: tableschema.DateTime},
		{Name: "s", Type: tableschema.String},
	}, MissingValues: []string{"", "NA"}}
	in := "\xEF\xBB\xBFn,x,b,t,s\n" +
		"1 000,\"1.234,5\",TRUE,2024-01-02T03:04:05.25+01:00,\"\"\n" +
		"-7,\"-0,125\",0,2024-01-02T03:04:05,NA\n" +
		"\n" +
		"12345678901234567,\"12345678901234567,5\",False,,x\n"
	var got [][]cell
	err := ReadCSV(context.Background(), strings.NewReader(in), s, CSVOptions{Header: true}, func(b *table.Batch) error {
		got = testTable{schema: s, batches: []*table.Batch{cloneBatch(b)}}.columns()
		if !equalInts(b.Lines, []int64{2, 3, 5}) {
			t.Errorf("lines %v", b.Lines)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	big, _ := strconv.ParseFloat("12345678901234567.5", 64)
	want := [][]cell{
		{int64(1000), int64(-7), int64(12345678901234567)},
		{1234.5, -0.125, big},
		{true, false, false},
		{int64(1704161045250000), int64(1704164645000000), nil},
		{"", nil, "x"},
	}
	for i := range want {
		for r := range want[i] {
			if !equalCell(got[i][r], want[i][r]) {
				t.Errorf("column %s row %d: %#v, want %#v", s.Fields[i].Name, r, got[i][r], want[i][r])
			}
		}
	}
}

func equalInts(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestReadCSVStopsOnCallbackError checks that an error from the callback
// ends the read and is returned.
func TestReadCSVStopsOnCallbackError(t *testing.T) {
	var data bytes.Buffer
	if err := benchdata.Write(&data, 5000); err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop")
	calls := 0
	err := ReadCSV(context.Background(), &data, benchdata.Schema(), CSVOptions{Comma: ';', Header: true, ChunkSize: 1024}, func(*table.Batch) error {
		calls++
		return stop
	})
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("err = %v after %d calls, want stop after 1", err, calls)
	}
}

// TestFieldEnd compares the word-at-a-time scan with a byte loop on
// random text made of the bytes that matter and their neighbours.
func TestFieldEnd(t *testing.T) {
	alphabet := []byte{';', ',', '\n', '"', '\r', 'a', 0x00, 0x7f, 0x80, 0xff, 0xc3, 0xa5, ';' ^ 0x80, '"' - 1, '\n' + 1}
	rnd := rand.New(rand.NewPCG(1, 2))
	for _, comma := range []byte{';', ',', '\t', '|'} {
		p, err := newChunkParser(&tableschema.Schema{Fields: []tableschema.Field{{Name: "a"}}}, CSVOptions{Comma: comma})
		if err != nil {
			t.Fatal(err)
		}
		for range 20000 {
			b := make([]byte, rnd.IntN(40))
			for i := range b {
				if rnd.IntN(6) == 0 {
					b[i] = alphabet[rnd.IntN(len(alphabet))]
				} else {
					b[i] = byte('A' + rnd.IntN(26))
				}
			}
			s := string(b)
			for pos := 0; pos <= len(s); pos++ {
				want := pos
				for want < len(s) && s[want] != comma && s[want] != '\n' && s[want] != '"' {
					want++
				}
				if got := p.fieldEnd(s, pos); got != want {
					t.Fatalf("comma %q, %q from %d: got %d, want %d", comma, s, pos, got, want)
				}
			}
		}
	}
}
