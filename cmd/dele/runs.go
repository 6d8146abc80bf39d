package main

import (
	"context"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/dele-opendata/dele/internal/publish"
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
