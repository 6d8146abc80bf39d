package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/dele-opendata/dele/catalog"
	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/portal"
	"github.com/dele-opendata/dele/internal/publish"
	"github.com/dele-opendata/dele/internal/store"
	"github.com/dele-opendata/dele/openapi"
)

// Cache-Control of the derived documents: harvesters and browsers may keep
// them for five minutes.
const derivedCacheControl = "public, max-age=300"

// Regenerate rebuilds everything derived from the published datasets — the
// DCAT-AP-NO catalog in every serialisation, the OpenAPI document and the
// portal — from the definitions and the latest manifests in the public
// store. Each object is replaced atomically.
func Regenerate(ctx context.Context, env *Env, defs []*datasets.Definition) error {
	var centries []catalog.Entry
	var pentries []portal.Entry
	for _, d := range defs {
		m, err := publish.ReadLatest(ctx, env.Public, d.ID)
		if errors.Is(err, store.ErrNotExist) {
			m = nil
		} else if err != nil {
			return fmt.Errorf("dataset %s: %w", d.ID, err)
		}
		centries = append(centries, catalog.Entry{Def: d, Latest: m})
		pentries = append(pentries, portal.Entry{Def: d, Latest: m})
	}
	cat, err := catalog.Build(env.Config, centries)
	if err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	if err := cat.Publish(ctx, env.Public); err != nil {
		return err
	}

	aentries, err := openapi.LoadEntries(ctx, env.Public, defs)
	if err != nil {
		return fmt.Errorf("openapi: %w", err)
	}
	doc, err := openapi.Build(env.Config, aentries)
	if err != nil {
		return fmt.Errorf("openapi: %w", err)
	}
	docJSON, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("openapi: encode: %w", err)
	}
	if err := putDerived(ctx, env.Public, "openapi.json", "application/json", docJSON); err != nil {
		return err
	}

	pages, err := portal.Build(ctx, env.Config, env.Public, pentries)
	if err != nil {
		return err
	}
	for _, p := range pages {
		if err := putDerived(ctx, env.Public, p.Key, "text/html; charset=utf-8", p.Content); err != nil {
			return err
		}
	}
	return nil
}

func putDerived(ctx context.Context, st store.Store, key, mediaType string, b []byte) error {
	if err := st.Put(ctx, key, bytesReader(b), store.PutOptions{ContentType: mediaType, CacheControl: derivedCacheControl, SHA256: sha256Hex(b)}); err != nil {
		return fmt.Errorf("write %s: %w", key, err)
	}
	return nil
}
