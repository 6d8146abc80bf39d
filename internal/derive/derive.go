// Package derive rebuilds what is derived from everything published — the
// DCAT-AP-NO catalog in every serialisation, the OpenAPI document of the
// query API and the static portal — from the dataset definitions and the
// latest manifests in the public store.
//
// It is apart from package pipeline so that the Lambda catalog function can
// regenerate without linking the extract and convert stages; the CLI
// reaches it through pipeline.Regenerate.
package derive

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/dele-opendata/dele/catalog"
	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/config"
	"github.com/dele-opendata/dele/internal/portal"
	"github.com/dele-opendata/dele/internal/publish"
	"github.com/dele-opendata/dele/internal/store"
	"github.com/dele-opendata/dele/openapi"
)

// CacheControl is the Cache-Control of the derived documents: harvesters
// and browsers may keep them for five minutes.
const CacheControl = "public, max-age=300"

// Regenerate rebuilds the catalog, the OpenAPI document (openapi.json) and
// the portal in public from defs and their latest published manifests.
// Each object is replaced atomically; a dataset never published is
// catalogued without distributions.
func Regenerate(ctx context.Context, public store.Store, cfg *config.Config, defs []*datasets.Definition) error {
	var centries []catalog.Entry
	var pentries []portal.Entry
	for _, d := range defs {
		m, err := publish.ReadLatest(ctx, public, d.ID)
		if errors.Is(err, store.ErrNotExist) {
			m = nil
		} else if err != nil {
			return fmt.Errorf("dataset %s: %w", d.ID, err)
		}
		centries = append(centries, catalog.Entry{Def: d, Latest: m})
		pentries = append(pentries, portal.Entry{Def: d, Latest: m})
	}
	cat, err := catalog.Build(cfg, centries)
	if err != nil {
		return fmt.Errorf("catalog: %w", err)
	}
	if err := cat.Publish(ctx, public); err != nil {
		return err
	}

	aentries, err := openapi.LoadEntries(ctx, public, defs)
	if err != nil {
		return fmt.Errorf("openapi: %w", err)
	}
	doc, err := openapi.Build(cfg, aentries)
	if err != nil {
		return fmt.Errorf("openapi: %w", err)
	}
	docJSON, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return fmt.Errorf("openapi: encode: %w", err)
	}
	if err := put(ctx, public, "openapi.json", "application/json", docJSON); err != nil {
		return err
	}

	pages, err := portal.Build(ctx, cfg, public, pentries)
	if err != nil {
		return err
	}
	for _, p := range pages {
		if err := put(ctx, public, p.Key, "text/html; charset=utf-8", p.Content); err != nil {
			return err
		}
	}
	return nil
}

func put(ctx context.Context, st store.Store, key, mediaType string, b []byte) error {
	sum := sha256.Sum256(b)
	o := store.PutOptions{ContentType: mediaType, CacheControl: CacheControl, SHA256: hex.EncodeToString(sum[:])}
	if err := st.Put(ctx, key, bytes.NewReader(b), o); err != nil {
		return fmt.Errorf("write %s: %w", key, err)
	}
	return nil
}
