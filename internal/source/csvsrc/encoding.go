package csvsrc

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/ianaindex"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// Canonical encoding names used in reports and accepted in definitions.
const (
	UTF8        = "utf-8"
	UTF16LE     = "utf-16le"
	UTF16BE     = "utf-16be"
	Windows1252 = "windows-1252"
	ISO88591    = "iso-8859-1"
)

// encodingOf returns the decoder for a canonical or IANA encoding name; nil
// for UTF-8, which is read as is.
func encodingOf(name string) (string, encoding.Encoding, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "utf-8", "utf8", "utf-8-sig", "utf-8-bom":
		return UTF8, nil, nil
	case "utf-16le", "utf16le", "utf-16", "ucs-2le":
		return UTF16LE, unicode.UTF16(unicode.LittleEndian, unicode.IgnoreBOM), nil
	case "utf-16be", "utf16be", "ucs-2be":
		return UTF16BE, unicode.UTF16(unicode.BigEndian, unicode.IgnoreBOM), nil
	case "windows-1252", "cp1252", "win1252", "ansi":
		return Windows1252, charmap.Windows1252, nil
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1":
		return ISO88591, charmap.ISO8859_1, nil
	}
	e, err := ianaindex.IANA.Encoding(name)
	if err != nil || e == nil {
		return "", nil, fmt.Errorf("unknown encoding %q (use utf-8, utf-16le, utf-16be, windows-1252 or iso-8859-1)", name)
	}
	n, _ := ianaindex.IANA.Name(e)
	return strings.ToLower(n), e, nil
}

// bomOf returns the encoding and length of a byte-order mark at the start of
// b, or "" and 0.
func bomOf(b []byte) (string, int) {
	switch {
	case bytes.HasPrefix(b, []byte{0xEF, 0xBB, 0xBF}):
		return UTF8, 3
	case bytes.HasPrefix(b, []byte{0xFF, 0xFE}):
		return UTF16LE, 2
	case bytes.HasPrefix(b, []byte{0xFE, 0xFF}):
		return UTF16BE, 2
	}
	return "", 0
}

// utf16NoBOM recognises UTF-16 text without a byte-order mark by its zero
// bytes: mostly-ASCII text in UTF-16LE has a zero in nearly every odd
// position and almost none in even positions (the reverse for BE).
func utf16NoBOM(b []byte) string {
	n := min(len(b), 8192) &^ 1
	if n < 4 {
		return ""
	}
	var even, odd int
	for i := 0; i < n; i += 2 {
		if b[i] == 0 {
			even++
		}
		if b[i+1] == 0 {
			odd++
		}
	}
	half := n / 2
	switch {
	case odd*10 >= half*3 && even*20 <= odd:
		return UTF16LE
	case even*10 >= half*3 && odd*20 <= even:
		return UTF16BE
	}
	return ""
}

// binarySigs are the starts of binary files a CSV source is often
// mistaken for.
var binarySigs = []struct {
	magic []byte
	what  string
}{
	{[]byte("PK\x03\x04"), "a ZIP archive (an Excel .xlsx workbook? use source type xlsx)"},
	{[]byte{0xD0, 0xCF, 0x11, 0xE0}, "an old Excel/Office .xls file"},
	{[]byte("%PDF"), "a PDF document"},
	{[]byte{0x1F, 0x8B}, "a gzip archive"},
	{[]byte("PAR1"), "a Parquet file"},
	{[]byte("\x89PNG"), "a PNG image"},
	{[]byte{0xFF, 0xD8, 0xFF}, "a JPEG image"},
}

// sniffBinary returns an error when b is clearly not text: a known binary
// signature, NUL bytes, or many control characters.
func sniffBinary(b []byte) error {
	for _, s := range binarySigs {
		if bytes.HasPrefix(b, s.magic) {
			return fmt.Errorf("%w: the content is %s, not text", errWrongFormat, s.what)
		}
	}
	return sniffControl(b, true)
}

// sniffDeclaredBinary is the check for a file declared to be text in a
// given encoding: only what text never holds counts — a NUL byte, or a
// binary signature with bytes that are not printable ASCII — not a header
// that happens to read "%PDF" or a few control characters in cells.
func sniffDeclaredBinary(b []byte) error {
	for _, s := range binarySigs {
		if bytes.HasPrefix(b, s.magic) && bytes.ContainsFunc(s.magic, func(r rune) bool { return r < 0x20 || r >= 0x7F }) {
			return fmt.Errorf("%w: the content is %s, not text", errWrongFormat, s.what)
		}
	}
	return sniffControl(b, false)
}

// sniffControl returns an error for a NUL byte in the first 8 KiB of b,
// and, when ratio is set, for more than 1 % control bytes there.
func sniffControl(b []byte, ratio bool) error {
	n := min(len(b), 8192)
	var ctl int
	for i := 0; i < n; i++ {
		c := b[i]
		if c == 0 {
			return fmt.Errorf("%w: binary content (NUL byte at offset %d), not a text file", errWrongFormat, i)
		}
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x1A {
			ctl++
		}
	}
	if ratio && n > 0 && ctl*100 > n {
		return fmt.Errorf("%w: binary content (%d control bytes in the first %d), not a text file", errWrongFormat, ctl, n)
	}
	return nil
}

// sampleStats is the encoding evidence of a sample alone, allowing an
// incomplete rune at its end when more input follows.
func sampleStats(b []byte, atEOF bool) *scanStats {
	if !atEOF {
		for k := 1; k <= 3 && k <= len(b); k++ {
			if utf8.RuneStart(b[len(b)-k]) {
				if !utf8.FullRune(b[len(b)-k:]) {
					b = b[:len(b)-k]
				}
				break
			}
		}
	}
	st := &scanStats{c1: hasC1(b)}
	if !utf8.Valid(b) {
		st.invalidUTF8 = true
		st.countMixed(b)
	}
	return st
}

// hasC1 reports whether b has a byte in 0x80–0x9F: printable characters in
// Windows-1252 (€, š, ž, “, …) but unused control codes in ISO-8859-1.
func hasC1(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 && c <= 0x9F {
			return true
		}
	}
	return false
}

// eightBit chooses between Windows-1252 and ISO-8859-1 for non-UTF-8 text.
func eightBit(c1 bool) string {
	if c1 {
		return Windows1252
	}
	return ISO88591
}

// scanStats is what a pass over the whole raw file found.
type scanStats struct {
	invalidUTF8 bool
	c1          bool
	// validMultibyte is set when a chunk without invalid bytes has
	// non-ASCII (so real UTF-8) text; mbRunes and badBytes count valid
	// multi-byte runes and invalid bytes in the chunks with invalid bytes.
	validMultibyte    bool
	mbRunes, badBytes int64
	// backslashQuotes counts \" followed by something other than a field or
	// line end: a quote escaped with a backslash inside a field.
	backslashQuotes int
	size            int64
}

// prescan reads all of r (the raw bytes), feeding w (a hash) when not nil,
// and collects encoding and escaping evidence that a sample cannot give.
func prescan(r io.Reader, w io.Writer) (scanStats, error) {
	var st scanStats
	const size = 1 << 20
	buf := make([]byte, size)
	carry := 0
	var prevBackslash bool
	feed := func([]byte) {}
	if w != nil {
		// w (a hash) runs in its own goroutine beside the checks below,
		// on copies in two recycled buffers.
		full, free := make(chan []byte, 2), make(chan []byte, 2)
		free <- make([]byte, 0, size)
		free <- make([]byte, 0, size)
		done := make(chan struct{})
		go func() {
			defer close(done)
			for b := range full {
				w.Write(b)
				free <- b[:0]
			}
		}()
		feed = func(p []byte) { full <- append(<-free, p...) }
		defer func() { close(full); <-done }()
	}
	for {
		n, err := io.ReadFull(r, buf[carry:])
		if n > 0 {
			feed(buf[carry : carry+n])
		}
		st.size += int64(n)
		end := carry + n
		atEOF := err != nil
		chunk := buf[:end]
		// UTF-8 validity, carrying an incomplete rune to the next chunk.
		cut := end
		if !atEOF {
			for k := 1; k <= 3 && k <= end; k++ {
				if utf8.RuneStart(chunk[end-k]) {
					if !utf8.FullRune(chunk[end-k:]) {
						cut = end - k
					}
					break
				}
			}
		}
		if utf8.Valid(chunk[:cut]) {
			if !st.validMultibyte && hasHigh(chunk[:cut]) {
				st.validMultibyte = true
			}
		} else {
			st.invalidUTF8 = true
			st.countMixed(chunk[:cut])
		}
		if st.invalidUTF8 && !st.c1 && hasC1(chunk[carry:end]) {
			st.c1 = true
		}
		// Backslash-escaped quotes; the new bytes only (carry was seen).
		fresh := chunk[carry:end]
		if prevBackslash && len(fresh) > 0 && fresh[0] == '"' && len(fresh) > 1 && !fieldEnd(fresh[1]) {
			st.backslashQuotes++
		}
		for i := 0; ; {
			j := bytes.Index(fresh[i:], []byte(`\"`))
			if j < 0 {
				break
			}
			k := i + j + 2
			if k < len(fresh) && !fieldEnd(fresh[k]) {
				st.backslashQuotes++
			}
			i = k
		}
		if len(fresh) > 0 {
			prevBackslash = fresh[len(fresh)-1] == '\\'
		}
		if atEOF {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return st, nil
			}
			return st, err
		}
		carry = copy(buf, chunk[cut:end])
	}
}

// fieldEnd reports whether c ends a field in any candidate dialect.
func fieldEnd(c byte) bool {
	switch c {
	case ';', ',', '\t', '|', '\n', '\r':
		return true
	}
	return false
}

// countMixed counts valid multi-byte runes and invalid bytes in b.
func (st *scanStats) countMixed(b []byte) {
	for len(b) > 0 {
		if b[0] < utf8.RuneSelf {
			b = b[1:]
			continue
		}
		r, n := utf8.DecodeRune(b)
		if r == utf8.RuneError && n == 1 {
			st.badBytes++
		} else {
			st.mbRunes++
		}
		b = b[n:]
	}
}

// mixed reports whether a file with invalid UTF-8 is mostly UTF-8 with some
// 8-bit bytes (two exports concatenated, or a hand-edited line) rather
// than an 8-bit file: real UTF-8 elsewhere, or many valid multi-byte runes
// next to the invalid bytes. Latin-1 text seldom forms valid UTF-8.
func (st *scanStats) mixed() bool {
	return st.invalidUTF8 && (st.validMultibyte || st.mbRunes >= 2 && st.mbRunes*20 >= st.badBytes)
}

// hasHigh reports whether b has a byte of 0x80 or more, eight at a time.
func hasHigh(b []byte) bool {
	for len(b) >= 8 {
		if binary.LittleEndian.Uint64(b)&0x8080808080808080 != 0 {
			return true
		}
		b = b[8:]
	}
	for _, c := range b {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

// repairUTF8 returns s with every byte that is not part of valid UTF-8
// decoded as Windows-1252, so no invalid UTF-8 leaves the reader.
func repairUTF8(s string) string {
	b := make([]byte, 0, len(s)+8)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			b = utf8.AppendRune(b, charmap.Windows1252.DecodeByte(s[i]))
		} else {
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return string(b)
}

// utf8Guard passes bytes through and records whether any of them are not
// valid UTF-8, checking whole chunks at a time (a rune split between two
// reads is completed first). Records are then checked one by one only
// once the guard has seen a bad byte.
type utf8Guard struct {
	r     io.Reader
	tail  [utf8.UTFMax]byte
	ntail int
	bad   bool
}

func (g *utf8Guard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if !g.bad {
		g.check(p[:n], err != nil)
	}
	return n, err
}

func (g *utf8Guard) check(b []byte, atEOF bool) {
	if g.ntail > 0 && len(b) > 0 {
		var buf [2 * utf8.UTFMax]byte
		m := copy(buf[:], g.tail[:g.ntail])
		m += copy(buf[m:], b[:min(len(b), utf8.UTFMax)])
		if !utf8.FullRune(buf[:m]) {
			if m >= utf8.UTFMax || atEOF {
				g.bad = true
				return
			}
			g.ntail = copy(g.tail[:], buf[:m])
			return
		}
		r, size := utf8.DecodeRune(buf[:m])
		if r == utf8.RuneError && size == 1 {
			g.bad = true
			return
		}
		b = b[size-g.ntail:]
		g.ntail = 0
	}
	cut := len(b)
	for k := 1; k <= 3 && k <= len(b); k++ {
		if utf8.RuneStart(b[len(b)-k]) {
			if !utf8.FullRune(b[len(b)-k:]) {
				cut = len(b) - k
			}
			break
		}
	}
	if !utf8.Valid(b[:cut]) {
		g.bad = true
		return
	}
	g.ntail += copy(g.tail[g.ntail:], b[cut:])
	if atEOF && g.ntail > 0 {
		g.bad = true
	}
}

// sbcs decodes a single-byte encoding (Windows-1252, ISO-8859-1) to UTF-8
// through a table, copying runs of ASCII eight bytes at a time; it is the
// same mapping as the charmap decoder, several times faster on text that is
// mostly ASCII.
type sbcs struct {
	utf [256][4]byte
	n   [256]uint8
}

func newSBCS(cm *charmap.Charmap) *sbcs {
	d := &sbcs{}
	for b := range 256 {
		d.n[b] = uint8(utf8.EncodeRune(d.utf[b][:], cm.DecodeByte(byte(b))))
	}
	return d
}

// Transform implements transform.Transformer.
func (d *sbcs) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		if run := asciiPrefix(src[nSrc:]); run > 0 {
			k := copy(dst[nDst:], src[nSrc:nSrc+run])
			nDst += k
			nSrc += k
			if k < run {
				return nDst, nSrc, transform.ErrShortDst
			}
			continue
		}
		c := src[nSrc]
		n := int(d.n[c])
		if nDst+n > len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		copy(dst[nDst:], d.utf[c][:n])
		nDst += n
		nSrc++
	}
	return nDst, nSrc, nil
}

// Reset implements transform.Transformer.
func (d *sbcs) Reset() {}

// asciiPrefix returns the length of the leading ASCII bytes of b.
func asciiPrefix(b []byte) int {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if binary.LittleEndian.Uint64(b[i:])&0x8080808080808080 != 0 {
			break
		}
	}
	for ; i < len(b); i++ {
		if b[i] >= utf8.RuneSelf {
			return i
		}
	}
	return i
}
