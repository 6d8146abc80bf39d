package datasets

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"gopkg.in/yaml.v3"
)

// TestExamples loads every definition shipped in this folder, as vulndb lints
// its reports: each must pass Check and the JSON Schema.
func TestExamples(t *testing.T) {
	defs, err := Load(".")
	if err != nil {
		t.Fatalf("example definitions do not pass: %v", err)
	}
	if len(defs) < 3 {
		t.Fatalf("want at least three example datasets, got %d", len(defs))
	}
	sch := compileSchema(t)
	for _, d := range defs {
		if err := sch.Validate(yamlAsJSON(t, d.File)); err != nil {
			t.Errorf("%s does not validate against definition.schema.json: %v", d.File, err)
		}
		if d.Source.Path != "" {
			if _, err := os.Stat(filepath.Join(d.Dir, d.Source.Path)); err != nil {
				t.Errorf("%s: source file missing: %v", d.File, err)
			}
		}
	}
}

func compileSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	doc, err := jsonschema.UnmarshalJSON(strings.NewReader(string(JSONSchema)))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource("definition.schema.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("definition.schema.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func yamlAsJSON(t *testing.T, file string) any {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := yaml.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	j, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := jsonschema.UnmarshalJSON(strings.NewReader(string(j)))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func validDefinition(t *testing.T, mutate func(d *Definition)) *Definition {
	t.Helper()
	d, err := ParseFile("testdata/valid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if ps := Check(d); len(ps) != 0 {
		t.Fatalf("testdata/valid.yaml has problems: %v", ps)
	}
	if mutate != nil {
		mutate(d)
	}
	return d
}

// TestCheck starts from a valid definition and breaks one thing at a time;
// the problem must name the file and the field.
func TestCheck(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(d *Definition)
		field  string
		want   string
	}{
		{"missing publisher", func(d *Definition) { d.Publisher = Publisher{} }, "publisher.orgnr", "is missing"},
		{"bad orgnr", func(d *Definition) { d.Publisher.OrgNr = "964965227" }, "publisher.orgnr", "mod-11"},
		{"short orgnr", func(d *Definition) { d.Publisher.OrgNr = "96496522" }, "publisher.orgnr", "not a valid organisation number"},
		{"unknown licence", func(d *Definition) { d.License = "MIT" }, "license", `unknown licence "MIT"`},
		{"unknown theme", func(d *Definition) { d.Themes = []string{"GOVE", "FOOD"} }, "themes[1]", `unknown EU data theme "FOOD"`},
		{"no theme", func(d *Definition) { d.Themes = nil }, "themes", "at least one"},
		{"missing title", func(d *Definition) { d.Title.NB = "" }, "title.nb", "is missing"},
		{"missing contact email", func(d *Definition) { d.Contact.Email = "" }, "contact.email", "is missing"},
		{"bad contact email", func(d *Definition) { d.Contact.Email = "post at kommune" }, "contact.email", "not an e-mail address"},
		{"bad access", func(d *Definition) { d.Access = "OPEN" }, "access", "unknown access right"},
		{"bad schedule", func(d *Definition) { d.Schedule = "daily" }, "schedule", "rate("},
		{"path traversal in id", func(d *Definition) { d.ID = "../../etc" }, "id", "not allowed"},
		{"id differs from file", func(d *Definition) { d.ID = "other" }, "id", "does not match the file name"},
		{"source outside folder", func(d *Definition) { d.Source.Path = "../../etc/passwd" }, "source.path", "inside the definitions folder"},
		{"absolute source path", func(d *Definition) { d.Source.Path = "/etc/passwd" }, "source.path", "relative path"},
		{"unknown source type", func(d *Definition) { d.Source.Type = "ftp" }, "source.type", "unknown source type"},
		{"credentials in url", func(d *Definition) { d.Source.Path = ""; d.Source.URL = "https://u:p@example.no/x.csv" }, "source.url", "credentials"},
		{"postgres without env", func(d *Definition) { d.Source = Source{Type: "postgres", Query: "select 1"} }, "source.connectionEnv", "is missing"},
		{"postgres dsn inline", func(d *Definition) {
			d.Source = Source{Type: "postgres", Query: "select 1", ConnectionEnv: "postgres://u:p@h/db"}
		}, "source.connectionEnv", "never be written"},
		{"hash without key", func(d *Definition) { d.Treatments["kommunenummer"] = Treatment{Action: "hash"} }, "treatments.kommunenummer.keyEnv", "HMAC key"},
		{"unknown treatment", func(d *Definition) { d.Treatments["kommunenummer"] = Treatment{Action: "shred"} }, "treatments.kommunenummer.action", "unknown treatment"},
		{"keep without reason", func(d *Definition) { d.Treatments["kommunenummer"] = Treatment{Action: "keep", Reason: " "} }, "treatments.kommunenummer.reason", "keep needs a reason"},
		{"bad output", func(d *Definition) { d.Outputs = []string{"xml"} }, "outputs[0]", "unknown output"},
		{"bad kommunenummer", func(d *Definition) { d.Publisher.Kommunenummer = "301" }, "publisher.kommunenummer", "leading zeros"},
		{"bad schema type", func(d *Definition) { d.Schema.Fields[0].Type = "text" }, "schema", "unknown type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ps := Check(validDefinition(t, tc.mutate))
			for _, p := range ps {
				if p.Field == tc.field && strings.Contains(p.Message, tc.want) {
					if p.File != "testdata/valid.yaml" || !strings.HasPrefix(p.String(), "testdata/valid.yaml: "+tc.field+": ") {
						t.Errorf("problem does not name file and field: %q", p.String())
					}
					return
				}
			}
			t.Errorf("want a problem on %s containing %q, got %v", tc.field, tc.want, ps)
		})
	}
}

func TestParseRejects(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown field", "id: x\npublsher: {}\n", "field publsher not found"},
		{"empty", "", "file is empty"},
		{"wrong type", "id: [1, 2]\n", "cannot unmarshal"},
		{"alias bomb", aliasBomb(), "not a valid definition"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("x.yaml", []byte(tc.yaml))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "x.yaml: ") {
				t.Errorf("Parse = %v, want error naming x.yaml containing %q", err, tc.want)
			}
		})
	}
}

// aliasBomb builds a "billion laughs" YAML document of nested anchors.
func aliasBomb() string {
	var b strings.Builder
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 10; i++ {
		b.WriteString("a" + string(rune('0'+i)) + ": &a" + string(rune('0'+i)) + " [")
		for j := 0; j < 10; j++ {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*a" + string(rune('0'+i-1)))
		}
		b.WriteString("]\n")
	}
	b.WriteString("keywords: *a9\n")
	return b.String()
}

func TestLoadReportsAllFiles(t *testing.T) {
	dir := t.TempDir()
	good, err := os.ReadFile("testdata/valid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("valid.yaml", string(good))
	write("broken.yaml", strings.Replace(strings.Replace(string(good), "id: valid", "id: broken", 1), "NLOD-2.0", "WTFPL", 1))
	write("notes.txt", "ignored")
	defs, err := Load(dir)
	if len(defs) != 2 {
		t.Fatalf("got %d definitions, want 2", len(defs))
	}
	if err == nil || !strings.Contains(err.Error(), "broken.yaml: license: unknown licence \"WTFPL\"") {
		t.Fatalf("Load error = %v", err)
	}
	if _, err := Select(defs, []string{"valid", "nope"}); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("Select with unknown id: %v", err)
	}
}

// TestSchemaKeepReason checks that the JSON Schema, like Check, wants a
// reason for the keep treatment.
func TestSchemaKeepReason(t *testing.T) {
	sch := compileSchema(t)
	for _, tc := range []struct {
		treatment string
		ok        bool
	}{
		{`{"action": "keep", "reason": "regnskapsnøkler, ikke personer"}`, true},
		{`{"action": "keep"}`, false},
		{`{"action": "keep", "reason": " "}`, false},
		{`{"action": "drop"}`, true},
	} {
		doc, err := jsonschema.UnmarshalJSON(strings.NewReader(`{"id": "x", "treatments": {"konto": ` + tc.treatment + `}}`))
		if err != nil {
			t.Fatal(err)
		}
		err = sch.Validate(doc)
		// Other required properties are missing; only treatment errors count.
		bad := err != nil && strings.Contains(err.Error(), "/treatments/konto")
		if bad == tc.ok {
			t.Errorf("%s: schema error %v, want ok=%v", tc.treatment, err, tc.ok)
		}
	}
}

func TestTextTrimmed(t *testing.T) {
	d, err := Parse("defs/x.yaml", []byte("id: x\ntitle:\n  nb: \"  Tittel \"\n  en: |\n    Title\ndescription:\n  nb: >\n\n   æ\n"))
	if err != nil {
		t.Fatal(err)
	}
	if d.Title.NB != "Tittel" || d.Title.EN != "Title" || d.Description.NB != "æ" {
		t.Errorf("title %q/%q, description %q; want white space around them trimmed", d.Title.NB, d.Title.EN, d.Description.NB)
	}
}
