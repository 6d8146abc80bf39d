package portal

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/dele-opendata/dele/catalog"
	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/config"
	"github.com/dele-opendata/dele/internal/publish"
)

//go:embed templates/*.html
var templates embed.FS

var tmpl = template.Must(template.New("").Funcs(template.FuncMap{
	"fill": fill,
	"join": strings.Join,
}).ParseFS(templates, "templates/*.html"))

// fill replaces {name} placeholders in s: fill s "n" 3 "total" 4.
func fill(s string, kv ...any) string {
	for i := 0; i+1 < len(kv); i += 2 {
		s = strings.ReplaceAll(s, "{"+fmt.Sprint(kv[i])+"}", fmt.Sprint(kv[i+1]))
	}
	return s
}

// Render renders every page of the portal, in bokmål and in English (under
// en/), for entries and the OpenAPI document api (nil: no API page). It
// reads nothing but its arguments.
func Render(cfg *config.Config, entries []Entry, api *API) ([]Page, error) {
	sorted := append([]Entry(nil), entries...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].Def.ID < sorted[j].Def.ID })
	var pages []Page
	for _, l := range []*lang{langNB, langEN} {
		views := make([]*dsView, len(sorted))
		for i, e := range sorted {
			views[i] = newDSView(cfg, l, e)
		}
		idx := newPage(cfg, l, "index.html", "", cfg.Catalog.TitleNB)
		if l == langEN && cfg.Catalog.TitleEN != "" {
			idx.Title = cfg.Catalog.TitleEN
		}
		idx.Datasets = views
		idx.Options = filterOptions(l, views)
		idx.HasAPI = api != nil
		if err := render(&pages, l.Prefix+"index.html", "index.html", idx); err != nil {
			return nil, err
		}
		for _, v := range views {
			rel := path.Join("datasets", v.ID, "index.html")
			p := newPage(cfg, l, rel, "../../", v.Title)
			p.DS = v
			p.HasAPI = api != nil
			if err := render(&pages, l.Prefix+rel, "dataset.html", p); err != nil {
				return nil, err
			}
		}
		if api != nil {
			p := newPage(cfg, l, "api.html", "", l.T("api"))
			p.API, p.HasAPI = api, true
			if err := render(&pages, l.Prefix+"api.html", "api.html", p); err != nil {
				return nil, err
			}
		}
	}
	return pages, nil
}

func render(pages *[]Page, key, name string, data *pageData) error {
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, name, data); err != nil {
		return fmt.Errorf("portal: render %s: %w", key, err)
	}
	*pages = append(*pages, Page{Key: key, Content: buf.Bytes()})
	return nil
}

// pageData is what every template gets.
type pageData struct {
	Config *config.Config
	L      *lang
	Alt    *lang
	// Home is the relative path from the page to its language's start
	// folder, Root the relative path to the root of the published store.
	Home, Root string
	// Self and AltHref are the relative links to this page in its own and
	// the other language.
	Self, AltHref string
	Title         string
	CatalogTitle  string
	CatalogDesc   string
	HasAPI        bool

	Datasets []*dsView
	Options  filterOpts
	DS       *dsView
	API      *API
}

func newPage(cfg *config.Config, l *lang, rel, home, title string) *pageData {
	root := home
	if l.Prefix != "" {
		root += "../"
	}
	alt := l.other()
	p := &pageData{
		Config: cfg, L: l, Alt: alt, Home: home, Root: root,
		Self: home + rel, AltHref: root + alt.Prefix + rel,
		Title: title, CatalogTitle: cfg.Catalog.TitleNB, CatalogDesc: cfg.Catalog.DescNB,
	}
	if l == langEN {
		if cfg.Catalog.TitleEN != "" {
			p.CatalogTitle = cfg.Catalog.TitleEN
		}
		if cfg.Catalog.DescEN != "" {
			p.CatalogDesc = cfg.Catalog.DescEN
		}
	}
	return p
}

// option is one choice of a filter.
type option struct{ Value, Label string }

type filterOpts struct {
	Themes, Formats, Access []option
}

func filterOptions(l *lang, views []*dsView) filterOpts {
	themes, formats, access := map[string]bool{}, map[string]bool{}, map[string]bool{}
	for _, v := range views {
		for _, t := range v.Themes {
			themes[t.Value] = true
		}
		for _, f := range v.Formats {
			formats[f] = true
		}
		access[v.Access] = true
	}
	var o filterOpts
	for t := range themes {
		o.Themes = append(o.Themes, option{t, l.Theme(t)})
	}
	sort.Slice(o.Themes, func(i, j int) bool { return o.Themes[i].Label < o.Themes[j].Label })
	for _, f := range formatOrder {
		if formats[f.Value] {
			o.Formats = append(o.Formats, option{f.Value, f.Label})
		}
	}
	for _, a := range []string{datasets.AccessPublic, datasets.AccessRestricted, datasets.AccessNonPublic} {
		if access[a] {
			o.Access = append(o.Access, option{a, l.Access(a)})
		}
	}
	return o
}

// formatOrder names the data formats a dataset can be filtered by.
var formatOrder = []option{{"parquet", "Parquet"}, {"csv", "CSV"}, {"csv-nb", "CSV (Excel)"}}

// formatOf maps a published file name to its filter value.
var formatOf = map[string]string{publish.FileParquet: "parquet", publish.FileCSV: "csv", publish.FileCSVNB: "csv-nb"}

// dsView is one dataset as a page shows it, in one language.
type dsView struct {
	ID, Title, Description string
	Publisher              datasets.Publisher
	Contact                datasets.Contact
	LicenseName            string
	LicenseURL             string
	Frequency              string
	Themes                 []option
	Keywords               []string
	Access                 string
	AccessName             string
	Provenance             string
	SearchText             string

	// Published is set when a version is published; the rest is empty
	// otherwise.
	Published bool
	HasData   bool
	Version   string
	Updated   time.Time
	Issued    time.Time
	Rows      int64
	Files     []fileView
	Formats   []string
	// FormatNames name the data files (not the schema) for the list.
	FormatNames []string
	Fields      []fieldView
	Preview     *Preview
	Validation  *badge
	Classify    *badge
	ValidText   string
	Findings    []findingView
	History     []histView
	Chart       *chart
	Examples    []example
}

// ThemeValues lists the theme codes, space-separated (for data attributes).
func (v *dsView) ThemeValues() string {
	var s []string
	for _, t := range v.Themes {
		s = append(s, t.Value)
	}
	return strings.Join(s, " ")
}

// UpdatedISO is the last update in RFC 3339 ("" when unpublished).
func (v *dsView) UpdatedISO() string {
	if v.Updated.IsZero() {
		return ""
	}
	return v.Updated.UTC().Format(time.RFC3339)
}

type fileView struct {
	Label, Name, Key, Size, MediaType string
}

type fieldView struct {
	Name, Type, Description string
	Required, Key           bool
}

type badge struct {
	Label, Value, Class, Icon string
}

type findingView struct {
	Column, Kind, Matches, Status string
	Personal                      bool
}

type histView struct {
	Version, Published, Rows string
	Current                  bool
}

type example struct {
	ID, Title, Lang, Code string
}

func newDSView(cfg *config.Config, l *lang, e Entry) *dsView {
	d := e.Def
	v := &dsView{
		ID: d.ID, Title: l.Text(d.Title), Description: l.Text(d.Description),
		Publisher: d.Publisher, Contact: d.Contact, Keywords: l.Keywords(d.Keywords),
		Access: d.Access, Provenance: d.Provenance,
	}
	v.LicenseName, v.LicenseURL = l.License(d.License)
	freq := d.Frequency
	if freq == "" {
		f, err := catalog.FrequencyOf(d.Schedule)
		if err != nil {
			f = "UNKNOWN"
		}
		freq = f
	}
	v.Frequency = l.Frequency(freq)
	for _, t := range d.Themes {
		v.Themes = append(v.Themes, option{t, l.Theme(t)})
	}
	m := e.Latest
	if m != nil {
		v.Published = true
		if m.Access != "" {
			v.Access = m.Access
		}
		v.Version, v.Updated, v.Issued, v.Rows = m.Version, m.Published, m.Issued, m.Rows
		for _, f := range m.Files {
			if f.Name == publish.FileReport || f.Name == publish.FileReportText || f.Name == publish.FileManifest {
				continue
			}
			v.Files = append(v.Files, fileView{Label: l.Format(f.Name), Name: f.Name, Key: f.Key, Size: l.Size(f.Size), MediaType: f.MediaType})
			if fm, ok := formatOf[f.Name]; ok {
				v.Formats = append(v.Formats, fm)
				v.FormatNames = append(v.FormatNames, l.Format(f.Name))
				v.HasData = true
			}
		}
		if m.Schema != nil {
			pk := map[string]bool{}
			for _, k := range m.Schema.PrimaryKey {
				pk[k] = true
			}
			for _, f := range m.Schema.Fields {
				fv := fieldView{Name: f.Name, Type: string(f.Type), Description: f.Description, Key: pk[f.Name]}
				if f.Format != "" && f.Format != "default" {
					fv.Type += " (" + f.Format + ")"
				}
				if f.Constraints.Required {
					fv.Required = true
				}
				v.Fields = append(v.Fields, fv)
			}
		}
		v.Preview = e.Preview
		v.History, v.Chart = history(l, m)
		v.Examples = examples(cfg, l, d.ID, m)
	}
	v.AccessName = l.Access(v.Access)
	if m != nil {
		v.Validation, v.ValidText = validationBadge(l, e.Report)
		v.Classify, v.Findings = classificationBadge(l, e.Report)
	}
	v.SearchText = strings.ToLower(strings.Join(append([]string{d.ID, v.Title, v.Description, d.Publisher.Name}, v.Keywords...), " "))
	return v
}

func validationBadge(l *lang, r *Report) (*badge, string) {
	b := &badge{Label: l.T("badge.validation")}
	if r == nil || r.Validation == nil {
		b.Value, b.Class, b.Icon = l.T("badge.unknown"), "info", "?"
		return b, ""
	}
	vr := r.Validation
	switch {
	case vr.Failed:
		b.Value, b.Class, b.Icon = l.T("badge.valid.fail"), "bad", "✕"
	case vr.Invalid > 0:
		b.Value, b.Class, b.Icon = l.T("badge.valid.warn"), "warn", "!"
	default:
		b.Value, b.Class, b.Icon = l.T("badge.valid.ok"), "ok", "✓"
	}
	text := fill(l.T("valid.summary"), "valid", l.Num(vr.Valid), "rows", l.Num(vr.Rows), "invalid", l.Num(vr.Invalid), "max", l.Percent(vr.MaxInvalidShare))
	return b, text
}

func classificationBadge(l *lang, r *Report) (*badge, []findingView) {
	b := &badge{Label: l.T("badge.classify")}
	if r == nil || r.Classification == nil {
		b.Value, b.Class, b.Icon = l.T("badge.unknown"), "info", "?"
		return b, nil
	}
	c := r.Classification
	var fv []findingView
	allowed := false
	for _, f := range c.Findings {
		status := l.T("finding.info")
		switch {
		case f.Blocking:
			status = l.T("finding.blocking")
		case f.Allowed:
			status = l.T("finding.allowed")
			allowed = true
		case f.Personal:
			status = l.T("finding.noted")
		}
		fv = append(fv, findingView{Column: f.Column, Kind: string(f.Kind), Matches: l.Num(f.Matches) + " / " + l.Num(f.NonEmpty), Personal: f.Personal, Status: status})
	}
	switch {
	case !c.Publish:
		b.Value, b.Class, b.Icon = l.T("badge.class.held"), "bad", "✕"
	case allowed:
		b.Value, b.Class, b.Icon = l.T("badge.class.ok"), "ok", "✓"
	default:
		b.Value, b.Class, b.Icon = l.T("badge.class.none"), "ok", "✓"
	}
	return b, fv
}

// maxBars is the number of versions the row-count chart shows.
const maxBars = 12

// chart is an inline SVG bar chart of rows per version.
type chart struct {
	Width, Height int
	Bars          []bar
	Baseline      int
	Labels        bool
}

type bar struct {
	X, Y, W, H     int
	LabelX, LabelY int
	Value, Date    string
}

func history(l *lang, m *publish.Manifest) ([]histView, *chart) {
	hist := m.History
	if len(hist) == 0 {
		hist = []publish.VersionSummary{{Version: m.Version, Published: m.Published, Rows: m.Rows}}
	}
	var hv []histView
	for _, h := range hist {
		hv = append(hv, histView{Version: h.Version, Published: l.DateTime(h.Published), Rows: l.Num(h.Rows), Current: h.Version == m.Version})
	}
	n := min(len(hist), maxBars)
	shown := make([]publish.VersionSummary, n)
	for i := range n {
		shown[n-1-i] = hist[i] // oldest first
	}
	var maxRows int64 = 1
	for _, h := range shown {
		maxRows = max(maxRows, h.Rows)
	}
	const width, top, plot, left, plotW = 640, 24, 150, 16, 608
	c := &chart{Width: width, Height: top + plot + 36, Baseline: top + plot, Labels: n <= 8}
	slot := plotW / n
	bw := min(slot*6/10, 72)
	for i, h := range shown {
		bh := int(float64(h.Rows) / float64(maxRows) * plot)
		if h.Rows > 0 && bh < 2 {
			bh = 2
		}
		x := left + i*slot + (slot-bw)/2
		c.Bars = append(c.Bars, bar{
			X: x, Y: top + plot - bh, W: bw, H: bh,
			LabelX: x + bw/2, LabelY: top + plot - bh - 6,
			Value: l.Num(h.Rows), Date: l.Date(h.Published),
		})
	}
	return hv, c
}

func examples(cfg *config.Config, l *lang, id string, m *publish.Manifest) []example {
	var ex []example
	if _, ok := m.File(publish.FileCSV); ok || hasFile(m, publish.FileParquet) {
		ex = append(ex, example{ID: "ex-curl", Title: l.T("ex.curl"), Lang: "shell",
			Code: fmt.Sprintf("curl -s '%s/datasets/%s/rows?limit=10'", cfg.APIURL, id)})
	}
	pq, hasPQ := m.File(publish.FileParquet)
	csv, hasCSV := m.File(publish.FileCSV)
	if hasPQ || hasCSV {
		var b strings.Builder
		b.WriteString("import pandas as pd\n\n")
		if hasPQ {
			fmt.Fprintf(&b, "df = pd.read_parquet(\"%s/%s\")\n", cfg.BaseURL, pq.Key)
			if hasCSV {
				fmt.Fprintf(&b, "# CSV: df = pd.read_csv(\"%s/%s\", dtype=str)\n", cfg.BaseURL, csv.Key)
			}
		} else {
			fmt.Fprintf(&b, "df = pd.read_csv(\"%s/%s\", dtype=str)\n", cfg.BaseURL, csv.Key)
		}
		b.WriteString("print(df.head(10))")
		ex = append(ex, example{ID: "ex-pandas", Title: l.T("ex.pandas"), Lang: "python", Code: b.String()})
	}
	if hasPQ {
		ex = append(ex, example{ID: "ex-duckdb", Title: l.T("ex.duckdb"), Lang: "sql",
			Code: fmt.Sprintf("INSTALL httpfs;\nLOAD httpfs;\nSELECT * FROM read_parquet('%s/%s') LIMIT 10;", cfg.BaseURL, pq.Key)})
	}
	return ex
}

func hasFile(m *publish.Manifest, name string) bool {
	_, ok := m.File(name)
	return ok
}
