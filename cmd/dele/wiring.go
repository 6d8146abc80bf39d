package main

import (
	"context"
	"fmt"

	"github.com/dele-opendata/dele/catalog"
	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/config"
	"github.com/dele-opendata/dele/internal/server"
	"github.com/dele-opendata/dele/internal/store"
	"github.com/dele-opendata/dele/openapi"
)

// serverOptions wires the query API (under /api) and catalog negotiation
// into dele serve.
func serverOptions(ctx context.Context, cfg *config.Config, defs []*datasets.Definition, public store.Store) (server.Options, error) {
	api, err := openapi.NewHandler(ctx, openapi.Options{Config: cfg, Definitions: defs, Store: public, Prefix: ""})
	if err != nil {
		return server.Options{}, fmt.Errorf("query API: %w", err)
	}
	return server.Options{API: api, Catalog: catalog.Handler(public)}, nil
}
