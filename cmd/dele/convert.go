package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/dele-opendata/dele/internal/convert"
	"github.com/dele-opendata/dele/internal/tableschema"
)

// cmdConvert converts one UTF-8 delimited file with a header row to
// Parquet with a Table Schema, strictly: the first value that does not
// parse stops it with the line and the column, and no output is left
// behind. It is the fast path the benchmark times (convert.CSVToParquet);
// `dele run` is the path for sources that need detection, the
// personal-data scan, validation with a quarantine, and publishing.
func cmdConvert(ctx context.Context, env *cliEnv, args []string) error {
	fs := newFlags(env, "convert")
	schemaPath := fs.String("schema", "", "Table Schema JSON file (required; see dele schema infer)")
	delimiter := fs.String("delimiter", ",", `field delimiter: one byte, or "tab"`)
	out := fs.String("o", "", "output Parquet file (default: FILE with the extension .parquet)")
	id := fs.String("id", "", "dataset id written into the file's metadata (default: the output's base name)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: dele convert -schema SCHEMA.json [-delimiter D] [-o OUT.parquet] [-id ID] FILE")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 || *schemaPath == "" {
		fs.Usage()
		return fmt.Errorf("%w: want -schema and one file", errUsage)
	}
	comma, err := delimiterByte(*delimiter)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	sb, err := os.ReadFile(*schemaPath)
	if err != nil {
		return err
	}
	schema, err := tableschema.Parse(sb)
	if err != nil {
		return fmt.Errorf("%s: %w", *schemaPath, err)
	}
	in := fs.Arg(0)
	if *out == "" {
		*out = strings.TrimSuffix(in, filepath.Ext(in)) + ".parquet"
	}
	if filepath.Clean(*out) == filepath.Clean(in) {
		return fmt.Errorf("%w: the output would overwrite the input", errUsage)
	}
	if *id == "" {
		*id = strings.TrimSuffix(filepath.Base(*out), filepath.Ext(*out))
	}
	rows, err := convertFile(ctx, in, *out, schema, convert.Metadata{DatasetID: *id}, convert.CSVOptions{Comma: comma, Header: true})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.stdout, "%s: %d rows\n", *out, rows)
	return nil
}

// delimiterByte reads the -delimiter flag.
func delimiterByte(s string) (byte, error) {
	switch {
	case s == "tab" || s == `\t`:
		return '\t', nil
	case len(s) == 1 && s[0] < 0x80 && s[0] != '"' && s[0] != '\n' && s[0] != '\r':
		return s[0], nil
	}
	return 0, fmt.Errorf("delimiter %q: want one ASCII byte other than a quote or a line break, or \"tab\"", s)
}

// convertFile writes in as Parquet to out through a temporary file in the
// same folder, renamed into place only when the whole file was written.
func convertFile(ctx context.Context, in, out string, schema *tableschema.Schema, meta convert.Metadata, o convert.CSVOptions) (int64, error) {
	src, err := os.Open(in)
	if err != nil {
		return 0, err
	}
	defer src.Close()
	tmp, err := os.CreateTemp(filepath.Dir(out), ".dele-convert-*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing to remove
	rows, err := convert.CSVToParquet(ctx, src, tmp, schema, meta, o)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), out)
	}
	if err != nil {
		var pe *convert.ParseError
		if errors.As(err, &pe) {
			return rows, fmt.Errorf("%s: %w", in, err)
		}
		return rows, err
	}
	return rows, nil
}
