package validate

import (
	"math"
	"strconv"
	"unicode/utf8"
)

// The parsers below are the hot path of the validate stage: they run once
// per cell. They are hand-written, use no regular expressions and do not
// allocate.

// numFormat says how numbers are written: the decimal separator and an
// optional thousands separator (0 for none).
type numFormat struct {
	decimal rune
	group   rune
}

// parseInt parses an optionally signed decimal integer, with group
// characters between digit groups when f.group is set. It rejects empty
// input, a lone sign, and overflow.
func parseInt(s string, group rune) (int64, bool) {
	if s == "" {
		return 0, false
	}
	i := 0
	neg := false
	if s[0] == '-' || s[0] == '+' {
		neg = s[0] == '-'
		i = 1
	}
	if i == len(s) {
		return 0, false
	}
	var n uint64
	run, grouped := 0, false // digits since the last group separator
	for i < len(s) {
		c := s[i]
		if c >= '0' && c <= '9' {
			if n > (math.MaxUint64-9)/10 {
				return 0, false
			}
			n = n*10 + uint64(c-'0')
			run++
			i++
			continue
		}
		if group == 0 || !groupOK(run, grouped) {
			return 0, false
		}
		run, grouped = 0, true
		r, size := rune(c), 1
		if c >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(s[i:])
		}
		if r != group {
			return 0, false
		}
		i += size
	}
	if grouped && run != 3 {
		return 0, false
	}
	if neg {
		if n > 1<<63 {
			return 0, false
		}
		return -int64(n), true
	}
	if n > math.MaxInt64 {
		return 0, false
	}
	return int64(n), true
}

// groupOK reports whether a group separator may follow run digits: the
// first group has one to three digits, the others exactly three.
func groupOK(run int, grouped bool) bool {
	if grouped {
		return run == 3
	}
	return run >= 1 && run <= 3
}

// pow10 holds the powers of ten that are exact in float64.
var pow10 = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
	1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22}

// parseNumber parses a decimal number written with f's separators: an
// optional sign, digits (with group separators when set), an optional
// decimal part and, for "." decimals, an optional exponent. NaN, INF and
// -INF (any case) are accepted as in Table Schema. Results are correctly
// rounded: the common case (up to 15 significant digits) is computed
// exactly, the rest goes through strconv.
func parseNumber(s string, f numFormat) (float64, bool) {
	if s == "" {
		return 0, false
	}
	i := 0
	neg := false
	if s[0] == '-' || s[0] == '+' {
		neg = s[0] == '-'
		i = 1
	}
	if i == len(s) {
		return 0, false
	}
	if c := s[i] | 0x20; c == 'n' || c == 'i' {
		return parseSpecial(s[i:], neg, i > 0)
	}
	var mant uint64
	sig, exp10, digitsSeen := 0, 0, 0
	slow := false
	// Integer part, with group separators.
	run, grouped := 0, false
	for i < len(s) {
		d := s[i] - '0'
		if d <= 9 {
			if sig < 19 {
				mant = mant*10 + uint64(d)
				if mant != 0 {
					sig++
				}
			} else {
				exp10++
				slow = true
			}
			run++
			i++
			continue
		}
		if f.group == 0 || !groupOK(run, grouped) {
			break
		}
		n := sepAt(s, i, f.group)
		if n == 0 {
			break
		}
		i += n
		run, grouped = 0, true
	}
	if grouped && run != 3 {
		return 0, false
	}
	digitsSeen = run
	if grouped {
		digitsSeen = 1
	}
	// Decimal part.
	if i < len(s) {
		if n := sepAt(s, i, f.decimal); n > 0 {
			i += n
			frac := 0
			for i < len(s) {
				d := s[i] - '0'
				if d > 9 {
					break
				}
				if sig < 19 {
					mant = mant*10 + uint64(d)
					if mant != 0 {
						sig++
					}
					exp10--
				} else {
					slow = true
				}
				frac++
				i++
			}
			if frac == 0 && digitsSeen == 0 {
				return 0, false
			}
			digitsSeen += frac
		}
	}
	if digitsSeen == 0 {
		return 0, false
	}
	if i < len(s) {
		// Only an exponent may follow, for "." decimals without groups;
		// exponents are rare, so strconv handles the whole value.
		if (s[i] == 'e' || s[i] == 'E') && f.decimal == '.' && f.group == 0 {
			v, err := strconv.ParseFloat(s, 64)
			return v, err == nil
		}
		return 0, false
	}
	if !slow && sig <= 15 && exp10 >= -22 {
		v := float64(mant) / pow10[-exp10]
		if neg {
			v = -v
		}
		return v, true
	}
	return parseSlow(s, f)
}

// sepAt returns the length of separator r at s[i], or 0.
func sepAt(s string, i int, r rune) int {
	if r < utf8.RuneSelf {
		if s[i] == byte(r) {
			return 1
		}
		return 0
	}
	if s[i] < utf8.RuneSelf {
		return 0
	}
	if c, n := utf8.DecodeRuneInString(s[i:]); c == r {
		return n
	}
	return 0
}

// parseSlow rewrites s in a stack buffer without group characters and with a
// "." decimal point, then calls strconv.
func parseSlow(s string, f numFormat) (float64, bool) {
	var buf [64]byte
	b := buf[:0]
	for _, r := range s {
		switch {
		case r == f.group && f.group != 0:
		case r == f.decimal:
			b = append(b, '.')
		default:
			b = utf8.AppendRune(b, r)
		}
	}
	v, err := strconv.ParseFloat(string(b), 64)
	return v, err == nil
}

// parseSpecial parses NaN and Inf after an optional sign; NaN takes none.
func parseSpecial(s string, neg, signed bool) (float64, bool) {
	switch {
	case len(s) == 3 && s[0]|0x20 == 'n' && s[1]|0x20 == 'a' && s[2]|0x20 == 'n' && !signed:
		return math.NaN(), true
	case len(s) == 3 && s[0]|0x20 == 'i' && s[1]|0x20 == 'n' && s[2]|0x20 == 'f':
		if neg {
			return math.Inf(-1), true
		}
		return math.Inf(1), true
	}
	return 0, false
}

// Date formats understood by the parsers. formatDMY is the Norwegian
// dd.mm.yyyy, written as a Table Schema (strptime) pattern.
const (
	formatDefault  = "default"
	formatAny      = "any"
	formatDMY      = "%d.%m.%Y"
	formatISOSpace = "%Y-%m-%d %H:%M:%S"
)

// daysFromCivil returns the days since 1970-01-01 of a proleptic Gregorian
// date (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

func daysIn(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// digits parses s[i:i+n] as an unsigned decimal number.
func digits(s string, i, n int) (int, bool) {
	if i+n > len(s) {
		return 0, false
	}
	v := 0
	for _, c := range []byte(s[i : i+n]) {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// parseISODate parses YYYY-MM-DD.
func parseISODate(s string) (int64, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, false
	}
	y0, y1, y2, y3 := s[0]-'0', s[1]-'0', s[2]-'0', s[3]-'0'
	m0, m1, d0, d1 := s[5]-'0', s[6]-'0', s[8]-'0', s[9]-'0'
	if y0 > 9 || y1 > 9 || y2 > 9 || y3 > 9 || m0 > 9 || m1 > 9 || d0 > 9 || d1 > 9 {
		return 0, false
	}
	y := int(y0)*1000 + int(y1)*100 + int(y2)*10 + int(y3)
	m, d := int(m0)*10+int(m1), int(d0)*10+int(d1)
	if m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, false
	}
	return daysFromCivil(y, m, d), true
}

// parseDMY parses dd.mm.yyyy, also accepting one-digit days and months
// (1.2.2020), as Norwegian spreadsheets write them.
func parseDMY(s string) (int64, bool) {
	if len(s) < 8 || len(s) > 10 {
		return 0, false
	}
	i := 0
	d, m := 0, 0
	for part := 0; part < 2; part++ {
		v, n := 0, 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' && n < 2 {
			v = v*10 + int(s[i]-'0')
			i++
			n++
		}
		if n == 0 || i >= len(s) || s[i] != '.' {
			return 0, false
		}
		i++
		if part == 0 {
			d = v
		} else {
			m = v
		}
	}
	if len(s)-i != 4 {
		return 0, false
	}
	y, ok := digits(s, i, 4)
	if !ok || m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, false
	}
	return daysFromCivil(y, m, d), true
}

// parseDate parses a date in the given Table Schema format.
func parseDate(s, format string) (int64, bool) {
	switch format {
	case "", formatDefault:
		return parseISODate(s)
	case formatDMY:
		return parseDMY(s)
	case formatAny:
		if v, ok := parseISODate(s); ok {
			return v, true
		}
		return parseDMY(s)
	}
	return 0, false
}

// parseDateTime parses ISO 8601 date-times, YYYY-MM-DDThh:mm:ss with
// optional fractional seconds (up to microseconds) and an optional zone (Z
// or ±hh:mm), or the same with a space instead of T. Values without a zone
// are taken as UTC. The result is microseconds since the Unix epoch.
func parseDateTime(s string) (int64, bool) {
	if len(s) < 19 || (s[10] != 'T' && s[10] != ' ') {
		return 0, false
	}
	days, ok := parseISODate(s[:10])
	if !ok || s[13] != ':' || s[16] != ':' {
		return 0, false
	}
	hh, ok1 := digits(s, 11, 2)
	mm, ok2 := digits(s, 14, 2)
	ss, ok3 := digits(s, 17, 2)
	if !ok1 || !ok2 || !ok3 || hh > 23 || mm > 59 || ss > 59 {
		return 0, false
	}
	us := int64(0)
	i := 19
	if i < len(s) && s[i] == '.' {
		i++
		n := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if n < 6 {
				us = us*10 + int64(s[i]-'0')
			}
			n++
			i++
		}
		if n == 0 {
			return 0, false
		}
		for ; n < 6; n++ {
			us *= 10
		}
	}
	offset := 0
	if i < len(s) {
		switch s[i] {
		case 'Z':
			if i+1 != len(s) {
				return 0, false
			}
		case '+', '-':
			if len(s)-i != 6 || s[i+3] != ':' {
				return 0, false
			}
			oh, ok1 := digits(s, i+1, 2)
			om, ok2 := digits(s, i+4, 2)
			if !ok1 || !ok2 || oh > 23 || om > 59 {
				return 0, false
			}
			offset = oh*60 + om
			if s[i] == '-' {
				offset = -offset
			}
		default:
			return 0, false
		}
	}
	secs := days*86400 + int64(hh*3600+mm*60+ss) - int64(offset*60)
	return secs*1_000_000 + us, true
}

// parseTime checks hh:mm:ss or hh:mm.
func parseTime(s string) bool {
	if len(s) != 5 && len(s) != 8 {
		return false
	}
	hh, ok1 := digits(s, 0, 2)
	mm, ok2 := digits(s, 3, 2)
	if !ok1 || !ok2 || s[2] != ':' || hh > 23 || mm > 59 {
		return false
	}
	if len(s) == 8 {
		ss, ok := digits(s, 6, 2)
		return ok && s[5] == ':' && ss <= 59
	}
	return true
}

// parseYearMonth checks YYYY-MM.
func parseYearMonth(s string) bool {
	if len(s) != 7 || s[4] != '-' {
		return false
	}
	_, ok := digits(s, 0, 4)
	m, ok2 := digits(s, 5, 2)
	return ok && ok2 && m >= 1 && m <= 12
}

// parseYear parses a four-digit year.
func parseYear(s string) (int64, bool) {
	if len(s) != 4 {
		return 0, false
	}
	y, ok := digits(s, 0, 4)
	return int64(y), ok
}

// parseBool accepts the Table Schema defaults (true/false in any case, 1/0)
// and the Norwegian ja/nei (any case).
func parseBool(s string) (value, ok bool) {
	switch len(s) {
	case 1:
		switch s[0] {
		case '1':
			return true, true
		case '0':
			return false, true
		}
	case 2:
		if s[0]|0x20 == 'j' && s[1]|0x20 == 'a' {
			return true, true
		}
	case 3:
		if s[0]|0x20 == 'n' && s[1]|0x20 == 'e' && s[2]|0x20 == 'i' {
			return false, true
		}
	case 4:
		if s[0]|0x20 == 't' && s[1]|0x20 == 'r' && s[2]|0x20 == 'u' && s[3]|0x20 == 'e' {
			return true, true
		}
	case 5:
		if s[0]|0x20 == 'f' && s[1]|0x20 == 'a' && s[2]|0x20 == 'l' && s[3]|0x20 == 's' && s[4]|0x20 == 'e' {
			return false, true
		}
	}
	return false, false
}

// parseGeoPoint checks "lat,lon" (Table Schema default format), allowing a
// space after the comma.
func parseGeoPoint(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == ',' {
			rest := s[i+1:]
			if len(rest) > 0 && rest[0] == ' ' {
				rest = rest[1:]
			}
			lat, ok1 := parseNumber(s[:i], numFormat{decimal: '.'})
			lon, ok2 := parseNumber(rest, numFormat{decimal: '.'})
			return ok1 && ok2 && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180
		}
	}
	return false
}

// parseDuration checks an ISO 8601 duration such as P1Y2M3DT4H5M6S.
func parseDuration(s string) bool {
	if len(s) < 2 || s[0] != 'P' {
		return false
	}
	inTime, num, any := false, false, false
	for i := 1; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9' || (c == '.' && num):
			num = true
		case c == 'T' && !inTime && !num:
			inTime = true
		case num && (c == 'Y' || c == 'D' || c == 'W' || (c == 'M') || (inTime && (c == 'H' || c == 'S'))):
			num, any = false, true
		default:
			return false
		}
	}
	return any && !num
}
