package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

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
		penv.Progress = progress(env, selected, time.Now)
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

// progress returns a progress callback that redraws one line on stderr:
// a bar over the selected datasets, then the current dataset's rows read
// and rate, e.g.
//
//	[######------------------] 1/4 kostra-vegnett: 1 245 184 rows, 84 100 rows/s
func progress(env *cliEnv, selected []*datasets.Definition, now func() time.Time) func(string, int64) {
	index := make(map[string]int, len(selected))
	for i, d := range selected {
		index[d.ID] = i
	}
	var (
		mu      sync.Mutex
		current string
		started time.Time
	)
	return func(id string, rows int64) {
		mu.Lock()
		defer mu.Unlock()
		if id != current {
			current, started = id, now()
		}
		fmt.Fprintf(env.stderr, "\r\033[K%s", progressLine(index[id], len(selected), id, rows, now().Sub(started)))
	}
}

// progressLine renders the progress of dataset i (0-based) of n.
func progressLine(i, n int, id string, rows int64, elapsed time.Duration) string {
	const width = 24
	done := 0
	if n > 0 {
		done = i * width / n
	}
	bar := strings.Repeat("#", done) + strings.Repeat("-", width-done)
	line := fmt.Sprintf("[%s] %d/%d %s: %s rows", bar, i+1, n, id, groupDigits(rows))
	if s := elapsed.Seconds(); s >= 0.5 {
		line += fmt.Sprintf(", %s rows/s", groupDigits(int64(float64(rows)/s)))
	}
	return line
}

// groupDigits writes n with spaces between groups of three digits, as
// Norwegian does: 1 245 184.
func groupDigits(n int64) string {
	s := strconv.FormatInt(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
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
