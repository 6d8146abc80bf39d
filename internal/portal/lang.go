package portal

import (
	"strconv"
	"strings"
	"time"

	"github.com/dele-opendata/dele/datasets"
)

// lang holds one language of the portal: its code, the path prefix of its
// pages and its texts.
type lang struct {
	Code   string // nb, en
	Name   string // the language's own name
	Prefix string // "" or "en/"
	texts  map[string]string
}

var (
	langNB = &lang{Code: "nb", Name: "Norsk (bokmål)", Prefix: "", texts: textsNB}
	langEN = &lang{Code: "en", Name: "English", Prefix: "en/", texts: textsEN}
)

// other returns the other language.
func (l *lang) other() *lang {
	if l == langNB {
		return langEN
	}
	return langNB
}

// T returns the text with the given key.
func (l *lang) T(key string) string {
	if s, ok := l.texts[key]; ok {
		return s
	}
	return textsNB[key]
}

// Text picks the language's version of t, falling back to bokmål.
func (l *lang) Text(t datasets.Text) string {
	if l.Code == "en" && t.EN != "" {
		return t.EN
	}
	return t.NB
}

// Keywords picks the language's keywords, falling back to bokmål.
func (l *lang) Keywords(k datasets.Keywords) []string {
	if l.Code == "en" && len(k.EN) > 0 {
		return k.EN
	}
	return k.NB
}

// Num formats an integer with the language's digit grouping.
func (l *lang) Num(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	sep := "\u00a0"
	if l.Code == "en" {
		sep = ","
	}
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(c)
	}
	if neg {
		return "−" + b.String()
	}
	return b.String()
}

// Percent formats a share (0..1) as a percentage with one decimal.
func (l *lang) Percent(f float64) string {
	s := strconv.FormatFloat(f*100, 'f', 1, 64)
	if l.Code == "nb" {
		s = strings.Replace(s, ".", ",", 1)
		return s + "\u00a0%"
	}
	return s + "%"
}

// Date formats the day of t (UTC).
func (l *lang) Date(t time.Time) string {
	if l.Code == "nb" {
		return t.UTC().Format("02.01.2006")
	}
	return t.UTC().Format("2 Jan 2006")
}

// DateTime formats t to the minute (UTC).
func (l *lang) DateTime(t time.Time) string {
	if l.Code == "nb" {
		return t.UTC().Format("02.01.2006 kl. 15.04 UTC")
	}
	return t.UTC().Format("2 Jan 2006, 15:04 UTC")
}

// Size formats a byte count.
func (l *lang) Size(n int64) string {
	var s string
	switch {
	case n >= 1<<30:
		s = strconv.FormatFloat(float64(n)/(1<<30), 'f', 1, 64) + "\u00a0GB"
	case n >= 1<<20:
		s = strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + "\u00a0MB"
	case n >= 1<<10:
		s = strconv.FormatFloat(float64(n)/(1<<10), 'f', 0, 64) + "\u00a0kB"
	default:
		s = strconv.FormatInt(n, 10) + "\u00a0B"
	}
	if l.Code == "nb" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// Theme names an EU data theme.
func (l *lang) Theme(code string) string {
	if l.Code == "en" {
		if s, ok := themesEN[code]; ok {
			return s
		}
	}
	if s, ok := datasets.Themes[code]; ok {
		return s
	}
	return code
}

// Access names an access right.
func (l *lang) Access(code string) string { return l.T("access." + code) }

// Frequency names an EU frequency code.
func (l *lang) Frequency(code string) string {
	if s := l.T("freq." + code); s != "" {
		return s
	}
	return code
}

// Format names a published file by its name.
func (l *lang) Format(name string) string { return l.T("file." + name) }

var themesEN = map[string]string{
	"AGRI": "Agriculture, fisheries, forestry and food", "ECON": "Economy and finance",
	"EDUC": "Education, culture and sport", "ENER": "Energy", "ENVI": "Environment",
	"GOVE": "Government and public sector", "HEAL": "Health", "INTR": "International issues",
	"JUST": "Justice, legal system and public safety", "OP_DATPRO": "Provisional data",
	"REGI": "Regions and cities", "SOCI": "Population and society", "TECH": "Science and technology",
	"TRAN": "Transport",
}

// licenses names the licences a definition may use, with their pages.
var licenses = map[string]struct{ NB, EN, URLNB, URLEN string }{
	"NLOD-2.0":     {"Norsk lisens for offentlige data (NLOD) 2.0", "Norwegian Licence for Open Government Data (NLOD) 2.0", "https://data.norge.no/nlod/no/2.0", "https://data.norge.no/nlod/en/2.0"},
	"CC-BY-4.0":    {"Creative Commons Navngivelse 4.0 (CC BY 4.0)", "Creative Commons Attribution 4.0 (CC BY 4.0)", "https://creativecommons.org/licenses/by/4.0/deed.no", "https://creativecommons.org/licenses/by/4.0/"},
	"CC-BY-SA-4.0": {"Creative Commons Navngivelse-DelPåSammeVilkår 4.0 (CC BY-SA 4.0)", "Creative Commons Attribution-ShareAlike 4.0 (CC BY-SA 4.0)", "https://creativecommons.org/licenses/by-sa/4.0/deed.no", "https://creativecommons.org/licenses/by-sa/4.0/"},
	"CC0-1.0":      {"Creative Commons Zero 1.0 (CC0, fri bruk)", "Creative Commons Zero 1.0 (CC0, public domain)", "https://creativecommons.org/publicdomain/zero/1.0/deed.no", "https://creativecommons.org/publicdomain/zero/1.0/"},
	"ODbL-1.0":     {"Open Database License 1.0 (ODbL)", "Open Database License 1.0 (ODbL)", "https://opendatacommons.org/licenses/odbl/1-0/", "https://opendatacommons.org/licenses/odbl/1-0/"},
}

// License names a licence identifier and gives its page ("" when unknown).
func (l *lang) License(id string) (name, url string) {
	lic, ok := licenses[id]
	if !ok {
		return id, ""
	}
	if l.Code == "en" {
		return lic.EN, lic.URLEN
	}
	return lic.NB, lic.URLNB
}

var textsNB = map[string]string{
	"skip":              "Hopp til hovedinnhold",
	"nav":               "Hovedmeny",
	"nav.datasets":      "Datasett",
	"nav.api":           "API",
	"nav.catalog":       "Katalog (DCAT)",
	"switch":            "English",
	"switch.label":      "Read this page in English",
	"breadcrumb":        "Brødsmulesti",
	"home":              "Forside",
	"datasets":          "Datasett",
	"count":             "{n} av {total} datasett vises.",
	"count.all":         "{total} datasett.",
	"filter":            "Søk og filtrer",
	"search":            "Søk i datasettene",
	"search.hint":       "Søker i tittel, beskrivelse, nøkkelord og utgiver.",
	"theme":             "Tema",
	"format":            "Format",
	"access":            "Tilgang",
	"updated":           "Oppdatert",
	"any":               "Alle",
	"updated.7":         "Siste 7 dager",
	"updated.30":        "Siste 30 dager",
	"updated.365":       "Siste år",
	"reset":             "Nullstill",
	"nomatch":           "Ingen datasett passer søket.",
	"rows":              "rader",
	"not-published":     "Ikke publisert ennå",
	"updated.on":        "Oppdatert",
	"publisher":         "Utgiver",
	"orgnr":             "org.nr.",
	"contact":           "Kontakt",
	"license":           "Lisens",
	"frequency":         "Oppdateres",
	"last-updated":      "Sist oppdatert",
	"first-published":   "Først publisert",
	"version":           "Versjon",
	"row-count":         "Antall rader",
	"themes":            "Temaer",
	"keywords":          "Nøkkelord",
	"provenance":        "Opphav",
	"about":             "Om datasettet",
	"status":            "Kvalitet og personvern",
	"downloads":         "Last ned",
	"downloads.note":    "Filene tilhører versjon {v}. Hver versjon har faste adresser.",
	"file":              "Fil",
	"size":              "Størrelse",
	"schema":            "Kolonner (tabellskjema)",
	"schema.caption":    "Kolonnene i datasettet, med type og beskrivelse",
	"col.name":          "Navn",
	"col.type":          "Type",
	"col.desc":          "Beskrivelse",
	"col.required":      "Påkrevd",
	"col.key":           "Primærnøkkel",
	"yes":               "Ja",
	"no":                "Nei",
	"preview":           "Forhåndsvisning",
	"preview.caption":   "De første {n} av {total} radene",
	"preview.none":      "Ingen forhåndsvisning: datasettet har ingen CSV-fil.",
	"scroll":            "Tabellen kan rulles sideveis.",
	"history":           "Versjonshistorikk",
	"history.caption":   "Publiserte versjoner, nyeste først",
	"history.chart":     "Antall rader per versjon",
	"history.chartalt":  "Stolpediagram over antall rader i hver av de {n} siste versjonene, eldste til venstre. Tallene står i tabellen under.",
	"published":         "Publisert",
	"examples":          "Bruk dataene",
	"examples.intro":    "Eksemplene kan kopieres som de er.",
	"ex.curl":           "Spørre-API med curl (de 10 første radene som JSON)",
	"ex.pandas":         "Python med pandas",
	"ex.duckdb":         "SQL i DuckDB over Parquet-filen",
	"copy":              "Kopier",
	"copied":            "Kopiert til utklippstavlen.",
	"badge.validation":  "Validering",
	"badge.valid.ok":    "Bestått",
	"badge.valid.warn":  "Bestått med avviste rader",
	"badge.valid.fail":  "Ikke bestått",
	"badge.classify":    "Personvernsjekk",
	"badge.class.none":  "Ingen personopplysninger funnet",
	"badge.class.ok":    "Gjennomgått og godkjent av dataforvalter",
	"badge.class.held":  "Holdt tilbake: bare metadata publiseres",
	"badge.unknown":     "Ukjent",
	"valid.summary":     "{valid} av {rows} rader er gyldige ({invalid} avvist, grensen er {max}).",
	"findings":          "Funn fra personvernsjekken",
	"findings.caption":  "Kolonner der det ble funnet mulige personopplysninger eller identifikatorer",
	"finding.column":    "Kolonne",
	"finding.kind":      "Type",
	"finding.matches":   "Treff",
	"finding.personal":  "Personopplysning",
	"finding.status":    "Vurdering",
	"finding.allowed":   "Tillatt av dataforvalter",
	"finding.blocking":  "Stopper publisering",
	"finding.info":      "Ikke personopplysning",
	"finding.noted":     "Notert",
	"no-data":           "Ingen data er publisert for dette datasettet ennå.",
	"restricted":        "Datasettet har ikke allmenn tilgang. Bare beskrivelsen publiseres.",
	"api":               "API-dokumentasjon",
	"api.intro":         "Spørre-API-et gir radene i hvert offentlige datasett som JSON, CSV eller NDJSON, med filtrering, utvalg av kolonner, sortering og sidevisning.",
	"api.raw":           "OpenAPI-dokumentet (JSON)",
	"api.servers":       "Adresse",
	"api.ops":           "Endepunkter",
	"api.params":        "Parametre",
	"api.params.cap":    "Parametre for {op}",
	"api.filters":       "Filterparametre ({n})",
	"api.filters.cap":   "Filterparametre for {op}",
	"api.in":            "Plassering",
	"api.responses":     "Svar",
	"api.code":          "Kode",
	"api.none":          "API-beskrivelsen er ikke publisert ennå.",
	"catalog":           "Datakatalog",
	"catalog.intro":     "Katalogen beskriver alle datasettene etter DCAT-AP-NO, slik at de kan høstes til data.norge.no.",
	"footer.by":         "Publisert av",
	"footer.dele":       "Laget med Dele – del data når vi kan, skjerm dem når vi må.",
	"machine":           "For maskiner",
	"access.PUBLIC":     "Allmenn tilgang",
	"access.RESTRICTED": "Begrenset tilgang",
	"access.NON_PUBLIC": "Ikke allmenn tilgang",
	"file.data.parquet": "Parquet",
	"file.data.csv":     "CSV (komma, UTF-8)",
	"file.data-nb.csv":  "CSV for Excel (semikolon, desimalkomma)",
	"file.schema.json":  "Tabellskjema (JSON)",
	"freq.CONT":         "Kontinuerlig",
	"freq.UPDATE_CONT":  "Kontinuerlig",
	"freq.HOURLY":       "Hver time",
	"freq.DAILY_2":      "To ganger om dagen",
	"freq.DAILY":        "Daglig",
	"freq.WEEKLY_3":     "Tre ganger i uka",
	"freq.WEEKLY_2":     "To ganger i uka",
	"freq.WEEKLY":       "Ukentlig",
	"freq.BIWEEKLY":     "Annenhver uke",
	"freq.MONTHLY":      "Månedlig",
	"freq.BIMONTHLY":    "Annenhver måned",
	"freq.QUARTERLY":    "Kvartalsvis",
	"freq.ANNUAL_2":     "Halvårlig",
	"freq.ANNUAL":       "Årlig",
	"freq.IRREG":        "Uregelmessig",
	"freq.UNKNOWN":      "Ukjent",
}

var textsEN = map[string]string{
	"skip":              "Skip to main content",
	"nav":               "Main menu",
	"nav.datasets":      "Datasets",
	"nav.api":           "API",
	"nav.catalog":       "Catalogue (DCAT)",
	"switch":            "Norsk",
	"switch.label":      "Les denne siden på norsk",
	"breadcrumb":        "Breadcrumb",
	"home":              "Home",
	"datasets":          "Datasets",
	"count":             "Showing {n} of {total} datasets.",
	"count.all":         "{total} datasets.",
	"filter":            "Search and filter",
	"search":            "Search the datasets",
	"search.hint":       "Searches titles, descriptions, keywords and publishers.",
	"theme":             "Theme",
	"format":            "Format",
	"access":            "Access",
	"updated":           "Updated",
	"any":               "All",
	"updated.7":         "Last 7 days",
	"updated.30":        "Last 30 days",
	"updated.365":       "Last year",
	"reset":             "Reset",
	"nomatch":           "No dataset matches the search.",
	"rows":              "rows",
	"not-published":     "Not published yet",
	"updated.on":        "Updated",
	"publisher":         "Publisher",
	"orgnr":             "org. no.",
	"contact":           "Contact",
	"license":           "Licence",
	"frequency":         "Update frequency",
	"last-updated":      "Last updated",
	"first-published":   "First published",
	"version":           "Version",
	"row-count":         "Rows",
	"themes":            "Themes",
	"keywords":          "Keywords",
	"provenance":        "Provenance",
	"about":             "About the dataset",
	"status":            "Quality and privacy",
	"downloads":         "Download",
	"downloads.note":    "The files belong to version {v}. Every version keeps its addresses.",
	"file":              "File",
	"size":              "Size",
	"schema":            "Columns (table schema)",
	"schema.caption":    "The dataset's columns, with type and description",
	"col.name":          "Name",
	"col.type":          "Type",
	"col.desc":          "Description",
	"col.required":      "Required",
	"col.key":           "Primary key",
	"yes":               "Yes",
	"no":                "No",
	"preview":           "Preview",
	"preview.caption":   "The first {n} of {total} rows",
	"preview.none":      "No preview: the dataset has no CSV file.",
	"scroll":            "The table scrolls sideways.",
	"history":           "Version history",
	"history.caption":   "Published versions, newest first",
	"history.chart":     "Rows per version",
	"history.chartalt":  "Bar chart of the number of rows in each of the {n} latest versions, oldest on the left. The table below gives the numbers.",
	"published":         "Published",
	"examples":          "Use the data",
	"examples.intro":    "The examples can be copied as they are.",
	"ex.curl":           "Query API with curl (the first 10 rows as JSON)",
	"ex.pandas":         "Python with pandas",
	"ex.duckdb":         "SQL in DuckDB over the Parquet file",
	"copy":              "Copy",
	"copied":            "Copied to the clipboard.",
	"badge.validation":  "Validation",
	"badge.valid.ok":    "Passed",
	"badge.valid.warn":  "Passed with rejected rows",
	"badge.valid.fail":  "Failed",
	"badge.classify":    "Privacy check",
	"badge.class.none":  "No personal data found",
	"badge.class.ok":    "Reviewed and allowed by the data steward",
	"badge.class.held":  "Held back: metadata only",
	"badge.unknown":     "Unknown",
	"valid.summary":     "{valid} of {rows} rows are valid ({invalid} rejected, the limit is {max}).",
	"findings":          "Findings of the privacy check",
	"findings.caption":  "Columns where possible personal data or identifiers were found",
	"finding.column":    "Column",
	"finding.kind":      "Kind",
	"finding.matches":   "Matches",
	"finding.personal":  "Personal data",
	"finding.status":    "Assessment",
	"finding.allowed":   "Allowed by the data steward",
	"finding.blocking":  "Stops publication",
	"finding.info":      "Not personal data",
	"finding.noted":     "Noted",
	"no-data":           "No data has been published for this dataset yet.",
	"restricted":        "The dataset is not publicly accessible. Only its description is published.",
	"api":               "API documentation",
	"api.intro":         "The query API returns the rows of every public dataset as JSON, CSV or NDJSON, with filters, column selection, sorting and paging.",
	"api.raw":           "The OpenAPI document (JSON)",
	"api.servers":       "Address",
	"api.ops":           "Endpoints",
	"api.params":        "Parameters",
	"api.params.cap":    "Parameters of {op}",
	"api.filters":       "Filter parameters ({n})",
	"api.filters.cap":   "Filter parameters of {op}",
	"api.in":            "In",
	"api.responses":     "Responses",
	"api.code":          "Code",
	"api.none":          "The API description has not been published yet.",
	"catalog":           "Data catalogue",
	"catalog.intro":     "The catalogue describes every dataset in DCAT-AP-NO, so that data.norge.no can harvest it.",
	"footer.by":         "Published by",
	"footer.dele":       "Made with Dele – share data when we can, shield it when we must.",
	"machine":           "For machines",
	"access.PUBLIC":     "Public",
	"access.RESTRICTED": "Restricted",
	"access.NON_PUBLIC": "Non-public",
	"file.data.parquet": "Parquet",
	"file.data.csv":     "CSV (comma, UTF-8)",
	"file.data-nb.csv":  "CSV for Excel (semicolon, decimal comma)",
	"file.schema.json":  "Table schema (JSON)",
	"freq.CONT":         "Continuous",
	"freq.UPDATE_CONT":  "Continuous",
	"freq.HOURLY":       "Hourly",
	"freq.DAILY_2":      "Twice a day",
	"freq.DAILY":        "Daily",
	"freq.WEEKLY_3":     "Three times a week",
	"freq.WEEKLY_2":     "Twice a week",
	"freq.WEEKLY":       "Weekly",
	"freq.BIWEEKLY":     "Every other week",
	"freq.MONTHLY":      "Monthly",
	"freq.BIMONTHLY":    "Every other month",
	"freq.QUARTERLY":    "Quarterly",
	"freq.ANNUAL_2":     "Twice a year",
	"freq.ANNUAL":       "Annual",
	"freq.IRREG":        "Irregular",
	"freq.UNKNOWN":      "Unknown",
}
