package classify

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"sort"
	"strconv"
	"strings"

	"github.com/dele-opendata/dele/datasets"
)

// Treatment actions.
const (
	ActionDrop       = "drop"
	ActionMask       = "mask"
	ActionHash       = "hash"
	ActionGeneralise = "generalise"
	// ActionKeep keeps a column unchanged and records the steward's reason
	// why it is not personal data. It covers only what a reason can settle:
	// identity numbers that pass the checks at chance level in a column of
	// numeric keys (see Label.ChanceLevel). Everything else found in the
	// column is decided as usual.
	ActionKeep = "keep"
)

// keepPrefix starts the Treated value of a kept column; the reason follows.
const keepPrefix = ActionKeep + ": "

// keepReason returns the reason of a Treated value of a kept column.
func keepReason(treated string) (string, bool) {
	if !strings.HasPrefix(treated, keepPrefix) {
		return "", false
	}
	return treated[len(keepPrefix):], true
}

// MinKeyLen is the shortest HMAC key accepted for the hash treatment, in
// bytes.
const MinKeyLen = 32

// MaskValue replaces every non-empty value of a masked column.
const MaskValue = "***"

// ErrTreatment is returned (wrapped) for a treatment that cannot be set up.
var ErrTreatment = errors.New("invalid treatment")

// ErrGeneralise is returned (wrapped in a *TreatError) for a value that
// cannot be generalised.
var ErrGeneralise = errors.New("value cannot be generalised")

// TreatError is a value that could not be treated.
type TreatError struct {
	Line   int64
	Column string
	Err    error
}

// Error says which line and column could not be treated.
func (e *TreatError) Error() string {
	return fmt.Sprintf("treat line %d column %q: %v", e.Line, e.Column, e.Err)
}

// Unwrap returns the cause, such as ErrGeneralise.
func (e *TreatError) Unwrap() error { return e.Err }

type colTreat struct {
	in     int
	action string
	to     string
	reason string // keep
	mac    hash.Hash
	prefix int
}

// Treater applies a definition's column treatments to each record, before
// the record is scanned or written anywhere public. It is not safe for
// concurrent use.
type Treater struct {
	header []string
	cols   []colTreat // one per output column, in output order
	out    []string
	buf    []byte
}

// generalisation targets
var generaliseTo = []string{"year", "yearmonth", "decade", "prefix1", "prefix2", "prefix3", "birthyear"}

// NewTreater prepares the treatments for records with the given header.
// getenv looks up the hash keys (os.Getenv in production). It returns an
// error naming the column for an unknown column, an unknown action or
// generalisation target, or a missing or short key.
func NewTreater(header []string, treatments map[string]datasets.Treatment, getenv func(string) string) (*Treater, error) {
	names := make([]string, 0, len(treatments))
	for c := range treatments {
		names = append(names, c)
	}
	sort.Strings(names)
	byIndex := map[int]datasets.Treatment{}
	for _, c := range names {
		i := indexOf(header, c)
		if i < 0 {
			return nil, fmt.Errorf("treatment for column %q: %w: no such column (columns: %s)", c, ErrTreatment, strings.Join(header, ", "))
		}
		byIndex[i] = treatments[c]
	}
	t := &Treater{}
	for i, h := range header {
		tr, ok := byIndex[i]
		ct := colTreat{in: i}
		if ok {
			ct.action = tr.Action
			switch tr.Action {
			case ActionDrop:
				continue
			case ActionKeep:
				ct.reason = strings.Join(strings.Fields(tr.Reason), " ")
				if ct.reason == "" {
					return nil, fmt.Errorf("treatment for column %q: %w: keep needs a reason: why the column is not personal data", h, ErrTreatment)
				}
			case ActionMask:
			case ActionHash:
				if tr.KeyEnv == "" {
					return nil, fmt.Errorf("treatment for column %q: %w: hash needs keyEnv, the environment variable holding the secret key", h, ErrTreatment)
				}
				key := getenv(tr.KeyEnv)
				if key == "" {
					return nil, fmt.Errorf("treatment for column %q: %w: environment variable %s (the hash key) is not set", h, ErrTreatment, tr.KeyEnv)
				}
				if len(key) < MinKeyLen {
					return nil, fmt.Errorf("treatment for column %q: %w: the key in %s is %d bytes; at least %d are needed", h, ErrTreatment, tr.KeyEnv, len(key), MinKeyLen)
				}
				ct.mac = hmac.New(sha256.New, []byte(key))
			case ActionGeneralise:
				ct.to = tr.To
				switch {
				case tr.To == "year" || tr.To == "yearmonth" || tr.To == "decade" || tr.To == "birthyear":
				case strings.HasPrefix(tr.To, "prefix"):
					n, err := strconv.Atoi(tr.To[len("prefix"):])
					if err != nil || n < 1 || n > 9 {
						return nil, fmt.Errorf("treatment for column %q: %w: generalise to %q: want prefix1…prefix9", h, ErrTreatment, tr.To)
					}
					ct.prefix = n
				default:
					return nil, fmt.Errorf("treatment for column %q: %w: generalise to %q: want one of %s", h, ErrTreatment, tr.To, strings.Join(generaliseTo, ", "))
				}
			default:
				return nil, fmt.Errorf("treatment for column %q: %w: unknown action %q (drop, mask, hash, generalise, keep)", h, ErrTreatment, tr.Action)
			}
		}
		t.header = append(t.header, h)
		t.cols = append(t.cols, ct)
	}
	t.out = make([]string, len(t.cols))
	return t, nil
}

// Header returns the output header: the input header without dropped
// columns.
func (t *Treater) Header() []string { return append([]string(nil), t.header...) }

// Treated maps each output column that was masked, hashed, generalised or
// kept to its action, for Options.Treated. A kept column maps to "keep: "
// followed by the steward's reason, which the scanner carries into the
// report.
func (t *Treater) Treated() map[string]string {
	m := map[string]string{}
	for i, c := range t.cols {
		switch c.action {
		case "":
		case ActionKeep:
			m[t.header[i]] = keepPrefix + c.reason
		default:
			m[t.header[i]] = c.action
		}
	}
	return m
}

// Apply treats one record. The returned slice is reused by the next call.
// Empty values stay empty. The output has exactly the columns of Header:
// fields beyond the header are not part of it (source readers report
// ragged rows), and a record with fewer fields is padded with empty values.
func (t *Treater) Apply(line int64, fields []string) ([]string, error) {
	for i, c := range t.cols {
		v := ""
		if c.in < len(fields) {
			v = fields[c.in]
		}
		if v == "" || c.action == "" || c.action == ActionKeep {
			t.out[i] = v
			continue
		}
		switch c.action {
		case ActionMask:
			t.out[i] = MaskValue
		case ActionHash:
			c.mac.Reset()
			c.mac.Write([]byte(v))
			t.buf = c.mac.Sum(t.buf[:0])
			t.out[i] = hex.EncodeToString(t.buf)
		case ActionGeneralise:
			g, err := generalise(v, c)
			if err != nil {
				return nil, &TreatError{Line: line, Column: t.header[i], Err: err}
			}
			t.out[i] = g
		}
	}
	return t.out, nil
}

// generalise coarsens one value.
func generalise(v string, c colTreat) (string, error) {
	v = strings.TrimSpace(v)
	if c.prefix > 0 {
		if len(v) < c.prefix {
			return "", fmt.Errorf("%w: %d characters, prefix%d needs at least %d", ErrGeneralise, len(v), c.prefix, c.prefix)
		}
		return v[:c.prefix], nil
	}
	if c.to == "birthyear" {
		y, err := birthYear(v)
		if err != nil {
			return "", err
		}
		return strconv.Itoa(y), nil
	}
	y, m, err := yearMonth(v)
	if err != nil {
		return "", err
	}
	switch c.to {
	case "year":
		return fmt.Sprintf("%04d", y), nil
	case "yearmonth":
		if m == 0 {
			return "", fmt.Errorf("%w: no month in the value", ErrGeneralise)
		}
		return fmt.Sprintf("%04d-%02d", y, m), nil
	default: // decade
		return fmt.Sprintf("%04d", y/10*10), nil
	}
}

func atoi(s string) (int, bool) {
	if s == "" {
		return 0, false
	}
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// yearMonth reads the year and month of a date or date-time:
// YYYY-MM-DD[...], DD.MM.YYYY, YYYYMMDD, YYYY-MM or YYYY. Month is 0 for a
// bare year.
func yearMonth(v string) (year, month int, err error) {
	bad := fmt.Errorf("%w: not a date (want YYYY-MM-DD, DD.MM.YYYY, YYYYMMDD, YYYY-MM or YYYY)", ErrGeneralise)
	switch {
	case len(v) >= 7 && v[4] == '-':
		y, ok1 := atoi(v[:4])
		m, ok2 := atoi(v[5:7])
		if !ok1 || !ok2 || m < 1 || m > 12 {
			return 0, 0, bad
		}
		return y, m, nil
	case len(v) == 10 && v[2] == '.' && v[5] == '.':
		m, ok1 := atoi(v[3:5])
		y, ok2 := atoi(v[6:])
		if !ok1 || !ok2 || m < 1 || m > 12 {
			return 0, 0, bad
		}
		return y, m, nil
	case len(v) == 8:
		y, ok1 := atoi(v[:4])
		m, ok2 := atoi(v[4:6])
		if !ok1 || !ok2 || m < 1 || m > 12 {
			return 0, 0, bad
		}
		return y, m, nil
	case len(v) == 4:
		y, ok := atoi(v)
		if !ok {
			return 0, 0, bad
		}
		return y, 0, nil
	}
	return 0, 0, bad
}

// birthYear reads the birth year of a fødselsnummer or D-/H-nummer (with or
// without a space after the date), or of a date.
func birthYear(v string) (int, error) {
	d := strings.ReplaceAll(v, " ", "")
	if len(d) == 11 {
		if idKind([]byte(d)) == "" {
			return 0, fmt.Errorf("%w: 11 digits but not a valid identity number", ErrGeneralise)
		}
		yy, _ := atoi(d[4:6])
		indiv, _ := atoi(d[6:9])
		switch {
		case indiv <= 499:
			return 1900 + yy, nil
		case indiv <= 749 && yy >= 54:
			return 1800 + yy, nil
		case indiv >= 500 && yy <= 39:
			return 2000 + yy, nil
		default:
			return 1900 + yy, nil
		}
	}
	y, _, err := yearMonth(v)
	return y, err
}
