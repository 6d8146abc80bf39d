package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/dele-opendata/dele/catalog"
	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/config"
	"github.com/dele-opendata/dele/internal/store/fsstore"
)

// cmdCatalogCheck checks the DCAT-AP-NO catalog: by default the one built
// from dele.yaml, the definitions and what is published in -out; with -file,
// a catalog document (Turtle or N-Triples) such as public/catalog.ttl. It
// validates against the official DCAT-AP-NO 2.00 SHACL shapes embedded in
// the binary (no network, no Node) plus the harvester rules the shapes do
// not express, and prints the violations, then the warnings, in plain
// language (see printProblems). Violations fail the command (exit code 1);
// warnings alone do not.
func cmdCatalogCheck(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "catalog check")
	file := fs.String("file", "", "check this catalog file (Turtle or N-Triples) instead of building the catalog")
	cfgFile := fs.String("config", "dele.yaml", "installation config")
	dir := fs.String("definitions", defaultDefinitions, "folder of dataset definitions")
	out := fs.String("out", defaultOut, "published folder whose latest.json files give the published versions")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	var doc []byte
	what := *file
	if *file != "" {
		b, err := os.ReadFile(*file)
		if err != nil {
			return err
		}
		doc = b
	} else {
		c, n, err := buildCatalog(ctx, *cfgFile, *dir, *out)
		if errors.Is(err, catalog.ErrInvalid) {
			for _, line := range strings.Split(strings.TrimPrefix(err.Error(), catalog.ErrInvalid.Error()+": "), "\n") {
				fmt.Fprintln(env.stderr, line)
			}
			return fmt.Errorf("%w: the catalog cannot be built", errFailed)
		}
		if err != nil {
			return err
		}
		var b bytes.Buffer
		if err := c.Turtle(&b); err != nil {
			return err
		}
		doc = b.Bytes()
		what = fmt.Sprintf("catalog of %d dataset(s) built from %s, %s and %s", n, *cfgFile, *dir, *out)
	}
	ps, err := catalog.Check(doc)
	if err != nil {
		return err
	}
	violations, warnings := printProblems(env.stderr, ps)
	if violations > 0 {
		return fmt.Errorf("%w: %d violation(s) and %d warning(s) in the %s", errFailed, violations, warnings, what)
	}
	fmt.Fprintf(env.stdout, "%s: no violations of the DCAT-AP-NO 2.00 shapes or the harvester rules, %d warning(s)\n", what, warnings)
	return nil
}

// printProblems prints the problems (violations first, as catalog.Check
// orders them), each as
//
//	violation: dataset x: missing dct:publisher
//	    nb: dct:publisher skal ha én og bare én verdi som skal være IRI
//	    <https://…/datasets/x> dct:publisher, DCAT-AP-NO shape Dataset_Shape/property[dct:publisher]
//
// and returns the number of violations and warnings.
func printProblems(w io.Writer, ps []catalog.Problem) (violations, warnings int) {
	for _, p := range ps {
		if p.Severity == catalog.SeverityViolation {
			violations++
		} else {
			warnings++
		}
		fmt.Fprintf(w, "%s: %s\n", p.Severity, p)
		if p.MessageNB != "" {
			fmt.Fprintf(w, "    nb: %s\n", p.MessageNB)
		}
		var where []string
		if p.IRI != "" {
			where = append(where, "<"+p.IRI+">")
		}
		if p.Property != "" {
			where = append(where, p.Property)
		}
		rule := "harvester rule"
		if p.Shape != "" {
			rule = "DCAT-AP-NO shape " + p.Shape
		}
		fmt.Fprintf(w, "    %s\n", strings.TrimSpace(strings.Join(where, " ")+", "+rule))
	}
	return violations, warnings
}

// buildCatalog builds the catalog from the config, the definitions and the
// published manifests in the folder out.
func buildCatalog(ctx context.Context, cfgFile, dir, out string) (*catalog.Catalog, int, error) {
	cfg, err := config.Load(cfgFile)
	if err != nil {
		return nil, 0, err
	}
	defs, err := datasets.Load(dir)
	if err != nil {
		return nil, 0, err
	}
	public, err := fsstore.New(out)
	if err != nil {
		return nil, 0, err
	}
	entries, err := catalog.LoadEntries(ctx, public, defs)
	if err != nil {
		return nil, 0, err
	}
	c, err := catalog.Build(cfg, entries)
	return c, len(defs), err
}
