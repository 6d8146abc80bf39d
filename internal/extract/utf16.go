package extract

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"github.com/dele-opendata/dele/internal/source"
	"github.com/dele-opendata/dele/internal/source/csvsrc"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

// utf16Sample is how many raw bytes checkUTF16Text looks at, and
// utf16Chars how many decoded characters it judges (as csvsrc judges the
// first 8192 bytes of an 8-bit file).
const (
	utf16Sample = 64 << 10
	utf16Chars  = 8192
)

// checkUTF16Text refuses a text file in UTF-16 whose decoded content is
// binary. The CSV reader checks for binary content (NUL bytes, control
// bytes, known signatures) only when it reads 8-bit text: UTF-16 is full
// of zero bytes by nature, so a file that starts with a UTF-16 byte-order
// mark, is declared UTF-16 or is detected as UTF-16 skipped the check, and
// binary junk behind a BOM was parsed as text. Here such a file is decoded
// first, and then checked: NUL characters, or more than 1 % control or
// undecodable characters (unpaired surrogates, U+FFFD) in the first
// utf16Chars, mean it is not text. declared is the definition's encoding.
// Files that are not UTF-16 are left to the CSV reader.
func checkUTF16Text(f *os.File, declared string) error {
	buf := make([]byte, utf16Sample)
	n, err := f.ReadAt(buf, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("reading: %w", err)
	}
	raw := buf[:n]
	enc := utf16Of(raw, declared, errors.Is(err, io.EOF))
	if enc == "" {
		return nil
	}
	order := unicode.LittleEndian
	if enc == csvsrc.UTF16BE {
		order = unicode.BigEndian
	}
	text := raw
	if bytes.HasPrefix(raw, []byte{0xFF, 0xFE}) || bytes.HasPrefix(raw, []byte{0xFE, 0xFF}) {
		text = raw[2:]
	}
	text = text[:len(text)&^1]
	dec, _, err := transform.Bytes(unicode.UTF16(order, unicode.IgnoreBOM).NewDecoder(), text)
	if err != nil {
		return fmt.Errorf("%w: cannot decode as %s: %v", source.ErrWrongFormat, enc, err)
	}
	chars, bad := 0, 0
	for i := 0; i < len(dec) && chars < utf16Chars; chars++ {
		r, size := utf8.DecodeRune(dec[i:])
		switch {
		case r == 0:
			return fmt.Errorf("%w: binary content (NUL character at character %d after decoding as %s), not a text file", source.ErrWrongFormat, chars+1, enc)
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r' && r != '\f' && r != 0x1A, r == utf8.RuneError, r >= 0x7F && r < 0xA0:
			bad++
		}
		i += size
	}
	if chars > 0 && bad*100 > chars {
		return fmt.Errorf("%w: binary content (%d control or undecodable characters in the first %d after decoding as %s), not a text file", source.ErrWrongFormat, bad, chars, enc)
	}
	return nil
}

// utf16Of returns the UTF-16 variant the CSV reader will read raw in
// (csvsrc.UTF16LE or csvsrc.UTF16BE), or "" for any other encoding: a
// UTF-16 byte-order mark, a declared UTF-16 encoding, or, for zero bytes
// in a file with no declaration, csvsrc's own detection.
func utf16Of(raw []byte, declared string, atEOF bool) string {
	switch strings.ToLower(strings.TrimSpace(declared)) {
	case "", "auto":
	case "utf-16le", "utf16le", "utf-16", "ucs-2le":
		return csvsrc.UTF16LE
	case "utf-16be", "utf16be", "ucs-2be":
		return csvsrc.UTF16BE
	default:
		return ""
	}
	switch {
	case bytes.HasPrefix(raw, []byte{0xFF, 0xFE}):
		return csvsrc.UTF16LE
	case bytes.HasPrefix(raw, []byte{0xFE, 0xFF}):
		return csvsrc.UTF16BE
	case bytes.IndexByte(raw[:min(len(raw), utf16Chars)], 0) < 0:
		return "" // no zero bytes: not UTF-16, and csvsrc checks 8-bit text
	}
	d, err := csvsrc.Detect(raw, atEOF, csvsrc.Options{})
	if err != nil || (d.Encoding != csvsrc.UTF16LE && d.Encoding != csvsrc.UTF16BE) {
		return ""
	}
	return d.Encoding
}
