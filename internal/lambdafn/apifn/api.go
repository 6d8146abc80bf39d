// Package apifn is the Lambda query API: API Gateway HTTP API (payload
// format 2.0, route ANY /api/{proxy+}) in front of openapi.NewHandler
// through openapi/lambdaadapter, reading the published Parquet files from
// the public bucket. It only reads.
//
// The handler is built on the first request, not at init, so a cold start
// does not wait for S3; it re-reads the published manifests every 30
// seconds as `dele serve` does.
//
// Parquet files are read with ranged GETs (the S3 store, also under a
// prefix, is a store.RangeGetter): the footer and the column chunks a
// query needs, never a whole file, so a dataset larger than the
// function's /tmp can be queried and row-group pruning saves the reads it
// skips. Only a public store without ranged reads would make the query
// API copy each file to CacheDir first.
package apifn

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"

	"github.com/aws/aws-lambda-go/events"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/config"
	"github.com/dele-opendata/dele/internal/lambdafn"
	"github.com/dele-opendata/dele/internal/store"
	"github.com/dele-opendata/dele/openapi"
	"github.com/dele-opendata/dele/openapi/lambdaadapter"
)

// API serves the query API.
type API struct {
	Public      store.Store
	Config      *config.Config
	Definitions []*datasets.Definition
	// Prefix is the path the API's route is under ("/api"); it is removed
	// before the handler sees the path.
	Prefix string
	// CacheDir holds local copies of Parquet files when Public has no
	// ranged reads (store.RangeGetter); the S3 store has them, so in
	// Lambda nothing is copied there. It is under DELE_TEMP_DIR (/tmp).
	CacheDir string
	Log      *slog.Logger

	mu sync.Mutex
	fn func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)
}

// Handler builds the function from the configuration; functions/api passes
// it to lambdafn.Start.
func Handler(ctx context.Context, cfg *lambdafn.Config) (any, error) {
	a, err := New(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return a.Handle, nil
}

// New builds the function from the configuration: the bundled definitions
// and settings and the public bucket.
func New(ctx context.Context, cfg *lambdafn.Config) (*API, error) {
	r, err := cfg.Open(ctx, lambdafn.NeedPublic)
	if err != nil {
		return nil, err
	}
	return &API{Public: r.Public, Config: r.Settings, Definitions: r.Definitions, Prefix: cfg.APIPrefix,
		CacheDir: filepath.Join(cfg.TempDir, "dele-api-cache"), Log: r.Log}, nil
}

// handler returns the adapted query API, building it on first use. A
// failed build is retried on the next request.
func (a *API) handler(ctx context.Context) (func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error), error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.fn != nil {
		return a.fn, nil
	}
	if _, ok := a.Public.(store.RangeGetter); !ok && a.Log != nil {
		a.Log.Warn("the public store has no ranged reads: Parquet files are copied whole to the cache folder", "store", fmt.Sprintf("%T", a.Public), "cacheDir", a.CacheDir)
	}
	h, err := openapi.NewHandler(ctx, openapi.Options{Config: a.Config, Definitions: a.Definitions, Store: a.Public, CacheDir: a.CacheDir})
	if err != nil {
		return nil, err
	}
	a.fn = lambdaadapter.Handler(h, a.Prefix)
	return a.fn, nil
}

// Handle answers one API Gateway HTTP API request.
func (a *API) Handle(ctx context.Context, ev events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	fn, err := a.handler(ctx)
	if err != nil {
		if a.Log != nil {
			a.Log.Error("query API unavailable", "err", err)
		}
		body, _ := json.Marshal(map[string]any{
			"type": "about:blank", "title": "Service Unavailable", "status": http.StatusServiceUnavailable,
			"detail": "the published datasets could not be read; try again shortly",
		})
		return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusServiceUnavailable,
			Headers: map[string]string{"Content-Type": "application/problem+json", "Retry-After": "5", "Cache-Control": "no-store"},
			Body:    string(body)}, nil
	}
	return fn(ctx, ev)
}
