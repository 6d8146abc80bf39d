// Package schedule parses the update schedules of dataset definitions, in
// Amazon EventBridge syntax — rate(5 minutes), rate(1 day),
// cron(0 3 * * ? *) — and tells when a dataset is next due.
//
// The same expressions drive the local CLI and the Lambda dispatcher, and
// translate to a DCAT frequency for the catalog.
package schedule

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Schedule is a parsed EventBridge schedule expression.
type Schedule struct {
	expr string
	// rate schedules
	every time.Duration
	// cron schedules: allowed values per field
	minutes, hours, dom, months, dow [64]bool
	years                            map[int]bool // nil means any
	domAny, dowAny                   bool
}

// String returns the expression as written.
func (s *Schedule) String() string { return s.expr }

// Parse parses an EventBridge rate(...) or cron(...) expression. Cron
// expressions have six fields (minutes hours day-of-month month day-of-week
// year), exactly one of day-of-month and day-of-week must be "?", and the
// special characters L, W and # are not supported.
func Parse(expr string) (*Schedule, error) {
	e := strings.TrimSpace(expr)
	switch {
	case strings.HasPrefix(e, "rate(") && strings.HasSuffix(e, ")"):
		return parseRate(e, e[5:len(e)-1])
	case strings.HasPrefix(e, "cron(") && strings.HasSuffix(e, ")"):
		return parseCron(e, e[5:len(e)-1])
	}
	return nil, fmt.Errorf("schedule %q: want rate(<n> <unit>) or cron(<min> <hour> <day> <month> <weekday> <year>)", expr)
}

func parseRate(expr, body string) (*Schedule, error) {
	parts := strings.Fields(body)
	if len(parts) != 2 {
		return nil, fmt.Errorf("schedule %q: rate needs a number and a unit, e.g. rate(1 day)", expr)
	}
	n, err := strconv.Atoi(parts[0])
	if err != nil || n <= 0 {
		return nil, fmt.Errorf("schedule %q: rate value must be a positive whole number", expr)
	}
	units := map[string]time.Duration{
		"minute": time.Minute, "minutes": time.Minute,
		"hour": time.Hour, "hours": time.Hour,
		"day": 24 * time.Hour, "days": 24 * time.Hour,
	}
	u, ok := units[parts[1]]
	if !ok {
		return nil, fmt.Errorf("schedule %q: unknown rate unit %q (want minute(s), hour(s) or day(s))", expr, parts[1])
	}
	if (n == 1) != !strings.HasSuffix(parts[1], "s") {
		return nil, fmt.Errorf("schedule %q: EventBridge wants the singular unit for 1 and the plural otherwise", expr)
	}
	return &Schedule{expr: expr, every: time.Duration(n) * u}, nil
}

func parseCron(expr, body string) (*Schedule, error) {
	f := strings.Fields(body)
	if len(f) != 6 {
		return nil, fmt.Errorf("schedule %q: cron needs 6 fields (minutes hours day-of-month month day-of-week year), got %d", expr, len(f))
	}
	s := &Schedule{expr: expr}
	if (f[2] == "?") == (f[4] == "?") {
		return nil, fmt.Errorf("schedule %q: exactly one of day-of-month and day-of-week must be ?", expr)
	}
	type spec struct {
		name     string
		text     string
		min, max int
		set      *[64]bool
		names    []string
	}
	months := []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}
	days := []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}
	specs := []spec{
		{"minutes", f[0], 0, 59, &s.minutes, nil},
		{"hours", f[1], 0, 23, &s.hours, nil},
		{"day-of-month", f[2], 1, 31, &s.dom, nil},
		{"month", f[3], 1, 12, &s.months, months},
		{"day-of-week", f[4], 1, 7, &s.dow, days},
	}
	for _, sp := range specs {
		if sp.text == "?" {
			for i := sp.min; i <= sp.max; i++ {
				sp.set[i] = true
			}
			if sp.set == &s.dom {
				s.domAny = true
			} else {
				s.dowAny = true
			}
			continue
		}
		if err := parseField(sp.text, sp.min, sp.max, sp.names, sp.set); err != nil {
			return nil, fmt.Errorf("schedule %q: %s: %v", expr, sp.name, err)
		}
	}
	if f[5] != "*" {
		s.years = map[int]bool{}
		for _, part := range strings.Split(f[5], ",") {
			lo, hi, err := parseRange(part, 1970, 2199, nil)
			if err != nil {
				return nil, fmt.Errorf("schedule %q: year: %v", expr, err)
			}
			for y := lo; y <= hi; y++ {
				s.years[y] = true
			}
		}
	}
	return s, nil
}

func parseField(text string, min, max int, names []string, set *[64]bool) error {
	for _, part := range strings.Split(text, ",") {
		step := 1
		if i := strings.IndexByte(part, '/'); i >= 0 {
			n, err := strconv.Atoi(part[i+1:])
			if err != nil || n <= 0 {
				return fmt.Errorf("bad step in %q", part)
			}
			step, part = n, part[:i]
		}
		lo, hi, err := parseRange(part, min, max, names)
		if err != nil {
			return err
		}
		if step > 1 && !strings.Contains(part, "-") {
			hi = max
		}
		for v := lo; v <= hi; v += step {
			set[v] = true
		}
	}
	return nil
}

func parseRange(part string, min, max int, names []string) (int, int, error) {
	if part == "*" {
		return min, max, nil
	}
	if strings.ContainsAny(part, "LW#") && names == nil || strings.ContainsAny(part, "#") {
		return 0, 0, fmt.Errorf("%q: L, W and # are not supported", part)
	}
	lo, hi := part, part
	if i := strings.IndexByte(part, '-'); i > 0 {
		lo, hi = part[:i], part[i+1:]
	}
	a, err := value(lo, min, max, names)
	if err != nil {
		return 0, 0, err
	}
	b, err := value(hi, min, max, names)
	if err != nil {
		return 0, 0, err
	}
	if a > b {
		return 0, 0, fmt.Errorf("range %q runs backwards", part)
	}
	return a, b, nil
}

func value(s string, min, max int, names []string) (int, error) {
	for i, n := range names {
		if strings.EqualFold(s, n) {
			return min + i, nil
		}
	}
	v, err := strconv.Atoi(s)
	if err != nil || v < min || v > max {
		return 0, fmt.Errorf("%q is not a value between %d and %d", s, min, max)
	}
	return v, nil
}

// Next returns the first time after t (in UTC, at minute precision) when the
// schedule fires. Rate schedules fire every interval counted from the Unix
// epoch, so every process agrees on the ticks. The zero time means never.
func (s *Schedule) Next(t time.Time) time.Time {
	t = t.UTC()
	if s.every > 0 {
		return time.Unix(0, 0).UTC().Add((t.Sub(time.Unix(0, 0))/s.every + 1) * s.every)
	}
	c := t.Truncate(time.Minute).Add(time.Minute)
	limit := c.AddDate(5, 0, 0)
	for c.Before(limit) {
		if s.years != nil && !s.years[c.Year()] {
			c = time.Date(c.Year()+1, 1, 1, 0, 0, 0, 0, time.UTC)
			continue
		}
		if !s.months[int(c.Month())] || !s.dayMatches(c) {
			c = time.Date(c.Year(), c.Month(), c.Day()+1, 0, 0, 0, 0, time.UTC)
			continue
		}
		if !s.hours[c.Hour()] {
			c = time.Date(c.Year(), c.Month(), c.Day(), c.Hour()+1, 0, 0, 0, time.UTC)
			continue
		}
		if !s.minutes[c.Minute()] {
			c = c.Add(time.Minute)
			continue
		}
		return c
	}
	return time.Time{}
}

func (s *Schedule) dayMatches(c time.Time) bool {
	if s.domAny {
		return s.dow[int(c.Weekday())+1] // EventBridge: 1 = Sunday
	}
	return s.dom[c.Day()]
}

// Due reports whether a dataset last run at last is due at now: whether the
// schedule fired after last and not after now. A dataset never run is due.
func (s *Schedule) Due(last, now time.Time) bool {
	if last.IsZero() {
		return true
	}
	n := s.Next(last)
	return !n.IsZero() && !n.After(now)
}

// Frequency returns the EU frequency code closest to the schedule
// (CONT, HOURLY, DAILY, WEEKLY, MONTHLY, ANNUAL, or IRREG).
func (s *Schedule) Frequency() string {
	if s.every > 0 {
		switch {
		case s.every < time.Hour:
			return "CONT"
		case s.every < 24*time.Hour:
			return "HOURLY"
		case s.every < 7*24*time.Hour:
			return "DAILY"
		case s.every < 28*24*time.Hour:
			return "WEEKLY"
		case s.every < 365*24*time.Hour:
			return "MONTHLY"
		}
		return "ANNUAL"
	}
	count := func(a [64]bool, lo, hi int) int {
		n := 0
		for i := lo; i <= hi; i++ {
			if a[i] {
				n++
			}
		}
		return n
	}
	hours, months := count(s.hours, 0, 23), count(s.months, 1, 12)
	switch {
	case hours > 1:
		return "HOURLY"
	case s.domAny && count(s.dow, 1, 7) == 7 || !s.domAny && count(s.dom, 1, 31) == 31:
		return "DAILY"
	case s.domAny:
		return "WEEKLY"
	case months == 12:
		return "MONTHLY"
	case months == 1:
		return "ANNUAL"
	}
	return "IRREG"
}
