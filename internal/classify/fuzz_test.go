package classify

import (
	"encoding/json"
	"strings"
	"testing"
)

// FuzzDetectors runs every detector on arbitrary cell text. Seeds are in
// testdata/fuzz/FuzzDetectors. It checks that nothing panics, that every
// identity number reported really validates and occurs in the input, that
// counts stay within what the input can hold, and that the report never
// carries a found number.
func FuzzDetectors(f *testing.F) {
	for _, s := range []string{
		"", "01010012345", "010100 12345", "+47 412 34 567", "post@kommune.no", "2001:db8::1",
		"Kari Nordmann", "Nordmann, Kari", "Olav Kyrres gate 23", "1234.56.78903", "192.168.0.1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var found []string
		h := hits{found: &found}
		scanCell(s, &h)
		digitsOnly := strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, s)
		for _, id := range found {
			if idKind([]byte(id)) == "" {
				t.Errorf("reported identity number %q does not validate", id)
			}
			if !strings.Contains(digitsOnly, id) {
				t.Errorf("reported identity number %q is not in the input", id)
			}
		}
		if n := h.ids[0] + h.ids[1] + h.ids[2] + h.ids[3]; n != len(found) || n > h.eleven {
			t.Errorf("id counts %v, found %d, eleven %d", h.ids, len(found), h.eleven)
		}
		if h.email > strings.Count(s, "@") {
			t.Errorf("%d e-mails from %d @", h.email, strings.Count(s, "@"))
		}
		var h2 hits
		scanCell(s, &h2)
		h.found = nil
		if h != h2 {
			t.Errorf("not deterministic: %+v vs %+v", h, h2)
		}
		// A name is two words or more, as nextWord splits them (at spaces
		// and punctuation: "Aaa!Ola" is two words).
		words := 0
		for w, _, p := nextWord(s, 0); w != ""; w, _, p = nextWord(s, p) {
			words++
		}
		if n := textNames(s); n > words/2 {
			t.Errorf("textNames = %d for %d words", n, words)
		}
		_ = wholeName(s)
		_ = addressLike(s)

		// Twice, so that the second row is found in the memo.
		sc := newTwin([]string{"a", "b"}, Options{})
		sc.Scan(2, []string{s, "x " + s})
		sc.Scan(3, []string{s, "x " + s})
		r := sc.Result(t)
		js, err := json.Marshal(struct {
			R Result
			D Decision
		}{r, Decide("PUBLIC", r)})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range found {
			if strings.Contains(string(js), id) {
				t.Errorf("report carries %q", id)
			}
		}
		if r.Personal() && Decide("PUBLIC", r).Publish {
			t.Error("personal data published")
		}
	})
}
