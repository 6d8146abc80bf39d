// Package benchdata generates a deterministic municipal CSV file for
// benchmarks and tests: 13 columns the way Norwegian municipalities export
// them (semicolon delimiter, decimal comma, UTF-8 with æøå, four-digit
// postnummer and kommunenummer with leading zeros, nine-digit organisation
// numbers, and a free-text column where about 8% of the values are quoted
// because they contain semicolons, doubled quotes or line breaks).
//
// The same row count always produces the same bytes, on every platform and
// Go version, so figures measured on it can be compared between runs.
package benchdata

import (
	"bufio"
	"fmt"
	"io"
	"strconv"

	"github.com/dele-opendata/dele/internal/tableschema"
)

// Delimiter is the field separator of the generated file.
const Delimiter = ';'

// DecimalChar is the decimal mark of the number column (belop).
const DecimalChar = ','

// Schema returns the table schema of the generated file. Every call returns
// a fresh copy the caller may modify.
//
// Columns: id (integer), orgnr (string, 9 digits), navn (string with æøå),
// adresse (string), postnummer (string, 4 digits, leading zeros), poststed
// (string), kommunenummer (string, 4 digits, leading zeros), dato (date,
// ISO 8601), belop (number, decimal comma, ~1% empty), antall (integer),
// aktiv (boolean, true/false), kategori (string, 20 values), kommentar
// (string, free text, ~40% empty, ~8% quoted).
func Schema() *tableschema.Schema {
	return &tableschema.Schema{
		Fields: []tableschema.Field{
			{Name: "id", Type: tableschema.Integer, Constraints: tableschema.Constraints{Required: true, Unique: true}},
			{Name: "orgnr", Type: tableschema.String, Check: "orgnr", Constraints: tableschema.Constraints{Pattern: "^[0-9]{9}$"}},
			{Name: "navn", Type: tableschema.String},
			{Name: "adresse", Type: tableschema.String},
			{Name: "postnummer", Type: tableschema.String, Constraints: tableschema.Constraints{Pattern: "^[0-9]{4}$"}},
			{Name: "poststed", Type: tableschema.String},
			{Name: "kommunenummer", Type: tableschema.String, Check: "kommunenummer", Constraints: tableschema.Constraints{Pattern: "^[0-9]{4}$"}},
			{Name: "dato", Type: tableschema.Date},
			{Name: "belop", Type: tableschema.Number, DecimalChar: ","},
			{Name: "antall", Type: tableschema.Integer},
			{Name: "aktiv", Type: tableschema.Boolean},
			{Name: "kategori", Type: tableschema.String},
			{Name: "kommentar", Type: tableschema.String},
		},
		PrimaryKey: []string{"id"},
	}
}

var (
	fornavn    = []string{"Åse", "Bjørn", "Kari", "Ola", "Sigrid", "Håkon", "Ingrid", "Øystein", "Marit", "Lars", "Solveig", "Jørgen", "Æsa", "Per", "Ragnhild", "Tor"}
	etternavn  = []string{"Hansen", "Johansen", "Olsen", "Larsen", "Andersen", "Pedersen", "Nilsen", "Kristiansen", "Jensen", "Karlsen", "Johnsen", "Pettersen", "Eriksen", "Berg", "Haugen", "Hågensen", "Sæther", "Bråthen", "Løkken", "Ødegård"}
	firma      = []string{"AS", "ASA", "SA", "ENK", "DA", "IKS", "KF"}
	gater      = []string{"Storgata", "Kirkeveien", "Skolegata", "Bjørnstjerne Bjørnsons gate", "Fjordvegen", "Åsveien", "Møllergata", "Strandgata", "Sjøgata", "Industriveien", "Lærdalsgata", "Østre vei", "Sørlibakken", "Prinsens gate", "Kongens gate", "Tårnvegen"}
	steder     = []string{"OSLO", "BERGEN", "TRONDHEIM", "STAVANGER", "TROMSØ", "BODØ", "ÅLESUND", "HØNEFOSS", "LØRENSKOG", "SKÅNEVIK", "FØRDE", "MOSJØEN", "ÅRDAL", "BÆRUM", "DRØBAK", "GJØVIK"}
	kategorier = []string{
		"barnehage", "grunnskole", "helse", "pleie og omsorg", "sosialtjeneste", "barnevern", "vann", "avløp", "renovasjon", "samferdsel",
		"kultur", "idrett", "kirke", "næring", "plan og bygg", "brann", "administrasjon", "eiendom", "miljø", "landbruk",
	}
	kommuner = []string{"0301", "1103", "4601", "5001", "1506", "3005", "3201", "3401", "4204", "5501", "1804", "0301", "3024", "3203", "4627", "1875"}
	plain    = []string{"Ingen merknad", "Levert som avtalt", "Faktura sendt", "Godkjent av rådmann", "Må følges opp", "Utsatt til neste år", "Ferdigstilt", "Under arbeid"}
	quoted   = []string{"Merknad; se vedlegg", "Sa \"ok\" på telefon", "Første linje\nandre linje", "Delt; \"viktig\"\nogså på ny linje", "Pris; inkl. mva", "Ref. \"sak 2024/17\""}
)

// rng is splitmix64: fast, tiny and fully specified, so the output never
// depends on the Go version.
type rng uint64

func (r *rng) next() uint64 {
	*r += 0x9e3779b97f4a7c15
	z := uint64(*r)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func (r *rng) intn(n int) int { return int(r.next() % uint64(n)) }

// Write writes a header row and rows data rows to w.
func Write(w io.Writer, rows int) error {
	if rows < 0 {
		return fmt.Errorf("benchdata: negative row count %d", rows)
	}
	bw := bufio.NewWriterSize(w, 1<<16)
	if _, err := bw.WriteString("id;orgnr;navn;adresse;postnummer;poststed;kommunenummer;dato;belop;antall;aktiv;kategori;kommentar\n"); err != nil {
		return fmt.Errorf("benchdata: write header: %w", err)
	}
	r := rng(20261123)
	buf := make([]byte, 0, 512)
	for i := 1; i <= rows; i++ {
		buf = appendRow(buf[:0], &r, i)
		if _, err := bw.Write(buf); err != nil {
			return fmt.Errorf("benchdata: write row %d: %w", i, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("benchdata: flush: %w", err)
	}
	return nil
}

func appendRow(b []byte, r *rng, id int) []byte {
	b = strconv.AppendInt(b, int64(id), 10)
	b = append(b, ';')
	// orgnr: 9 digits, starting with 8 or 9 like real ones, with a valid
	// mod-11 check digit.
	b = appendOrgnr(b, 80000000+r.intn(19999999))
	b = append(b, ';')
	b = append(b, fornavn[r.intn(len(fornavn))]...)
	b = append(b, ' ')
	b = append(b, etternavn[r.intn(len(etternavn))]...)
	if r.intn(3) == 0 {
		b = append(b, ' ')
		b = append(b, firma[r.intn(len(firma))]...)
	}
	b = append(b, ';')
	b = append(b, gater[r.intn(len(gater))]...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(1+r.intn(150)), 10)
	if r.intn(5) == 0 {
		b = append(b, byte('A'+r.intn(4)))
	}
	b = append(b, ';')
	b = appendPadded(b, r.intn(10000), 4)
	b = append(b, ';')
	b = append(b, steder[r.intn(len(steder))]...)
	b = append(b, ';')
	b = append(b, kommuner[r.intn(len(kommuner))]...)
	b = append(b, ';')
	// dato: 2015-01-01 .. 2026-12-28
	y, m, d := 2015+r.intn(12), 1+r.intn(12), 1+r.intn(28)
	b = strconv.AppendInt(b, int64(y), 10)
	b = append(b, '-')
	b = appendPadded(b, m, 2)
	b = append(b, '-')
	b = appendPadded(b, d, 2)
	b = append(b, ';')
	// belop: -5 000,00 .. 995 000,00 with two decimals, 1% missing.
	if r.intn(100) != 0 {
		cents := r.intn(100000000) - 500000
		if cents < 0 {
			b = append(b, '-')
			cents = -cents
		}
		b = strconv.AppendInt(b, int64(cents/100), 10)
		b = append(b, DecimalChar)
		b = appendPadded(b, cents%100, 2)
	}
	b = append(b, ';')
	b = strconv.AppendInt(b, int64(r.intn(1000)), 10)
	b = append(b, ';')
	if r.intn(4) == 0 {
		b = append(b, "false"...)
	} else {
		b = append(b, "true"...)
	}
	b = append(b, ';')
	b = append(b, kategorier[r.intn(len(kategorier))]...)
	b = append(b, ';')
	switch p := r.intn(100); {
	case p < 8:
		b = appendQuoted(b, quoted[r.intn(len(quoted))])
	case p < 60:
		b = append(b, plain[r.intn(len(plain))]...)
	}
	return append(b, '\n')
}

// appendOrgnr appends the eight digits of base and their modulus-11 check
// digit (weights 3 2 7 6 5 4 3 2); a base whose check digit would be 10 is
// never issued, so the next base is used.
func appendOrgnr(b []byte, base int) []byte {
	weights := [8]int{3, 2, 7, 6, 5, 4, 3, 2}
	for ; ; base++ {
		sum := 0
		for i, x := 7, base; i >= 0; i, x = i-1, x/10 {
			sum += (x % 10) * weights[i]
		}
		check := (11 - sum%11) % 11
		if check != 10 {
			b = strconv.AppendInt(b, int64(base), 10)
			return append(b, byte('0'+check))
		}
	}
}

func appendPadded(b []byte, v, width int) []byte {
	var tmp [20]byte
	s := strconv.AppendInt(tmp[:0], int64(v), 10)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

func appendQuoted(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, s[i])
	}
	return append(b, '"')
}
