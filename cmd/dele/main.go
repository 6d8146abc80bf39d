// Command dele runs Dele on one machine: it extracts, classifies, validates,
// converts and publishes the registered datasets into a local folder, and
// serves that folder with the catalog, the OpenAPI document and the query API.
//
//	dele run [-out public] [dataset ...]   publish datasets
//	dele serve [-out public] [-addr :8080] serve the published folder
//	dele datasets check                    check every definition
//	dele catalog check [-file catalog.ttl] check the DCAT-AP-NO catalog
//	dele help                              list all commands
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"

	"github.com/dele-opendata/dele/internal/gctune"
)

// command is one subcommand of dele.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *cliEnv, args []string) error
}

// commands lists the subcommands. Each lives in its own file.
var commands = []command{
	{"run", "extract, classify, validate, convert and publish datasets", cmdRun},
	{"serve", "serve the published folder, catalog, OpenAPI and query API over HTTP", cmdServe},
	{"datasets check", "check every dataset definition", cmdDatasetsCheck},
	{"datasets list", "list registered datasets and their schedules", cmdDatasetsList},
	{"catalog check", "check the DCAT-AP-NO catalog and print its problems", cmdCatalogCheck},
	{"schema infer", "print the Table Schema inferred from every row of a CSV file", cmdSchemaInfer},
	{"validate", "validate a CSV file against a Table Schema and print the report", cmdValidate},
	{"convert", "convert a UTF-8 CSV file to Parquet with a Table Schema (strict, fast)", cmdConvert},
	{"runs", "list the recorded runs of one or all datasets, newest first", cmdRuns},
	{"report", "print the report of a dataset's newest (or a named) run", cmdReport},
}

// cliEnv is what a command may touch of the outside world.
type cliEnv struct {
	stdout, stderr io.Writer
	getenv         func(string) string
	// isTerminal reports whether stderr is a terminal (progress bars).
	isTerminal bool
}

// errUsage marks errors in how the command was called (exit code 2).
var errUsage = errors.New("usage")

// errFailed marks commands that ran but found failures (a dataset not
// published, problems in definitions or the catalog; exit code 1); the command
// has already reported the details.
var errFailed = errors.New("failed")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	gctune.Apply(os.Getenv)
	env := &cliEnv{stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, isTerminal: isTerminal(os.Stderr)}
	os.Exit(Main(ctx, env, os.Args[1:]))
}

// Main runs dele with args and returns the exit code: 0 when everything
// succeeded, 1 when a dataset failed, 2 for usage errors.
func Main(ctx context.Context, env *cliEnv, args []string) int {
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		usage(env.stdout)
		return 0
	}
	cmd, rest := find(args)
	if cmd == nil {
		fmt.Fprintf(env.stderr, "dele: unknown command %q\n\n", args[0])
		usage(env.stderr)
		return 2
	}
	err := cmd.run(ctx, env, rest)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(env.stderr, "dele %s: %v\n", cmd.name, err)
		return 2
	case errors.Is(err, errFailed):
		fmt.Fprintf(env.stderr, "dele %s: %v\n", cmd.name, err)
		return 1
	default:
		fmt.Fprintf(env.stderr, "dele %s: %v\n", cmd.name, err)
		return 1
	}
}

// find returns the longest command matching the start of args.
func find(args []string) (*command, []string) {
	var best *command
	n := 0
	for i := range commands {
		c := &commands[i]
		words := splitWords(c.name)
		if len(words) <= len(args) && len(words) > n && equal(words, args[:len(words)]) {
			best, n = c, len(words)
		}
	}
	if best == nil {
		return nil, nil
	}
	return best, args[n:]
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "dele publishes open data: share data when we can, shield it when we must.")
	fmt.Fprintln(w, "\nUsage: dele <command> [flags] [arguments]\n\nCommands:")
	cs := append([]command(nil), commands...)
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	for _, c := range cs {
		fmt.Fprintf(w, "  %-16s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun dele <command> -h for the flags of a command.")
}

func splitWords(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ' ' {
			if i > start {
				out = append(out, s[start:i])
			}
			start = i + 1
		}
	}
	return out
}

func equal(a, b []string) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// newFlags returns a flag set for a command that writes its usage to env.
func newFlags(env *cliEnv, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("dele "+name, flag.ContinueOnError)
	fs.SetOutput(env.stderr)
	return fs
}
