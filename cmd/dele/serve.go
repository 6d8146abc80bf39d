package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/config"
	"github.com/dele-opendata/dele/internal/server"
	"github.com/dele-opendata/dele/internal/store/fsstore"
)

// defaultOut is the local public folder.
const defaultOut = "public"

func cmdServe(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "serve")
	var lf localFlags
	lf.register(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	writeIdle := fs.Duration("write-idle", server.DefaultWriteIdle, "close a response that makes no progress (the client accepts no bytes) for this long")
	if err := fs.Parse(args); err != nil {
		return err
	}
	out := &lf.out
	cfg, err := config.Load(lf.config)
	if err != nil {
		return err
	}
	defs, err := datasets.Load(lf.definitions)
	if err != nil {
		return err
	}
	public, err := fsstore.New(*out)
	if err != nil {
		return err
	}
	opts, err := serverOptions(ctx, cfg, defs, public)
	if err != nil {
		return err
	}
	if *writeIdle <= 0 {
		return fmt.Errorf("-write-idle must be positive, got %v", *writeIdle)
	}
	opts.WriteIdle = *writeIdle
	h := server.Handler(public, opts)
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	// No WriteTimeout: a large download may take minutes on a slow line.
	// Instead a response that makes no progress for -write-idle is cut
	// (server.IdleWrites), and the query API bounds its own requests
	// (openapi.Limits.Timeout); requests have no body, so reading one is
	// quick or it is cut.
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10}
	fmt.Fprintf(env.stdout, "Serving %s on http://%s/ (portal /, catalog /catalog, OpenAPI /openapi.json, API /api/datasets). Ctrl-C stops.\n", *out, ln.Addr())
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}
