package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/dele-opendata/dele/internal/pipeline"
	"github.com/dele-opendata/dele/internal/publish"
	"github.com/dele-opendata/dele/internal/store"
	"github.com/dele-opendata/dele/internal/store/fsstore"
)

// cmdRuns lists the run records of one dataset, or of all, newest first.
func cmdRuns(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "runs")
	private := fs.String("private", defaultPrivate, "private folder holding the run records")
	limit := fs.Int("n", 20, "show at most this many runs (0: all)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: dele runs [-private DIR] [-n N] [dataset]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		fs.Usage()
		return fmt.Errorf("%w: at most one dataset id", errUsage)
	}
	priv, err := fsstore.New(*private)
	if err != nil {
		return err
	}
	runs, err := publish.ListRuns(ctx, priv, fs.Arg(0))
	if err != nil {
		return err
	}
	if len(runs) == 0 {
		fmt.Fprintf(env.stdout, "no runs recorded in %s\n", *private)
		return nil
	}
	if *limit > 0 && len(runs) > *limit {
		runs = runs[:*limit]
	}
	tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "START\tDATASET\tRUN\tOUTCOME\tROWS\tREJECTED\tACCESS\tVERSION\tDURATION\tMESSAGE")
	for _, r := range runs {
		msg := r.Error
		if msg == "" {
			msg = r.Message
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\n",
			r.Start.UTC().Format(time.RFC3339), r.Dataset, r.RunID, r.Outcome, r.Rows, r.Rejected,
			dash(r.Classification), dash(r.Version), r.Duration.Round(time.Millisecond), dash(msg))
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// cmdReport prints the report of a dataset's newest run, or of the named
// run: what was read, what the personal-data check decided, which rows
// were rejected and why. Held-back and failed runs publish nothing; their
// report is kept in the private folder only.
func cmdReport(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "report")
	private := fs.String("private", defaultPrivate, "private folder holding the run records and reports")
	asJSON := fs.Bool("json", false, "print the report as JSON (with the validation problems' values)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: dele report [-private DIR] [-json] dataset [run-id]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() < 1 || fs.NArg() > 2 {
		fs.Usage()
		return fmt.Errorf("%w: a dataset id and at most one run id", errUsage)
	}
	dataset, runID := fs.Arg(0), fs.Arg(1)
	if err := publish.CheckID(dataset); err != nil {
		return fmt.Errorf("%w: dataset id: %v", errUsage, err)
	}
	if runID != "" {
		if err := publish.CheckID(runID); err != nil {
			return fmt.Errorf("%w: run id: %v", errUsage, err)
		}
	}
	priv, err := fsstore.New(*private)
	if err != nil {
		return err
	}
	if runID == "" {
		runs, err := publish.ListRuns(ctx, priv, dataset)
		if err != nil {
			return err
		}
		if len(runs) == 0 {
			return fmt.Errorf("no runs of %s recorded in %s", dataset, *private)
		}
		runID = runs[0].RunID
	}
	ext := "txt"
	if *asJSON {
		ext = "json"
	}
	b, err := store.ReadAll(ctx, priv, pipeline.ReportKey(dataset, runID, ext))
	if errors.Is(err, store.ErrNotExist) {
		return fmt.Errorf("no report of run %s of %s in %s (runs recorded before reports were kept have none)", runID, dataset, *private)
	}
	if err != nil {
		return err
	}
	_, err = env.stdout.Write(b)
	return err
}
