// Package portal generates the public open-data web site: a start page
// listing every dataset (with search and filters), a page per dataset
// (metadata, downloads, schema, a preview of the first rows, validation and
// classification badges, version history with a chart, copy-ready examples)
// and a readable rendering of the OpenAPI document — in bokmål, with an
// English copy under en/.
//
// The pages are static and self-contained: no server, no CDN, relative links
// only, so the site works from S3/CloudFront under any base path and from
// `dele serve`. Everything essential works without JavaScript; a small inline
// script only adds live filtering and copy buttons. The markup follows WCAG
// 2.1 AA: landmarks, a skip link, language attributes, visible focus,
// contrast of at least 4.5:1, tables with captions and headers, labelled
// form controls, and text next to every colour.
//
// Build reads what it needs from the public store (Load) and renders the
// pages (Render); Render is pure, so the templates are tested with golden
// files.
package portal

import (
	"context"
	"fmt"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/classify"
	"github.com/dele-opendata/dele/internal/config"
	"github.com/dele-opendata/dele/internal/publish"
	"github.com/dele-opendata/dele/internal/store"
	"github.com/dele-opendata/dele/internal/validate"
)

// PreviewRows is the number of data rows shown on a dataset page.
const PreviewRows = 10

// Entry is one registered dataset and, when published, its latest version
// with the public part of its run report and the first rows of its CSV.
type Entry struct {
	Def    *datasets.Definition
	Latest *publish.Manifest
	// Report is the latest version's report.json (nil when unknown).
	Report *Report
	// Preview holds the first rows of the latest version's CSV (nil when
	// no CSV is published).
	Preview *Preview
}

// Report is the part of a version's report.json the portal shows.
type Report struct {
	Classification *classify.Decision `json:"classification,omitempty"`
	Validation     *validate.Report   `json:"validation,omitempty"`
}

// Preview is the header and the first rows of a published CSV.
type Preview struct {
	Header []string
	Rows   [][]string
}

// Page is one generated file.
type Page struct {
	Key     string
	Content []byte
}

// Build loads the run reports, row previews and OpenAPI document from the
// public store and renders every page of the portal.
func Build(ctx context.Context, cfg *config.Config, public store.Store, entries []Entry) ([]Page, error) {
	api, err := Load(ctx, public, entries)
	if err != nil {
		return nil, err
	}
	return Render(cfg, entries, api)
}

// Load fills in Report and Preview of every published entry from the public
// store, and reads and returns the OpenAPI document (nil when none is
// published). A missing report or CSV leaves the field nil; any other store
// or parse error is returned.
func Load(ctx context.Context, public store.Store, entries []Entry) (*API, error) {
	for i := range entries {
		e := &entries[i]
		if e.Latest == nil {
			continue
		}
		if f, ok := e.Latest.File(publish.FileReport); ok {
			r, err := readReport(ctx, public, f.Key)
			if err != nil {
				return nil, fmt.Errorf("portal: dataset %s: %w", e.Def.ID, err)
			}
			e.Report = r
		}
		if f, ok := e.Latest.File(publish.FileCSV); ok {
			p, err := readPreview(ctx, public, f.Key, PreviewRows)
			if err != nil {
				return nil, fmt.Errorf("portal: dataset %s: %w", e.Def.ID, err)
			}
			e.Preview = p
		}
	}
	api, err := readAPI(ctx, public, "openapi.json")
	if err != nil {
		return nil, fmt.Errorf("portal: %w", err)
	}
	return api, nil
}
