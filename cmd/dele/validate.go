package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/dele-opendata/dele/internal/source/csvsrc"
	"github.com/dele-opendata/dele/internal/table"
	"github.com/dele-opendata/dele/internal/tableschema"
	"github.com/dele-opendata/dele/internal/validate"
)

// openText opens a delimited text file with the declared settings, the
// rest detected.
func openText(path, encoding, delimiter string) (*csvsrc.Reader, *os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	r, err := csvsrc.Open(f, csvsrc.Options{Location: path, Encoding: encoding, Delimiter: delimiter})
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return r, f, nil
}

// cmdSchemaInfer prints the Table Schema inferred from every row of a file,
// for a steward to pin in the dataset definition.
func cmdSchemaInfer(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "schema infer")
	encoding := fs.String("encoding", "", "source encoding (default: detect)")
	delimiter := fs.String("delimiter", "", "source delimiter (default: detect)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: dele schema infer [-encoding E] [-delimiter D] FILE")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("%w: want one file", errUsage)
	}
	r, f, err := openText(fs.Arg(0), *encoding, *delimiter)
	if err != nil {
		return err
	}
	defer f.Close()
	in := validate.NewInferrer(r.Header(), validate.InferOptions{MissingValues: r.Detection().MissingValues})
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		in.Add(rec.Fields)
	}
	b, err := in.Schema().MarshalIndent()
	if err != nil {
		return err
	}
	_, err = env.stdout.Write(b)
	return err
}

// cmdValidate validates a file against a schema and prints the summary;
// it fails when the report fails.
func cmdValidate(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "validate")
	schemaPath := fs.String("schema", "", "Table Schema JSON file (required; see dele schema infer)")
	encoding := fs.String("encoding", "", "source encoding (default: detect)")
	delimiter := fs.String("delimiter", "", "source delimiter (default: detect)")
	year := fs.Int("year", 0, "reference year for kommunenummer and fylkesnummer (0: any year with a list)")
	maxInvalid := fs.Float64("max-invalid", validate.DefaultMaxInvalidShare, "largest share of invalid rows before failing")
	quarantine := fs.String("quarantine", "", "write the invalid rows (with their values: keep private) to this CSV file")
	reportPath := fs.String("report", "", "write the JSON report to this file")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: dele validate -schema SCHEMA.json [-year N] [-quarantine FILE] [-report FILE] FILE")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *schemaPath == "" {
		fs.Usage()
		return fmt.Errorf("%w: want -schema and one file", errUsage)
	}
	sb, err := os.ReadFile(*schemaPath)
	if err != nil {
		return err
	}
	schema, err := tableschema.Parse(sb)
	if err != nil {
		return fmt.Errorf("%s: %w", *schemaPath, err)
	}
	r, f, err := openText(fs.Arg(0), *encoding, *delimiter)
	if err != nil {
		return err
	}
	defer f.Close()
	opts := validate.Options{Dataset: fs.Arg(0), ReferenceYear: *year, MaxInvalidShare: maxInvalid}
	if *quarantine != "" {
		q, err := os.Create(*quarantine)
		if err != nil {
			return err
		}
		defer q.Close()
		opts.Quarantine = q
	}
	v, err := validate.New(schema, r.Header(), opts)
	if err != nil {
		return err
	}
	for _, e := range v.Header() {
		fmt.Fprintf(env.stderr, "header: %s: %s\n", e.Check, e.Message)
	}
	if err := validate.Run(ctx, r, v, 0, func(*table.Batch) error { return nil }); err != nil {
		return err
	}
	if err := v.Close(); err != nil {
		return err
	}
	rep := v.Report()
	if *reportPath != "" {
		b, err := rep.JSON()
		if err != nil {
			return err
		}
		if err := os.WriteFile(*reportPath, b, 0o644); err != nil {
			return err
		}
	}
	fmt.Fprint(env.stdout, rep.Summary())
	for _, e := range rep.Errors[:min(10, len(rep.Errors))] {
		where := fmt.Sprintf("line %d", e.Line)
		if e.Field != "" {
			where += ", " + e.Field
		}
		fmt.Fprintf(env.stdout, "  %s: %s: %s\n", where, e.Check, e.Message)
	}
	if rep.Failed {
		return errFailed
	}
	return nil
}
