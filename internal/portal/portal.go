// Package portal generates the public open-data web pages: a start page
// listing every dataset and a page per dataset. The pages are static and
// self-contained (no server, no CDN), work without JavaScript, and follow
// WCAG 2.1 AA: semantic HTML, language attributes, visible focus, contrast.
package portal

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"path"
	"sort"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/config"
	"github.com/dele-opendata/dele/internal/publish"
)

// Entry is one registered dataset and, when published, its latest version.
type Entry struct {
	Def    *datasets.Definition
	Latest *publish.Manifest
}

// Page is one generated file.
type Page struct {
	Key     string
	Content []byte
}

//go:embed templates/*.html
var templates embed.FS

var tmpl = template.Must(template.New("").Funcs(template.FuncMap{
	"size":  humanSize,
	"theme": func(code string) string { return datasets.Themes[code] },
	"base":  path.Base,
	"dict": func(kv ...any) map[string]any {
		m := map[string]any{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	},
}).ParseFS(templates, "templates/*.html"))

// Build returns the portal's pages for entries.
func Build(cfg *config.Config, entries []Entry) ([]Page, error) {
	sort.Slice(entries, func(i, j int) bool { return entries[i].Def.ID < entries[j].Def.ID })
	var pages []Page
	render := func(key, name string, data any) error {
		var buf bytes.Buffer
		if err := tmpl.ExecuteTemplate(&buf, name, data); err != nil {
			return fmt.Errorf("portal: render %s: %w", key, err)
		}
		pages = append(pages, Page{Key: key, Content: buf.Bytes()})
		return nil
	}
	if err := render("index.html", "index.html", map[string]any{"Config": cfg, "Entries": entries, "Root": ""}); err != nil {
		return nil, err
	}
	for _, e := range entries {
		if err := render(path.Join("datasets", e.Def.ID, "index.html"), "dataset.html", map[string]any{"Config": cfg, "E": e, "Root": "../../"}); err != nil {
			return nil, err
		}
	}
	return pages, nil
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f kB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
