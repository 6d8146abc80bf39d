package xlsxsrc

import (
	"strings"

	"github.com/xuri/excelize/v2"
)

// fmtKind is what a number format means for the text we produce.
type fmtKind int

const (
	kindGeneral  fmtKind = iota // show the stored number
	kindDate                    // yyyy-mm-dd
	kindDateTime                // yyyy-mm-ddThh:mm:ss
	kindTime                    // hh:mm:ss
	kindPadded                  // keep the formatted text (leading zeros)
)

// isoCodes are the Excel number formats that render the ISO texts.
var isoCodes = map[fmtKind]string{
	kindDate:     "yyyy-mm-dd",
	kindDateTime: `yyyy-mm-dd"T"hh:mm:ss`,
	kindTime:     "hh:mm:ss",
}

// patchStyles rewrites the workbook's cell formats in memory (the file is
// never saved) so that excelize's formatted values are the texts we want:
// date and time formats become ISO formats, zero-padding formats are kept,
// and every other number format becomes General, whose value cellText then
// replaces by the exact stored number.
func patchStyles(f *excelize.File) error {
	if _, err := f.GetStyle(0); err != nil || f.Styles == nil || f.Styles.CellXfs == nil {
		return nil // no styles: every value is shown as stored
	}
	custom := map[int]string{}
	if f.Styles.NumFmts != nil {
		for _, nf := range f.Styles.NumFmts.NumFmt {
			code := nf.FormatCode
			if nf.FormatCode16 != "" {
				code = nf.FormatCode16
			}
			custom[nf.NumFmtID] = code
		}
	}
	n := len(f.Styles.CellXfs.Xf)
	kinds := make([]fmtKind, n)
	need := map[fmtKind]bool{}
	for i := 0; i < n; i++ {
		id := f.Styles.CellXfs.Xf[i].NumFmtID
		if id == nil {
			continue
		}
		if code, ok := custom[*id]; ok {
			kinds[i] = classifyCode(code)
		} else {
			kinds[i] = classifyBuiltin(*id)
		}
		need[kinds[i]] = true
	}
	ids := map[fmtKind]*int{}
	for k, code := range isoCodes {
		if !need[k] {
			continue
		}
		code := code
		idx, err := f.NewStyle(&excelize.Style{CustomNumFmt: &code})
		if err != nil {
			return err
		}
		ids[k] = f.Styles.CellXfs.Xf[idx].NumFmtID
	}
	general := 0
	for i := 0; i < n; i++ {
		xf := &f.Styles.CellXfs.Xf[i]
		switch kinds[i] {
		case kindPadded:
		case kindGeneral:
			if xf.NumFmtID != nil {
				xf.NumFmtID = &general
			}
		default:
			xf.NumFmtID = ids[kinds[i]]
		}
	}
	return nil
}

// classifyBuiltin classifies Excel's built-in number formats by id.
func classifyBuiltin(id int) fmtKind {
	switch {
	case id >= 14 && id <= 17, id >= 27 && id <= 31, id >= 34 && id <= 36, id >= 50 && id <= 58:
		return kindDate
	case id == 22:
		return kindDateTime
	case id >= 18 && id <= 21, id >= 32 && id <= 33, id >= 45 && id <= 47:
		return kindTime
	}
	return kindGeneral
}

// classifyCode classifies a custom number format code such as
// "dd.mm.yyyy", "0###" or "[<=9999]0000;General".
func classifyCode(code string) fmtKind {
	var date, clock, padded bool
	for _, sec := range splitSections(code) {
		s := stripLiterals(sec)
		ls := strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(s, "AM/PM", ""), "A/P", ""))
		switch {
		case strings.ContainsAny(ls, "yd"):
			date = true
		case strings.ContainsAny(ls, "m") && !strings.ContainsAny(ls, "hs"):
			date = true // m without h or s is a month (mmm, mmmm)
		}
		if strings.ContainsAny(ls, "hs") {
			clock = true
		}
		if zeroPadded(s) {
			padded = true
		}
	}
	switch {
	case date && clock:
		return kindDateTime
	case date:
		return kindDate
	case clock:
		return kindTime
	case padded:
		return kindPadded
	}
	return kindGeneral
}

// zeroPadded reports whether a format section pads the integer part with
// zeros: two or more digit placeholders of which a 0 comes before another
// placeholder (0###, 0#, 0000).
func zeroPadded(sec string) bool {
	if i := strings.IndexAny(sec, ".eE"); i >= 0 {
		sec = sec[:i]
	}
	seenZero := false
	for _, c := range sec {
		switch c {
		case '0':
			if seenZero {
				return true
			}
			seenZero = true
		case '#', '?':
			if seenZero {
				return true
			}
		}
	}
	return false
}

// splitSections splits a format code at semicolons outside quotes.
func splitSections(code string) []string {
	var out []string
	inQuote, start := false, 0
	for i := 0; i < len(code); i++ {
		switch code[i] {
		case '"':
			inQuote = !inQuote
		case '\\':
			i++
		case ';':
			if !inQuote {
				out = append(out, code[start:i])
				start = i + 1
			}
		}
	}
	return append(out, code[start:])
}

// stripLiterals removes quoted text, escaped characters, and bracketed
// conditions, colours and locales ([Red], [<=9999], [$-414]) from a format
// section, keeping elapsed-time brackets ([h], [mm], [ss]) as their letters.
func stripLiterals(sec string) string {
	var b strings.Builder
	for i := 0; i < len(sec); i++ {
		c := sec[i]
		switch c {
		case '"':
			j := strings.IndexByte(sec[i+1:], '"')
			if j < 0 {
				return b.String()
			}
			i += j + 1
		case '\\', '_', '*':
			i++ // the next character is a literal or padding
		case '[':
			j := strings.IndexByte(sec[i:], ']')
			if j < 0 {
				return b.String()
			}
			inner := strings.ToLower(sec[i+1 : i+j])
			if strings.Trim(inner, "hms") == "" {
				b.WriteString(inner)
			}
			i += j
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
