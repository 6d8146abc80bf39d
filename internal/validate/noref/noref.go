// Package noref holds Norwegian reference data and checks for the validate
// stage: which kommunenummer and fylkesnummer were valid in a given year, and
// the modulus-11 check digit of organisation numbers.
//
// The code lists are embedded from data/*.csv. They were built from files in
// testdata/corpus (see data/SOURCES.md; `go test ./internal/validate/noref
// -update` rebuilds them from the corpus). Lists exist for 2019, 2020 and
// 2024. No municipal or county numbers changed between 1 January 2020 and
// 1 January 2024, so the 2020 list also serves 2021–2023. Years after 2024
// use the 2024 list and say so in the Note of the returned Codes; years
// before 2019 have no list.
package noref

import (
	"bufio"
	"bytes"
	"embed"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

//go:embed data/*.csv
var dataFS embed.FS

// ErrNoList means there is no reference list for the requested year.
var ErrNoList = errors.New("no reference list for year")

// Codes is the set of valid kommunenummer and fylkesnummer for one year.
// Lookups are array indexes, cheap enough for every cell of a large file.
type Codes struct {
	// Year is the reference year asked for; 0 means "valid in any year Dele
	// holds a list for".
	Year int
	// ListYears are the years of the lists used.
	ListYears []int
	// Note explains a substitution, such as a later year served by the
	// newest list. Empty when the list is exactly for Year.
	Note string

	kommune [10000]bool
	fylke   [100]bool
	names   map[string]string
}

// list is one embedded file.
type list struct {
	year    int
	kommune map[string]string // kommunenummer → name (may be empty)
	fylke   map[string]bool
}

var lists = mustLoad()

// Years returns the years Dele holds a list for, ascending.
func Years() []int {
	ys := make([]int, 0, len(lists))
	for _, l := range lists {
		ys = append(ys, l.year)
	}
	return ys
}

// ForYear returns the codes valid in year. Year 0 gives the union of all
// lists. Years 2021–2023 use the 2020 list (no changes in that period);
// years after the newest list use the newest list and set Note. Years before
// the oldest list give an error wrapping ErrNoList.
func ForYear(year int) (*Codes, error) {
	c := &Codes{Year: year, names: map[string]string{}}
	if year == 0 {
		for _, l := range lists {
			c.add(l)
		}
		return c, nil
	}
	var use *list
	for i := range lists {
		if lists[i].year <= year {
			use = &lists[i]
		}
	}
	if use == nil {
		return nil, fmt.Errorf("kommunenummer/fylkesnummer for %d: %w (lists: %v)", year, ErrNoList, Years())
	}
	switch {
	case use.year == year:
	case use.year == 2020 && year <= 2023:
		// Documented: no changes 2020-01-01 … 2023-12-31.
	default:
		c.Note = fmt.Sprintf("no list for %d; the %d list is used", year, use.year)
	}
	c.add(*use)
	return c, nil
}

func (c *Codes) add(l list) {
	c.ListYears = append(c.ListYears, l.year)
	for k, name := range l.kommune {
		n, _ := strconv.Atoi(k)
		c.kommune[n] = true
		if name != "" {
			c.names[k] = name
		}
	}
	for f := range l.fylke {
		n, _ := strconv.Atoi(f)
		c.fylke[n] = true
	}
}

// Kommune reports whether s is a valid kommunenummer: exactly four digits
// (with the leading zero) on the list.
func (c *Codes) Kommune(s string) bool {
	if len(s) != 4 {
		return false
	}
	n := 0
	for i := 0; i < 4; i++ {
		d := s[i] - '0'
		if d > 9 {
			return false
		}
		n = n*10 + int(d)
	}
	return c.kommune[n]
}

// Fylke reports whether s is a valid fylkesnummer: exactly two digits (with
// the leading zero) on the list.
func (c *Codes) Fylke(s string) bool {
	if len(s) != 2 {
		return false
	}
	d0, d1 := s[0]-'0', s[1]-'0'
	if d0 > 9 || d1 > 9 {
		return false
	}
	return c.fylke[int(d0)*10+int(d1)]
}

// KommuneName returns the name of a kommunenummer when the list has one.
func (c *Codes) KommuneName(s string) string { return c.names[s] }

// Orgnr reports whether s is a valid Norwegian organisation number: nine
// digits whose last digit is the modulus-11 check digit of the first eight
// with weights 3 2 7 6 5 4 3 2 (a remainder giving check digit 10 is never
// issued).
func Orgnr(s string) bool {
	if len(s) != 9 {
		return false
	}
	weights := [8]int{3, 2, 7, 6, 5, 4, 3, 2}
	sum := 0
	for i := 0; i < 9; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
		if i < 8 {
			sum += int(s[i]-'0') * weights[i]
		}
	}
	check := 11 - sum%11
	if check == 11 {
		check = 0
	}
	return check != 10 && check == int(s[8]-'0')
}

func mustLoad() []list {
	entries, err := dataFS.ReadDir("data")
	if err != nil {
		panic(err)
	}
	var out []list
	for _, e := range entries {
		name := e.Name()
		var year int
		if _, err := fmt.Sscanf(name, "kommuner-%d.csv", &year); err != nil {
			continue
		}
		b, err := dataFS.ReadFile("data/" + name)
		if err != nil {
			panic(err)
		}
		l, err := parseList(year, b)
		if err != nil {
			panic(fmt.Sprintf("noref: embedded %s: %v", name, err))
		}
		out = append(out, l)
	}
	slices.SortFunc(out, func(a, b list) int { return a.year - b.year })
	return out
}

// parseList reads "kommunenummer;fylkesnummer;navn" lines after a header.
func parseList(year int, b []byte) (list, error) {
	l := list{year: year, kommune: map[string]string{}, fylke: map[string]bool{}}
	sc := bufio.NewScanner(bytes.NewReader(b))
	line := 0
	for sc.Scan() {
		line++
		if line == 1 {
			continue
		}
		parts := strings.SplitN(sc.Text(), ";", 3)
		if len(parts) != 3 || len(parts[0]) != 4 || len(parts[1]) != 2 || !strings.HasPrefix(parts[0], parts[1]) {
			return l, fmt.Errorf("line %d: want kommunenummer;fylkesnummer;navn with matching prefixes, got %q", line, sc.Text())
		}
		l.kommune[parts[0]] = parts[2]
		l.fylke[parts[1]] = true
	}
	if len(l.kommune) == 0 {
		return l, fmt.Errorf("empty list")
	}
	return l, sc.Err()
}
