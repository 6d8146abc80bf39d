package catalog

import (
	"errors"
	"strings"
	"testing"

	"github.com/dele-opendata/dele/internal/publish"
)

func TestFrequencyOf(t *testing.T) {
	for _, tc := range []struct{ schedule, want string }{
		{"", "IRREG"},
		{"rate(5 minutes)", "CONT"},
		{"rate(1 hour)", "HOURLY"},
		{"rate(60 minutes)", "HOURLY"},
		{"rate(12 hours)", "DAILY_2"},
		{"rate(1 day)", "DAILY"},
		{"rate(7 days)", "WEEKLY"},
		{"rate(14 days)", "BIWEEKLY"},
		{"rate(30 days)", "MONTHLY"},
		{"rate(365 days)", "ANNUAL"},
		{"cron(0 3 * * ? *)", "DAILY"},
		{"cron(0/15 * * * ? *)", "CONT"},
		{"cron(0 * * * ? *)", "HOURLY"},
		{"cron(0 6,18 * * ? *)", "DAILY_2"},
		{"cron(0 5 ? * MON *)", "WEEKLY"},
		{"cron(0 5 ? * MON-FRI *)", "DAILY"},
		{"cron(0 5 ? * MON,THU *)", "WEEKLY_2"},
		{"cron(0 2 1 * ? *)", "MONTHLY"},
		{"cron(0 2 L * ? *)", "MONTHLY"},
		{"cron(0 2 1 1,4,7,10 ? *)", "QUARTERLY"},
		{"cron(0 2 1 */3 ? *)", "QUARTERLY"},
		{"cron(0 6 1 3 ? *)", "ANNUAL"},
		{"cron(0 4 15 JAN ? *)", "ANNUAL"},
		{"cron(0 4 1 1,7 ? *)", "ANNUAL_2"},
	} {
		got, err := FrequencyOf(tc.schedule)
		if err != nil || got != tc.want {
			t.Errorf("FrequencyOf(%q) = %q, %v; want %q", tc.schedule, got, err, tc.want)
		}
	}
	for _, bad := range []string{"daily", "rate(0 days)", "rate(2 weeks)", "cron(0 3 * *)", "cron(x 3 * * ? *)", "cron(0 25 * * ? *)"} {
		if f, err := FrequencyOf(bad); err == nil {
			t.Errorf("FrequencyOf(%q) = %q, want an error", bad, f)
		}
	}
}

func TestLOSIRI(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"naring", LOS + "tema/naring"},
		{"naring/energi", LOS + "tema/energi"},
		{"helse-og-omsorg/svangerskap/abort", LOS + "ord/abort"},
		{"tema/valg", LOS + "tema/valg"},
		{"ord/valglokale", LOS + "ord/valglokale"},
		{"https://psi.norge.no/los/tema/valg", LOS + "tema/valg"},
		{"http://psi.norge.no/los/ord/abort", LOS + "ord/abort"},
	} {
		got, err := losIRI(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("losIRI(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"Næring", "a/b/c/d", "https://example.org/x", ""} {
		if got, err := losIRI(bad); err == nil {
			t.Errorf("losIRI(%q) = %q, want an error", bad, got)
		}
	}
}

// TestBuildRejects starts from the valid test input and breaks one thing;
// Build must fail naming the dataset and the property.
func TestBuildRejects(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(e []Entry)
		want   string
	}{
		{"bad orgnr", func(e []Entry) { e[0].Def.Publisher.OrgNr = "96496522" }, "dataset valglokaler: publisher organisation number \"96496522\" must be 9 digits (dct:publisher)"},
		{"no title", func(e []Entry) { e[0].Def.Title.NB = "" }, "dataset valglokaler: title.nb is empty (dct:title)"},
		{"no theme", func(e []Entry) { e[1].Def.Themes = nil }, "dataset barnehager: no EU data theme (dcat:theme)"},
		{"unknown theme", func(e []Entry) { e[1].Def.Themes = []string{"SPORT"} }, "\"SPORT\" is not an EU data-theme code (dcat:theme)"},
		{"unknown licence", func(e []Entry) { e[0].Def.License = "MIT" }, "licence \"MIT\" is not in the EU licence vocabulary (dct:license)"},
		{"public without licence", func(e []Entry) { e[0].Def.License = "" }, "dataset valglokaler: no licence (dct:license)"},
		{"bad access", func(e []Entry) { e[0].Def.Access = "OPEN" }, "access \"OPEN\" must be PUBLIC, RESTRICTED or NON_PUBLIC"},
		{"bad email", func(e []Entry) { e[0].Def.Contact.Email = "valg at kommune" }, "contact email \"valg at kommune\" is not an e-mail address (vcard:hasEmail)"},
		{"bad schedule", func(e []Entry) { e[0].Def.Schedule = "every night" }, "dataset valglokaler: schedule \"every night\""},
		{"bad frequency", func(e []Entry) { e[2].Def.Frequency = "SOMETIMES" }, "dataset lekeplasser: frequency \"SOMETIMES\""},
		{"bad language", func(e []Entry) { e[0].Def.Languages = []string{"nb"} }, "language \"NB\" is not an EU language code"},
		{"bad LOS", func(e []Entry) { e[0].Def.LOSThemes = []string{"Valg og sånn"} }, "LOS theme \"Valg og sånn\""},
		{"bad kommunenummer", func(e []Entry) { e[0].Def.Publisher.Kommunenummer = "301" }, "kommunenummer \"301\" must be 4 digits"},
		{"duplicate", func(e []Entry) { e[1].Def.ID = "valglokaler" }, "dataset valglokaler: registered twice"},
		{"control character", func(e []Entry) { e[0].Def.Description.NB = "a\x00b" }, "control character"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := testEntries()
			tc.mutate(e)
			_, err := Build(testConfig(), e)
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("err = %v, want ErrInvalid", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
	cfg := testConfig()
	cfg.Catalog.PublisherNr = ""
	if _, err := Build(cfg, testEntries()); err == nil || !strings.Contains(err.Error(), "config: publisher organisation number") {
		t.Errorf("config without publisher: %v", err)
	}
}

// TestNonPublicHasNoDistributions checks that restricted, non-public and
// unpublished datasets are described but get no distribution, no download
// URL and are not served by the API, even when a stale manifest exists.
func TestNonPublicHasNoDistributions(t *testing.T) {
	c, err := Build(testConfig(), testEntries())
	if err != nil {
		t.Fatal(err)
	}
	g := c.Graph
	served := map[string]bool{}
	for _, o := range g.Objects(IRI(c.Service), p(DCAT, "servesDataset")) {
		served[o.Value] = true
	}
	for _, tc := range []struct {
		id     string
		public bool
	}{{"valglokaler", true}, {"barnehager", true}, {"lekeplasser", false}, {"sosialhjelp-mottakere", false}, {"ansattregister", false}} {
		ds := IRI(c.Datasets[tc.id])
		if ds.Value == "" {
			t.Fatalf("%s is not in the catalog", tc.id)
		}
		if len(g.Subjects(p(DCAT, "dataset"), ds)) != 1 {
			t.Errorf("%s: not listed in dcat:dataset", tc.id)
		}
		dists := g.Objects(ds, p(DCAT, "distribution"))
		if got := len(dists) > 0; got != tc.public {
			t.Errorf("%s: %d distributions, want some: %v", tc.id, len(dists), tc.public)
		}
		if served[ds.Value] != tc.public {
			t.Errorf("%s: served by the API = %v, want %v", tc.id, served[ds.Value], tc.public)
		}
	}
	for _, tr := range g.Triples() {
		if tr.P.Value == DCAT+"downloadURL" && strings.Contains(tr.O.Value, "ansattregister") {
			t.Errorf("non-public dataset has a download URL: %v", tr)
		}
	}
}

// TestIRIsStable builds the catalog for two published versions: the
// catalog, dataset, distribution and service IRIs stay the same, the
// download URLs move to the new version.
func TestIRIsStable(t *testing.T) {
	kinds := map[string]bool{DCAT + "Catalog": true, DCAT + "Dataset": true, DCAT + "Distribution": true, DCAT + "DataService": true}
	resources := func(c *Catalog) (map[string]bool, []string) {
		m := map[string]bool{}
		var downloads []string
		for _, tr := range c.Graph.Triples() {
			if tr.P == rdfType && kinds[tr.O.Value] {
				m[tr.S.Value] = true
			}
			if tr.P.Value == DCAT+"downloadURL" {
				downloads = append(downloads, tr.O.Value)
			}
		}
		return m, downloads
	}
	c1, err := Build(testConfig(), testEntries())
	if err != nil {
		t.Fatal(err)
	}
	e := testEntries()
	m := *e[0].Latest
	m.Version, m.RunID, m.Published = "4-20261125T030000Z-ffff0000", "r-next", ts("2026-11-25T03:00:00Z")
	m.Files = files("valglokaler", m.Version, publish.FileParquet, publish.FileCSV, publish.FileSchema)
	e[0].Latest = &m
	c2, err := Build(testConfig(), e)
	if err != nil {
		t.Fatal(err)
	}
	r1, d1 := resources(c1)
	r2, d2 := resources(c2)
	if len(r1) != len(r2) || len(r1) != 1+5+5+1 {
		t.Fatalf("%d and %d resources, want 12", len(r1), len(r2))
	}
	for iri := range r1 {
		if !r2[iri] {
			t.Errorf("%s disappeared in the second build", iri)
		}
		if strings.HasPrefix(iri, "_:") {
			t.Errorf("blank node %s", iri)
		}
	}
	if strings.Join(d1, " ") == strings.Join(d2, " ") || !strings.Contains(strings.Join(d2, " "), m.Version) {
		t.Errorf("download URLs did not move to the new version: %v", d2)
	}
}

// TestCheck starts from the valid generated catalog and removes or breaks
// one thing; Check must report it in plain language.
func TestCheck(t *testing.T) {
	base := testConfig().BaseURL
	ds := IRI(DatasetIRI(base, "valglokaler"))
	dist := IRI(DatasetIRI(base, "valglokaler") + "/distributions/csv")
	cat := IRI(CatalogIRI(base))
	for _, tc := range []struct {
		name   string
		mutate func(g *Graph)
		want   string
	}{
		{"valid", func(g *Graph) {}, ""},
		{"no publisher", func(g *Graph) { g.Remove(ds, p(DCT, "publisher"), Term{}) }, "dataset valglokaler: missing dct:publisher"},
		{"two publishers", func(g *Graph) { g.Add(ds, p(DCT, "publisher"), IRI(BrregEnhet+"974760673")) },
			"dataset valglokaler: 2 values of dct:publisher, want at most 1"},
		{"no title", func(g *Graph) { g.Remove(ds, p(DCT, "title"), Term{}) }, "dataset valglokaler: missing dct:title"},
		{"no theme", func(g *Graph) { g.Remove(ds, p(DCAT, "theme"), Term{}) }, "dataset valglokaler: missing dcat:theme"},
		{"LOS theme only", func(g *Graph) { g.Remove(ds, p(DCAT, "theme"), IRI(EUDataTheme+"GOVE")) },
			"dataset valglokaler: no dcat:theme from the EU data-theme vocabulary"},
		{"no contact point", func(g *Graph) { g.Remove(ds, p(DCAT, "contactPoint"), Term{}) }, "dataset valglokaler: missing dcat:contactPoint"},
		{"contact without email", func(g *Graph) { g.Remove(Term{}, p(VCARD, "hasEmail"), IRI("mailto:valg@eksempel.kommune.no")) },
			"dataset valglokaler: contact point"},
		{"untyped date", func(g *Graph) {
			g.Remove(ds, p(DCT, "modified"), Term{})
			g.Add(ds, p(DCT, "modified"), Lit("2026-11-24"))
		}, `dataset valglokaler: dct:modified "2026-11-24" must be a valid xsd:date or a valid xsd:dateTime`},
		{"two formats", func(g *Graph) { g.Add(dist, p(DCT, "format"), IRI(EUFileType+"PARQUET")) },
			"distribution valglokaler/csv: 2 values of dct:format, want exactly one"},
		{"no media type", func(g *Graph) { g.Remove(dist, p(DCAT, "mediaType"), Term{}) },
			"distribution valglokaler/csv: 0 values of dcat:mediaType, want exactly one"},
		{"licence not EU", func(g *Graph) {
			g.Remove(dist, p(DCT, "license"), Term{})
			g.Add(dist, p(DCT, "license"), IRI("https://data.norge.no/nlod/no/2.0"))
		}, "distribution valglokaler/csv: dct:license <https://data.norge.no/nlod/no/2.0> is not a concept of the controlled vocabulary required by LicenseTypeRestriction"},
		{"no access URL", func(g *Graph) { g.Remove(dist, p(DCAT, "accessURL"), Term{}) }, "distribution valglokaler/csv: missing dcat:accessURL"},
		{"not listed", func(g *Graph) { g.Remove(cat, p(DCAT, "dataset"), ds) }, "dataset valglokaler: not listed in the catalog's dcat:dataset"},
		{"catalog without identifier", func(g *Graph) { g.Remove(cat, p(DCT, "identifier"), Term{}) }, "catalog: missing dct:identifier"},
		{"no endpoint", func(g *Graph) { g.Remove(Term{}, p(DCAT, "endpointURL"), Term{}) }, "data service api: missing dcat:endpointURL"},
		{"publisher without name", func(g *Graph) { g.Remove(Term{}, p(FOAF, "name"), Term{}) }, "publisher 964965226: missing foaf:name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Build(testConfig(), testEntries())
			if err != nil {
				t.Fatal(err)
			}
			tc.mutate(c.Graph)
			var ttl strings.Builder
			if err := c.Turtle(&ttl); err != nil {
				t.Fatal(err)
			}
			vs, err := Check([]byte(ttl.String()))
			if err != nil {
				t.Fatal(err)
			}
			var violations []Problem
			for _, v := range vs {
				if v.Severity == SeverityViolation {
					violations = append(violations, v)
				}
			}
			if tc.want == "" {
				if len(violations) != 0 {
					t.Errorf("violations in a valid catalog: %v", violations)
				}
				return
			}
			found := false
			for _, v := range violations {
				found = found || strings.HasPrefix(v.String(), tc.want)
			}
			if !found {
				t.Errorf("no violation starting %q in %v", tc.want, violations)
			}
		})
	}
}

func TestCheckInput(t *testing.T) {
	vs, err := Check([]byte(`@prefix dcat: <http://www.w3.org/ns/dcat#> .
_:d a dcat:Dataset .`))
	if err != nil {
		t.Fatal(err)
	}
	var msgs []string
	for _, v := range vs {
		msgs = append(msgs, v.String())
	}
	all := strings.Join(msgs, "\n")
	for _, want := range []string{"catalog: no dcat:Catalog in the document", "is a blank node; the harvester drops resources without an IRI", "missing dct:publisher"} {
		if !strings.Contains(all, want) {
			t.Errorf("no %q in\n%s", want, all)
		}
	}
	if _, err := Check([]byte("this is not turtle")); err == nil {
		t.Error("no error for a document that is not Turtle")
	}
	if _, err := Check([]byte(`<?xml version="1.0"?><rdf:RDF/>`)); !errors.Is(err, ErrFormat) {
		t.Errorf("RDF/XML: err = %v, want ErrFormat", err)
	}
}
