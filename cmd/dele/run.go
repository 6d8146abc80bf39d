package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/config"
	"github.com/dele-opendata/dele/internal/pipeline"
	"github.com/dele-opendata/dele/internal/store/fsstore"
)

// defaultPrivate is the local private folder: run records, quarantine,
// locks. It is never served.
const defaultPrivate = ".dele/private"

// localFlags are the flags shared by commands that work on the local stores.
type localFlags struct {
	definitions, config, out, private string
}

func (l *localFlags) register(fs interface {
	StringVar(p *string, name, value, usage string)
}) {
	fs.StringVar(&l.definitions, "definitions", defaultDefinitions, "folder of dataset definitions")
	fs.StringVar(&l.config, "config", "dele.yaml", "installation settings (catalog publisher, base URL)")
	fs.StringVar(&l.out, "out", defaultOut, "public output folder")
	fs.StringVar(&l.private, "private", defaultPrivate, "private folder for run records, quarantined rows and locks")
}

// env opens the local stores and settings as a pipeline environment.
func (l *localFlags) env(cli *cliEnv) (*pipeline.Env, error) {
	cfg, err := config.Load(l.config)
	if err != nil {
		return nil, err
	}
	public, err := fsstore.New(l.out)
	if err != nil {
		return nil, fmt.Errorf("public folder: %w", err)
	}
	private, err := fsstore.New(l.private)
	if err != nil {
		return nil, fmt.Errorf("private folder: %w", err)
	}
	level := slog.LevelWarn
	if cli.getenv("DELE_LOG") == "debug" {
		level = slog.LevelDebug
	}
	return &pipeline.Env{
		Public: public, Private: private, Config: cfg, Getenv: cli.getenv,
		Log: slog.New(slog.NewTextHandler(cli.stderr, &slog.HandlerOptions{Level: level})),
	}, nil
}

func cmdRun(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "run")
	var lf localFlags
	lf.register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	defs, err := datasets.Load(lf.definitions)
	var ps datasets.Problems
	if errors.As(err, &ps) {
		for _, p := range ps {
			fmt.Fprintln(env.stderr, p.String())
		}
		return fmt.Errorf("%w: fix the definitions first (dele datasets check)", errFailed)
	} else if err != nil {
		return err
	}
	selected, err := datasets.Select(defs, fs.Args())
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	penv, err := lf.env(env)
	if err != nil {
		return err
	}
	if env.isTerminal {
		penv.Progress = progress(env)
	}
	results, err := pipeline.RunAll(ctx, penv, defs, selected)
	printSummary(env, lf.out, results)
	if err != nil {
		return err
	}
	failed := 0
	for _, r := range results {
		if !r.Outcome.OK() {
			failed++
		}
	}
	if failed > 0 {
		return fmt.Errorf("%w: %d of %d dataset(s) not published", errFailed, failed, len(results))
	}
	fmt.Fprintf(env.stdout, "\nCatalog, OpenAPI document and portal written to %s. Browse with: go run ./cmd/dele serve -out %s\n", lf.out, lf.out)
	return nil
}

// progress returns a progress callback that redraws one line on stderr.
func progress(env *cliEnv) func(string, int64) {
	var mu sync.Mutex
	return func(id string, rows int64) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(env.stderr, "\r\033[K%s: %d rows read…", id, rows)
	}
}

func printSummary(env *cliEnv, out string, results []*pipeline.Result) {
	if env.isTerminal {
		fmt.Fprint(env.stderr, "\r\033[K")
	}
	tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DATASET\tOUTCOME\tROWS IN\tROWS OUT\tREJECTED\tACCESS\tVERSION\tTIME")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%s\t%s\t%s\n", r.Dataset, r.Outcome, r.RowsIn, r.RowsOut, r.Rejected, r.Access, r.Version, r.Duration.Round(1e6))
	}
	tw.Flush()
	for _, r := range results {
		if len(r.Files) > 0 {
			var names []string
			for _, f := range r.Files {
				names = append(names, filepath.Join(out, filepath.FromSlash(f.Key)))
			}
			fmt.Fprintf(env.stdout, "\n%s %s:\n  %s\n", r.Dataset, r.Outcome, strings.Join(names, "\n  "))
		}
		if r.Message != "" {
			fmt.Fprintf(env.stdout, "\n%s (%s): %s\n", r.Dataset, r.Outcome, indent(r.Message))
		}
		if r.Report != nil && r.Report.Validation != nil && r.Report.Validation.Invalid > 0 {
			fmt.Fprintf(env.stdout, "\n%s: %d invalid row(s) quarantined in the private store (%s)\n", r.Dataset, r.Report.Validation.Invalid,
				path.Join("quarantine", r.Dataset, r.RunID+".csv"))
		}
	}
}

func indent(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), "\n", "\n  ") }
