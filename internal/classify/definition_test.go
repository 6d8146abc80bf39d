package classify

import (
	"strings"
	"testing"

	"github.com/dele-opendata/dele/datasets"
)

// TestValglokalerAllow runs the real valglokaler-2017 file through a
// definition the way the pipeline does: the municipal election offices'
// e-mail addresses and phone numbers in info_text are found and reported
// and block a PUBLIC dataset until the steward acknowledges them in
// classification.allow; after that they are still reported (allowed).
func TestValglokalerAllow(t *testing.T) {
	var vf corpusFile
	for _, f := range corpus {
		if f.name == "valglokaler-2017" {
			vf = f
		}
	}
	def := func(yaml string) *datasets.Definition {
		d, err := datasets.Parse("valglokaler.yaml", []byte(yaml))
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	base := "id: valglokaler\naccess: PUBLIC\n"

	d := def(base)
	r := scanFile(t, vf, OptionsFor(d, nil))
	dec := Decide(d.Access, r)
	if dec.Publish {
		t.Fatal("valglokaler published without the steward's decision")
	}
	found := map[Kind]int64{}
	for _, f := range dec.Findings {
		if f.Column == "info_text" {
			found[f.Kind] = f.Matches
		}
	}
	if found[KindEmail] == 0 || found[KindPhone] == 0 {
		t.Fatalf("contact info in info_text not found: %v", dec.Findings)
	}
	if !strings.Contains(dec.Message, `column "info_text" (e-mail addresses, phone numbers)`) {
		t.Errorf("message: %s", dec.Message)
	}

	// The steward acknowledges the offices' contact details and the one
	// polling place named after a person ("gml. Jonas Eriksen").
	d = def(base + "classification:\n  allow:\n    info_text: [email, phone]\n    polling_place_name: [person-name]\n")
	if err := CheckAllow(nil, d.Classification.Allow); err != nil {
		t.Fatal(err)
	}
	r = scanFile(t, vf, OptionsFor(d, nil))
	dec = Decide(d.Access, r)
	if !dec.Publish {
		t.Fatalf("not published after allow: %s\n%s", dec.Message, dec.Text("en"))
	}
	for _, f := range dec.Findings {
		if f.Column == "info_text" && (f.Kind == KindEmail || f.Kind == KindPhone) && (!f.Allowed || f.Matches != found[f.Kind]) {
			t.Errorf("allowed finding changed: %+v", f)
		}
	}
}
