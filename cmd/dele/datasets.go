package main

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/schedule"
)

// defaultDefinitions is the folder of dataset definitions.
const defaultDefinitions = "datasets"

func cmdDatasetsCheck(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "datasets check")
	dir := fs.String("definitions", defaultDefinitions, "folder of dataset definitions")
	if err := fs.Parse(args); err != nil {
		return err
	}
	defs, err := datasets.Load(*dir)
	var ps datasets.Problems
	if errors.As(err, &ps) {
		for _, p := range ps {
			fmt.Fprintln(env.stderr, p.String())
		}
		return fmt.Errorf("%w: %d problem(s) in %s", errFailed, len(ps), *dir)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "%d dataset definition(s) in %s are valid\n", len(defs), *dir)
	return nil
}

func cmdDatasetsList(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "datasets list")
	dir := fs.String("definitions", defaultDefinitions, "folder of dataset definitions")
	if err := fs.Parse(args); err != nil {
		return err
	}
	defs, err := datasets.Load(*dir)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSOURCE\tACCESS\tSCHEDULE\tFREQUENCY\tTITLE")
	for _, d := range defs {
		freq := d.Frequency
		if s, err := schedule.Parse(d.Schedule); err == nil && freq == "" {
			freq = s.Frequency()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", d.ID, d.Source.Type, d.Access, d.Schedule, freq, d.Title.NB)
	}
	return tw.Flush()
}
