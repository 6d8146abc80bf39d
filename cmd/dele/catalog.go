package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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
// prints each problem in plain language.
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
	vs, err := catalog.Check(doc)
	if err != nil {
		return err
	}
	for _, v := range vs {
		fmt.Fprintln(env.stderr, v.String())
	}
	if len(vs) > 0 {
		return fmt.Errorf("%w: %d problem(s) in the %s", errFailed, len(vs), what)
	}
	fmt.Fprintf(env.stdout, "%s: the mandatory DCAT-AP-NO properties are present\n", what)
	return nil
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
