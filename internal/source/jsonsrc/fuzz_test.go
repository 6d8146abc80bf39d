package jsonsrc

import (
	"bytes"
	"encoding/json"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"
)

// FuzzFlatten checks that Flatten reads any valid JSON value to its end
// without error, that every column holding an array of structures is valid
// JSON, and that invalid input fails instead of panicking. Seeds: testdata/fuzz/FuzzFlatten and the recorded
// Enhetsregisteret page.
func FuzzFlatten(f *testing.F) {
	if b, err := os.ReadFile("../../../testdata/corpus/brreg-enheter-asa-page/search_asa_5.json"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"a": [1, {"b": "<&>"}, [null, true]], "c": {"d": 0.10}}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		dec := json.NewDecoder(bytes.NewReader(in))
		dec.UseNumber()
		type col struct{ k, v string }
		var cols []col
		err := Flatten(dec, "", func(k, v string) { cols = append(cols, col{k, v}) })
		if !json.Valid(in) {
			return // any error is fine; no panic is the property
		}
		if err != nil {
			t.Fatalf("valid JSON %q: %v", in, err)
		}
		if _, err := dec.Token(); err != io.EOF {
			t.Fatalf("valid JSON %q not read to the end: %v", in, err)
		}
		if ambiguousKeys(in) {
			return // duplicate or dotted keys: columns cannot be matched to values
		}
		var doc any
		d2 := json.NewDecoder(bytes.NewReader(in))
		d2.UseNumber()
		if err := d2.Decode(&doc); err != nil {
			t.Fatal(err)
		}
		for _, c := range cols {
			arr, ok := lookup(doc, c.k).([]any)
			if !ok || !structured(arr) {
				continue
			}
			var got any
			d3 := json.NewDecoder(strings.NewReader(c.v))
			d3.UseNumber()
			if err := d3.Decode(&got); err != nil {
				t.Fatalf("column %s text %q is not JSON: %v", c.k, c.v, err)
			}
			if !reflect.DeepEqual(got, any(arr)) {
				t.Fatalf("column %s: %q does not decode to %v", c.k, c.v, arr)
			}
		}
	})
}

// structured reports whether an array holds an object or an array.
func structured(arr []any) bool {
	for _, v := range arr {
		switch v.(type) {
		case map[string]any, []any:
			return true
		}
	}
	return false
}

// lookup finds the value at a dotted path of object keys.
func lookup(doc any, path string) any {
	if path == "" {
		return doc
	}
	for _, k := range strings.Split(path, ".") {
		m, ok := doc.(map[string]any)
		if !ok {
			return nil
		}
		doc = m[k]
	}
	return doc
}

// ambiguousKeys reports whether any object in the JSON text repeats a key
// or has a key containing a dot or being empty.
func ambiguousKeys(in []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(in))
	type frame struct {
		obj    bool
		keys   map[string]bool
		expect bool // next string token in an object is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		top := (*frame)(nil)
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.obj && top.expect {
			if d, ok := tok.(json.Delim); ok && d == '}' {
				stack = stack[:len(stack)-1]
				continue
			}
			k := tok.(string)
			if top.keys[k] || k == "" || strings.Contains(k, ".") {
				return true
			}
			top.keys[k] = true
			top.expect = false
			continue
		}
		if top != nil && top.obj {
			top.expect = true // this token is the value
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{obj: true, keys: map[string]bool{}, expect: true})
		case json.Delim('['):
			stack = append(stack, &frame{})
		case json.Delim(']'), json.Delim('}'):
			stack = stack[:len(stack)-1]
		}
	}
}
