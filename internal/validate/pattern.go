package validate

import (
	"regexp"
	"regexp/syntax"
)

// matcher checks a pattern constraint. Patterns of the common form
// "^[0-9]{n}$" or "\d{n,m}" (digits only, a length range) are checked
// without the regexp engine; everything else uses package regexp, anchored
// at both ends as Table Schema requires.
type matcher struct {
	re             *regexp.Regexp
	digits         bool
	minLen, maxLen int // for digits; maxLen -1 means unbounded
	source         string
}

func compilePattern(pat string) (*matcher, error) {
	re, err := regexp.Compile("^(?:" + pat + ")$")
	if err != nil {
		return nil, err
	}
	m := &matcher{re: re, source: pat}
	if lo, hi, ok := digitRun(pat); ok {
		m.digits, m.minLen, m.maxLen = true, lo, hi
	}
	return m, nil
}

// digitRun recognises a pattern that is only a run of ASCII digits with a
// length range, optionally anchored: ^[0-9]{4}$, \d{9}, [0-9]+.
func digitRun(pat string) (lo, hi int, ok bool) {
	re, err := syntax.Parse(pat, syntax.Perl)
	if err != nil {
		return 0, 0, false
	}
	subs := []*syntax.Regexp{re}
	if re.Op == syntax.OpConcat {
		subs = re.Sub
	}
	if len(subs) > 0 && (subs[0].Op == syntax.OpBeginText || subs[0].Op == syntax.OpBeginLine) {
		subs = subs[1:]
	}
	if len(subs) > 0 && (subs[len(subs)-1].Op == syntax.OpEndText || subs[len(subs)-1].Op == syntax.OpEndLine) {
		subs = subs[:len(subs)-1]
	}
	if len(subs) != 1 {
		return 0, 0, false
	}
	r := subs[0]
	switch r.Op {
	case syntax.OpRepeat:
		lo, hi = r.Min, r.Max
	case syntax.OpPlus:
		lo, hi = 1, -1
	case syntax.OpStar:
		lo, hi = 0, -1
	case syntax.OpCharClass:
		lo, hi = 1, 1
		r = &syntax.Regexp{Sub: []*syntax.Regexp{r}}
	default:
		return 0, 0, false
	}
	if len(r.Sub) != 1 {
		return 0, 0, false
	}
	c := r.Sub[0]
	if c.Op != syntax.OpCharClass || len(c.Rune) != 2 || c.Rune[0] != '0' || c.Rune[1] != '9' {
		return 0, 0, false
	}
	return lo, hi, true
}

// match reports whether the whole of s matches.
func (m *matcher) match(s string) bool {
	if !m.digits {
		return m.re.MatchString(s)
	}
	if len(s) < m.minLen || (m.maxLen >= 0 && len(s) > m.maxLen) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
