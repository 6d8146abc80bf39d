package catalog

import (
	"time"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/config"
	"github.com/dele-opendata/dele/internal/publish"
)

// testConfig is the installation of the test catalog.
func testConfig() *config.Config {
	return &config.Config{
		BaseURL: "https://data.eksempel.kommune.no",
		APIURL:  "https://api.eksempel.kommune.no",
		Catalog: config.Catalog{
			ID:            "eksempel-kommune",
			TitleNB:       "Åpne data fra Eksempel kommune",
			TitleEN:       "Open data from Eksempel municipality",
			DescNB:        "Datasett som Eksempel kommune deler med alle.",
			DescEN:        "Datasets Eksempel municipality shares with everyone.",
			PublisherNr:   "964965226",
			Publisher:     "Eksempel kommune",
			Kommunenummer: "0301",
			ContactName:   "Digitaliseringsavdelingen",
			ContactEmail:  "postmottak@eksempel.kommune.no",
			Homepage:      "https://www.eksempel.kommune.no/",
		},
	}
}

func ts(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func files(id, version string, names ...string) []publish.FileInfo {
	var out []publish.FileInfo
	for i, n := range names {
		mt := map[string]string{
			publish.FileParquet: "application/vnd.apache.parquet",
			publish.FileCSV:     "text/csv; charset=utf-8",
			publish.FileCSVNB:   "text/csv; charset=utf-8",
			publish.FileSchema:  "application/json",
			publish.FileReport:  "application/json",
		}[n]
		out = append(out, publish.FileInfo{
			Name:      n,
			Key:       publish.VersionPrefix(id, version) + n,
			MediaType: mt,
			Size:      int64(1000 * (i + 1)),
			SHA256:    "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a0" + string(rune('0'+i)),
		})
	}
	return out
}

// testEntries are the registered datasets of the test catalog: two public
// published ones, one public never published, one restricted and one not
// public.
func testEntries() []Entry {
	valg := &datasets.Definition{
		ID:          "valglokaler",
		Title:       datasets.Text{NB: "Valglokaler", EN: "Polling stations"},
		Description: datasets.Text{NB: "Valglokaler med adresse og åpningstider ved stortingsvalget.", EN: "Polling stations with address and opening hours."},
		Publisher:   datasets.Publisher{OrgNr: "964965226", Name: "Eksempel kommune", Kommunenummer: "0301"},
		Contact:     datasets.Contact{Name: "Valgsekretariatet", Email: "valg@eksempel.kommune.no", Phone: "+47 22 00 00 00"},
		Themes:      []string{"GOVE"},
		LOSThemes:   []string{"https://psi.norge.no/los/tema/valg", "tema/demokrati-og-innbyggerrettigheter"},
		Keywords:    datasets.Keywords{NB: []string{"valg", "valglokale"}, EN: []string{"election"}},
		License:     "NLOD-2.0",
		Access:      datasets.AccessPublic,
		Schedule:    "cron(0 3 * * ? *)",
		Languages:   []string{"NOB"},
		Source:      datasets.Source{Type: "csv", Path: "sources/valglokaler-2017.csv"},
		Provenance:  "Eksportert fra valgsystemet EVA hver natt.",
	}
	valgM := &publish.Manifest{
		Dataset: "valglokaler", Version: "3-20261124T030012Z-ab12cd34",
		Published: ts("2026-11-24T03:00:12Z"), Issued: ts("2026-09-01T03:00:05Z"),
		RunID: "r-20261124T030000Z-7f3a", Rows: 412, Access: datasets.AccessPublic,
		History: []publish.VersionSummary{
			{Version: "3-20261124T030012Z-ab12cd34", Published: ts("2026-11-24T03:00:12Z"), Rows: 412},
			{Version: "2-20261001T030009Z-99aa00bb", Published: ts("2026-10-01T03:00:09Z"), Rows: 410},
		},
	}
	valgM.Files = files("valglokaler", valgM.Version, publish.FileParquet, publish.FileCSV, publish.FileSchema, publish.FileReport)
	valgM.Files[0].SHA1 = "a94a8fe5ccb19ba61c4c0873d391e987982fbbd3"
	valgM.Files[1].SHA1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709"

	barn := &datasets.Definition{
		ID:          "barnehager",
		Title:       datasets.Text{NB: "Barnehager", NN: "Barnehagar", EN: "Kindergartens"},
		Description: datasets.Text{NB: "Kommunale og private barnehager med \"plasser\" og adresse.\nOppdateres ukentlig."},
		Contact:     datasets.Contact{Name: "Oppvekst", Email: "mailto:oppvekst@eksempel.kommune.no"},
		Themes:      []string{"EDUC", "SOCI"},
		LOSThemes:   []string{"tema/barnehage"},
		License:     "CC-BY-4.0",
		Access:      datasets.AccessPublic,
		Schedule:    "rate(7 days)",
		Languages:   []string{"NOB", "NNO"},
		Outputs:     []string{"parquet", "csv", "csv-nb"},
		Source:      datasets.Source{Type: "xlsx", Path: "sources/barnehager.xlsx"},
	}
	barnM := &publish.Manifest{
		Dataset: "barnehager", Version: "1-20261120T100000Z-0011aabb",
		Published: ts("2026-11-20T10:00:00Z"), Issued: ts("2026-11-20T10:00:00Z"),
		RunID: "r-20261120T100000Z-0001", Rows: 57, Access: datasets.AccessPublic,
		History: []publish.VersionSummary{{Version: "1-20261120T100000Z-0011aabb", Published: ts("2026-11-20T10:00:00Z"), Rows: 57}},
	}
	barnM.Files = files("barnehager", barnM.Version, publish.FileParquet, publish.FileCSV, publish.FileCSVNB, publish.FileSchema)

	nye := &datasets.Definition{
		ID:          "lekeplasser",
		Title:       datasets.Text{NB: "Lekeplasser"},
		Description: datasets.Text{NB: "Kommunale lekeplasser."},
		Themes:      []string{"REGI"},
		License:     "CC0-1.0",
		Access:      datasets.AccessPublic,
		Frequency:   "ANNUAL",
		Source:      datasets.Source{Type: "json", URL: "https://api.eksempel.kommune.no/intern/lekeplasser"},
	}
	sos := &datasets.Definition{
		ID:          "sosialhjelp-mottakere",
		Title:       datasets.Text{NB: "Mottakere av sosialhjelp"},
		Description: datasets.Text{NB: "Vedtak om økonomisk sosialhjelp. Bare tilgjengelig for forskning etter søknad."},
		Contact:     datasets.Contact{Name: "NAV Eksempel", Email: "nav@eksempel.kommune.no"},
		Themes:      []string{"SOCI"},
		Access:      datasets.AccessRestricted,
		Schedule:    "cron(0 2 1 * ? *)",
		Source:      datasets.Source{Type: "postgres", Query: "select * from vedtak", ConnectionEnv: "NAV_DB"},
	}
	// A non-public dataset that was published openly before: the stale
	// manifest must not give it distributions.
	intern := &datasets.Definition{
		ID:          "ansattregister",
		Title:       datasets.Text{NB: "Ansattregister"},
		Description: datasets.Text{NB: "Internt register over ansatte."},
		Themes:      []string{"GOVE"},
		License:     "NLOD-2.0",
		Access:      datasets.AccessNonPublic,
		Schedule:    "rate(1 hour)",
		Source:      datasets.Source{Type: "brreg"},
	}
	internM := &publish.Manifest{Dataset: "ansattregister", Version: "1-x", Published: ts("2026-01-01T00:00:00Z"), Access: datasets.AccessPublic}
	internM.Files = files("ansattregister", "1-x", publish.FileCSV)
	return []Entry{
		{Def: valg, Latest: valgM},
		{Def: barn, Latest: barnM},
		{Def: nye},
		{Def: sos},
		{Def: intern, Latest: internM},
	}
}

// awkwardEntry has texts that stress the writers' escaping: quotes,
// backslashes, newlines, tabs, XML markup, JSON-looking text, non-Latin
// scripts and emoji.
func awkwardEntry() Entry {
	d := &datasets.Definition{
		ID: "rare-tegn",
		Title: datasets.Text{
			NB: `Tegn: "sitat" 'apostrof' \ bakstrek <b>&amp;</b> {"a":1}`,
			NN: "Linje 1\nLinje 2\r\n\tinnrykk",
			EN: "Sámi: Guovdageaidnu – 北京 – emoji 🚲 – ]]> --> ?>",
		},
		Description: datasets.Text{NB: `"""trippel""" og @prefix x: <y> . # ikke kommentar`},
		Contact:     datasets.Contact{Name: `Avd. "Test" & <Co>`, Email: "test+tag@eksempel.kommune.no"},
		Themes:      []string{"TECH"},
		Keywords:    datasets.Keywords{NB: []string{"æøå", "a;b,c"}},
		License:     "NLOD-2.0",
		Access:      datasets.AccessPublic,
		Schedule:    "rate(15 minutes)",
		Provenance:  "Kilde: <script>alert(1)</script>",
	}
	m := &publish.Manifest{Dataset: d.ID, Version: "1-a", Published: ts("2026-11-25T12:00:00.123456789Z"), RunID: `run"1`}
	m.Files = files(d.ID, "1-a", publish.FileCSV, publish.FileSchema)
	return Entry{Def: d, Latest: m}
}
