package extract

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/source"
	"github.com/dele-opendata/dele/internal/source/brreg"
	"github.com/dele-opendata/dele/internal/source/jsonsrc"
	"github.com/dele-opendata/dele/internal/source/pgsrc"
	"github.com/dele-opendata/dele/internal/source/xlsxsrc"
)

// openXLSX reads a workbook through OpenRaw (path confinement, download,
// hash, not-modified check).
func openXLSX(ctx context.Context, def *datasets.Definition, env Env) (source.Reader, error) {
	raw, err := OpenRaw(ctx, def, env, "text/html", "application/xhtml+xml", "application/json")
	if err != nil {
		return nil, err
	}
	s := def.Source
	r, err := xlsxsrc.OpenFile(raw.Name(), xlsxsrc.Options{Sheet: s.Sheet, HeaderRow: s.HeaderRow, NoHeader: s.NoHeader, Columns: s.Columns, Location: raw.Location})
	// excelize has read what it needs (into memory or its own temporary
	// files) and closed the file: the download can go.
	raw.Close()
	if err != nil {
		return nil, fmt.Errorf("dataset %s: %w", def.ID, err)
	}
	return &reader{Reader: r, meta: rawMeta{location: raw.Location, hash: raw.State.ContentHash, etag: raw.State.ETag, lastMo: raw.State.LastModified}}, nil
}

// confined returns def with a local source path resolved inside Env.Roots.
func confined(def *datasets.Definition, env Env) (*datasets.Definition, error) {
	if def.Source.Path == "" {
		return def, nil
	}
	p, err := resolveLocal(def, env.Roots)
	if err != nil {
		return nil, fmt.Errorf("dataset %s: %w", def.ID, err)
	}
	d := *def
	d.Source.Path, d.Dir = p, filepath.Dir(p)
	return &d, nil
}

// jsonClient is the retrying client for JSON pages, over Env.HTTPClient
// when set.
func jsonClient(env Env) *jsonsrc.Client {
	if env.HTTPClient == nil {
		return nil
	}
	c := jsonsrc.NewClient(0)
	c.HTTP = env.HTTPClient
	return c
}

func openJSON(ctx context.Context, def *datasets.Definition, env Env) (source.Reader, error) {
	d, err := confined(def, env)
	if err != nil {
		return nil, err
	}
	return jsonsrc.Open(ctx, d, jsonClient(env))
}

func openBrreg(ctx context.Context, def *datasets.Definition, env Env) (source.Reader, error) {
	d, err := confined(def, env)
	if err != nil {
		return nil, err
	}
	return brreg.Open(ctx, d, jsonClient(env))
}

func openPostgres(ctx context.Context, def *datasets.Definition, env Env) (source.Reader, error) {
	return pgsrc.Open(ctx, def, pgsrc.Env{Getenv: env.Getenv, Secrets: env.Secrets})
}
