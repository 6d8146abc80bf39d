package catalog

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/dele-opendata/dele/catalog/shacl"
)

// resultKey identifies a SHACL result across engines: focus node, path,
// value, source shape (by its shacl.Shape name), constraint component and
// severity. Blank nodes are compared by label where the document gives one
// and as "_:anon" where the parser invents it.
type resultKey struct {
	Focus, Path, Value, Shape, Constraint, Severity string
}

func (k resultKey) String() string {
	return fmt.Sprintf("%s | %s | %s | %s | %s | %s", k.Focus, short(k.Path), k.Value, shortShape(k.Shape), strings.TrimPrefix(k.Constraint, shacl.SH), strings.TrimPrefix(k.Severity, shacl.SH))
}

var (
	n3Blank    = regexp.MustCompile(`^b\d+_(.+)$`) // n3's label for _:x in a document
	n3Anon     = regexp.MustCompile(`^n3-\d+$`)    // n3's label for [] and ( )
	knakkAnon  = regexp.MustCompile(`^b\d+$`)      // knakk/rdf's label for [] and ( )
	skolemBase = "urn:x-dele-test:shape:"
)

func goTermKey(t shacl.Term) string {
	switch {
	case t.IsZero():
		return ""
	case t.Kind == shacl.Blank && knakkAnon.MatchString(t.Value):
		return "_:anon"
	case t.Kind == shacl.Blank:
		return "_:" + t.Value
	}
	return t.Value
}

// nodeTermKey maps a term value of rdf-shacl.mjs's report to goTermKey's
// form. The report gives values without their kind; a literal that looks
// like an n3 blank-node label would be misread, and none of the test data
// has one.
func nodeTermKey(v string) string {
	if m := n3Blank.FindStringSubmatch(v); m != nil {
		return "_:" + m[1]
	}
	if n3Anon.MatchString(v) {
		return "_:anon"
	}
	return v
}

func goKeys(rs []shacl.Result) []string {
	var out []string
	for _, r := range rs {
		path := ""
		if !r.Path.IsZero() {
			path = r.Path.Value
		}
		out = append(out, resultKey{goTermKey(r.Focus), path, goTermKey(r.Value), r.Shape.Name, r.Component, r.Severity}.String())
	}
	sort.Strings(out)
	return out
}

// nodeKeys turns rdf-shacl.mjs's results into keys; names maps the
// skolem IRIs of blank-node shapes to their names (nil: leave the source
// shape out of the key).
func nodeKeys(rs []shaclResult, names map[string]string) []string {
	var out []string
	for _, r := range rs {
		shape := r.SourceShape
		if names == nil {
			shape = ""
		} else if n, ok := names[shape]; ok {
			shape = n
		}
		out = append(out, resultKey{nodeTermKey(r.FocusNode), r.Path, nodeTermKey(r.Value), shape, r.Constraint, r.Severity}.String())
	}
	sort.Strings(out)
	return out
}

func withoutShape(keys []string) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		parts := strings.Split(k, " | ")
		parts[3] = ""
		out[i] = strings.Join(parts, " | ")
	}
	sort.Strings(out)
	return out
}

// skolemShapes writes the official shapes graph as N-Triples with every
// blank-node shape replaced by an IRI, so that rdf-validate-shacl names the
// source shape of a result in a way this package can map to a
// shacl.Shape's name. It returns the file and the map from IRI to name.
func skolemShapes(t *testing.T, dir string) (string, map[string]string) {
	t.Helper()
	shapes, err := OfficialShapes()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	iri := map[shacl.Term]shacl.Term{}
	for i, sh := range shapes.All() {
		if sh.Node.Kind == shacl.Blank {
			x := shacl.NewIRI(fmt.Sprintf("%s%d", skolemBase, i))
			iri[sh.Node] = x
			names[x.Value] = sh.Name
		}
	}
	sk := func(x shacl.Term) shacl.Term {
		if y, ok := iri[x]; ok {
			return y
		}
		return x
	}
	var b strings.Builder
	for _, tr := range shapes.Graph().Triples() {
		fmt.Fprintf(&b, "%s %s %s .\n", sk(tr.S), sk(tr.P), sk(tr.O))
	}
	f := filepath.Join(dir, "shapes-skolem.nt")
	if err := os.WriteFile(f, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return f, names
}

// goValidateFiles validates the data files, parsed into one graph, with
// the Go validator and the embedded shapes.
func goValidateFiles(t *testing.T, files []string) []shacl.Result {
	t.Helper()
	shapes, err := OfficialShapes()
	if err != nil {
		t.Fatal(err)
	}
	g := shacl.NewGraph()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := g.ParseBytes(b, ""); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	return shapes.Validate(g)
}

// blankDataset replaces the dataset IRI ds by the blank node _:label
// everywhere in the graph.
func blankDataset(g *Graph, ds Term, label string) {
	b := Term{Kind: KindBlank, Value: label}
	var add []Triple
	for _, tr := range g.Triples() {
		if tr.S == ds || tr.O == ds {
			add = append(add, tr)
		}
	}
	for _, tr := range add {
		g.Remove(tr.S, tr.P, tr.O)
		if tr.S == ds {
			tr.S = b
		}
		if tr.O == ds {
			tr.O = b
		}
		g.addParsed(tr.S, tr.P, tr.O)
	}
}

// TestCrossCheckSHACL validates the same data graphs with the Go validator
// and with rdf-validate-shacl (tools/node) and requires the same set of
// (focus node, path, value, source shape, constraint component, severity):
// the official examples, the generated and the example catalogs, and
// catalogs broken in each way a steward could break one. rdf-validate-shacl
// reads the shapes with their blank-node shapes skolemised (so that it
// names them); a second run on the official file must give the same
// results but for those names.
func TestCrossCheckSHACL(t *testing.T) {
	dir := t.TempDir()
	base := testConfig().BaseURL
	ds := IRI(DatasetIRI(base, "valglokaler"))
	dist := IRI(DatasetIRI(base, "valglokaler") + "/distributions/csv")
	build := func(opts ...Options) *Catalog {
		c, err := Build(testConfig(), testEntries(), opts...)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	type tcase struct {
		name    string
		files   []string
		catalog *Catalog // for the product path (ValidateSHACL)
		want    func(t *testing.T, keys []string)
	}
	var cases []tcase
	add := func(name string, c *Catalog, want func(t *testing.T, keys []string)) {
		f := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".nt")
		writeFile(t, f, c, FormatNTriples)
		cases = append(cases, tcase{name, append([]string{f}, vocabFiles...), c, want})
	}
	has := func(sub ...string) func(t *testing.T, keys []string) {
		return func(t *testing.T, keys []string) {
			all := strings.Join(keys, "\n")
			for _, s := range sub {
				if !strings.Contains(all, s) {
					t.Errorf("no result with %q in\n%s", s, all)
				}
			}
		}
	}
	noViolations := func(t *testing.T, keys []string) {
		for _, k := range keys {
			if strings.HasSuffix(k, "| Violation") {
				t.Errorf("violation: %s", k)
			}
		}
	}

	for _, f := range []string{"DCAT-AP-NO2.0-examples.ttl", "valid_catalog.ttl", "valid_catalog_with_distribution.ttl", "invalid_catalog.ttl"} {
		cases = append(cases, tcase{name: "official " + f, files: []string{"testdata/shapes/examples/" + f}})
	}
	add("generated", build(), noViolations)
	cfg, entries := exampleEntries(t)
	examples, err := Build(cfg, entries)
	if err != nil {
		t.Fatal(err)
	}
	add("examples", examples, noViolations)
	add("sha256", build(Options{SHA256Checksums: true}), has("spdx:algorithm |  | Checksum_Shape/property[spdx:algorithm] | HasValueConstraintComponent | Violation"))
	for _, pred := range []string{DCT + "publisher", DCT + "title", DCAT + "theme", DCAT + "contactPoint"} {
		c := build()
		if c.Graph.Remove(ds, IRI(pred), Term{}) == 0 {
			t.Fatalf("the dataset has no %s", pred)
		}
		var want func(*testing.T, []string)
		if pred != DCAT+"contactPoint" { // the shapes do not require one
			want = has(ds.Value + " | " + short(pred) + " |  | Dataset_Shape/property[" + short(pred) + "] | MinCountConstraintComponent | Violation")
		}
		add("without "+short(pred), c, want)
	}
	c := build()
	c.Graph.Remove(dist, IRI(DCT+"format"), Term{})
	add("distribution without format", c, nil)
	c = build()
	blankDataset(c.Graph, ds, "valglokaler")
	add("blank-node dataset", c, has("_:valglokaler | dct:spatial"))
	c = build()
	c.Graph.Remove(dist, IRI(DCAT+"mediaType"), Term{})
	c.Graph.Add(dist, IRI(DCAT+"mediaType"), Lit("text/csv"))
	add("media type as text", c, has(dist.Value+" | dcat:mediaType | text/csv | Distribution_Shape/property[dcat:mediaType] | NodeKindConstraintComponent | Violation"))
	c = build()
	c.Graph.Remove(dist, IRI(DCAT+"mediaType"), Term{})
	c.Graph.Add(dist, IRI(DCAT+"mediaType"), IRI(IANAMediaType+"text/x-unknown"))
	add("unknown media type", c, nil)
	c = build()
	c.Graph.Add(dist, IRI(DCT+"format"), Lit("CSV"))
	add("format as text and two formats", c, has("dct:format | CSV | Distribution_Shape/property[dct:format] | NodeKindConstraintComponent"))
	c = build()
	c.Graph.Remove(ds, IRI(DCT+"modified"), Term{})
	c.Graph.Add(ds, IRI(DCT+"modified"), Typed("24.11.2026", XSD+"date"))
	add("invalid date", c, has(ds.Value+" | dct:modified | 24.11.2026 | DateTime_Shape/property[dct:modified] | OrConstraintComponent | Violation"))
	noVocab := build()
	f := filepath.Join(dir, "no-vocabularies.nt")
	writeFile(t, f, noVocab, FormatNTriples)
	// Without the vocabularies every controlled value fails its
	// restriction, except dcat:theme: DataThemeRestriction requires
	// skos:inScheme with the misspelt sh:MinCount, so a theme without one
	// passes in both engines.
	cases = append(cases, tcase{name: "no vocabularies", files: []string{f}, want: has("dct:license", "dct:accessRights", "Distribution_ShapeCV/property[dct:format]#2")})

	skolem, names := skolemShapes(t, dir)
	batch := map[string][]string{}
	for _, c := range cases {
		var files []string
		for _, f := range c.files {
			files = append(files, abs(t, f))
		}
		batch[c.name] = files
	}
	skolemReports := validateBatchShapes(t, skolem, batch)
	officialReports := validateBatch(t, batch)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := goKeys(goValidateFiles(t, c.files))
			want := nodeKeys(skolemReports[c.name].Results, names)
			if d := diffKeys(got, want); d != "" {
				t.Errorf("Go validator vs rdf-validate-shacl:\n%s", d)
			}
			if d := diffKeys(withoutShape(want), nodeKeys(officialReports[c.name].Results, nil)); d != "" {
				t.Errorf("rdf-validate-shacl on skolemised vs official shapes:\n%s", d)
			}
			if c.catalog != nil {
				rs, _, err := ValidateSHACL(c.catalog.Graph)
				if err != nil {
					t.Fatal(err)
				}
				if d := diffKeys(goKeys(rs), got); d != "" {
					t.Errorf("ValidateSHACL on the graph vs on the written file:\n%s", d)
				}
			}
			if c.want != nil {
				c.want(t, got)
			}
			t.Logf("%d results", len(got))
			if testing.Verbose() {
				for _, k := range got {
					t.Log(k)
				}
			}
		})
	}
}

// diffKeys describes the difference of two sorted multisets of keys, or
// returns "".
func diffKeys(got, want []string) string {
	count := map[string]int{}
	for _, k := range got {
		count[k]++
	}
	for _, k := range want {
		count[k]--
	}
	var b strings.Builder
	var ks []string
	for k := range count {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	for _, k := range ks {
		switch n := count[k]; {
		case n > 0:
			fmt.Fprintf(&b, "  only Go (%d): %s\n", n, k)
		case n < 0:
			fmt.Fprintf(&b, "  only rdf-validate-shacl (%d): %s\n", -n, k)
		}
	}
	return b.String()
}
