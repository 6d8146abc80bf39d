package main

import (
	"github.com/dele-opendata/dele/catalog"
	"github.com/dele-opendata/dele/internal/server"
	"github.com/dele-opendata/dele/internal/store"
)

// serverOptions wires the query API and catalog negotiation into dele serve.
func serverOptions(public store.Store) server.Options {
	return server.Options{Catalog: catalog.Handler(public)}
}
