// Package pgsrc reads the result of one SQL query against a PostgreSQL
// database as a stream of text records, with pgx.
//
// The connection string never comes from the dataset definition: it is read
// from the environment variable named by source.connectionEnv, or from a
// secret named by source.secretRef (ssm:/name or secretsmanager:name),
// which only a SecretResolver can read. The Lambda worker supplies one;
// locally, a secretRef without a resolver is a clear error telling the
// steward to set connectionEnv instead.
//
// The query runs in a read-only transaction, and rows are read from the
// connection one at a time (memory does not grow with the result). Values
// come as PostgreSQL's own text output, made canonical:
//   - NULL is the empty string;
//   - numeric, integer and float values keep their exact text (numeric
//     454.030 stays 454.030; floats are the shortest round-trip text);
//   - dates are ISO yyyy-mm-dd; timestamps yyyy-mm-ddThh:mm:ss[.ffffff];
//     timestamps with time zone are in UTC with a Z;
//   - booleans are true/false; intervals ISO 8601 (P1Y2M3DT4H);
//   - text, json, uuid and other types as PostgreSQL writes them.
package pgsrc

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/source"
)

// SecretResolver returns the secret a reference names (ssm:/name,
// secretsmanager:name).
type SecretResolver func(ctx context.Context, ref string) (string, error)

// Env is where Open finds connection strings.
type Env struct {
	// Getenv reads an environment variable; nil means os.Getenv.
	Getenv func(string) string
	// Secrets resolves source.secretRef; nil means secret references
	// cannot be used (locally).
	Secrets SecretResolver
}

// ErrNoSecretResolver means the definition names a secret reference but no
// resolver is available (running locally).
var ErrNoSecretResolver = errors.New("secret references are resolved by the Lambda worker; locally, put the connection string in an environment variable and name it in source.connectionEnv")

// ErrNoConnection means no connection string could be found.
var ErrNoConnection = errors.New("no connection string")

// Reader streams the rows of a query. It implements source.Reader.
type Reader struct {
	conn   *pgx.Conn
	tx     pgx.Tx
	rows   pgx.Rows
	header []string
	oids   []uint32
	fields []string
	hasher hash.Hash
	n      int64
	done   bool
	report source.Report
}

var _ source.Reader = (*Reader)(nil)

// ConnString finds the connection string for a definition: from the
// variable named by connectionEnv, else from secretRef through env.Secrets.
func ConnString(ctx context.Context, def *datasets.Definition, env Env) (string, error) {
	s := def.Source
	getenv := env.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	if strings.Contains(s.URL, "://") || strings.Contains(s.Path, "://") || strings.Contains(s.ConnectionEnv, "=") {
		return "", errors.New("the definition holds something that looks like a connection string: never write it in the YAML; put it in an environment variable and name that in source.connectionEnv")
	}
	switch {
	case s.ConnectionEnv != "":
		v := getenv(s.ConnectionEnv)
		if v == "" {
			return "", fmt.Errorf("%w: environment variable %s (source.connectionEnv) is empty or unset", ErrNoConnection, s.ConnectionEnv)
		}
		return v, nil
	case s.SecretRef != "":
		if !strings.HasPrefix(s.SecretRef, "ssm:") && !strings.HasPrefix(s.SecretRef, "secretsmanager:") {
			return "", fmt.Errorf("source.secretRef %q: want ssm:/name or secretsmanager:name", s.SecretRef)
		}
		if env.Secrets == nil {
			return "", fmt.Errorf("source.secretRef %s: %w", s.SecretRef, ErrNoSecretResolver)
		}
		v, err := env.Secrets(ctx, s.SecretRef)
		if err != nil {
			return "", fmt.Errorf("source.secretRef %s: %w", s.SecretRef, err)
		}
		if v == "" {
			return "", fmt.Errorf("%w: secret %s is empty", ErrNoConnection, s.SecretRef)
		}
		return v, nil
	}
	return "", fmt.Errorf("%w: set source.connectionEnv (or source.secretRef)", ErrNoConnection)
}

// Open runs def.Source.Query against the database the definition's
// connectionEnv or secretRef points at.
func Open(ctx context.Context, def *datasets.Definition, env Env) (source.Reader, error) {
	if strings.TrimSpace(def.Source.Query) == "" {
		return nil, fmt.Errorf("dataset %s: extract: a postgres source needs source.query", def.ID)
	}
	cs, err := ConnString(ctx, def, env)
	if err != nil {
		return nil, fmt.Errorf("dataset %s: extract: %w", def.ID, err)
	}
	r, err := New(ctx, cs, def.Source.Query)
	if err != nil {
		return nil, fmt.Errorf("dataset %s: extract: %w", def.ID, err)
	}
	return r, nil
}

// New connects with connString and starts the query. The connection's
// session is set to ISO dates, UTC and ISO 8601 intervals, and the query
// runs in a read-only transaction.
func New(ctx context.Context, connString, query string) (*Reader, error) {
	cfg, err := pgx.ParseConfig(connString)
	if err != nil {
		// pgx's message may quote the string; do not repeat secrets.
		return nil, &source.Error{Location: "postgres", Err: errors.New("the connection string cannot be parsed")}
	}
	loc := fmt.Sprintf("postgres://%s:%d/%s", cfg.Host, cfg.Port, cfg.Database)
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = 30 * time.Second
	}
	cfg.RuntimeParams["datestyle"] = "ISO, YMD"
	cfg.RuntimeParams["timezone"] = "UTC"
	cfg.RuntimeParams["intervalstyle"] = "iso_8601"
	cfg.RuntimeParams["extra_float_digits"] = "1" // shortest round-trip floats
	cfg.RuntimeParams["application_name"] = "dele-extract"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return nil, &source.Error{Location: loc, Err: fmt.Errorf("connecting: %w", err)}
	}
	r := &Reader{conn: conn, hasher: sha256.New(), report: source.Report{Kind: "postgres", Location: loc}}
	fail := func(err error) (*Reader, error) {
		r.Close()
		return nil, &source.Error{Location: loc, Err: err}
	}
	if r.tx, err = conn.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly}); err != nil {
		return fail(fmt.Errorf("starting a read-only transaction: %w", err))
	}
	// Extended protocol (one statement only), results in text format.
	r.rows, err = r.tx.Query(ctx, query, pgx.QueryExecModeDescribeExec, pgx.QueryResultFormats{pgx.TextFormatCode})
	if err != nil {
		return fail(fmt.Errorf("query: %w", err))
	}
	fds := r.rows.FieldDescriptions()
	if len(fds) == 0 {
		r.rows.Next() // surfaces an execution error, if any
		r.rows.Close()
		if err := r.rows.Err(); err != nil {
			return fail(fmt.Errorf("query: %w", err))
		}
		return fail(fmt.Errorf("%w: the query returns no columns", source.ErrEmpty))
	}
	seen := map[string]bool{}
	types := make([]string, len(fds))
	for i, fd := range fds {
		if seen[fd.Name] {
			return fail(fmt.Errorf("column %q appears twice in the result: give one an alias (AS …)", fd.Name))
		}
		seen[fd.Name] = true
		r.header = append(r.header, fd.Name)
		r.oids = append(r.oids, fd.DataTypeOID)
		types[i] = fd.Name + ":" + typeName(conn, fd.DataTypeOID)
	}
	r.fields = make([]string, len(fds))
	r.report.Columns = len(fds)
	r.report.Detected = map[string]string{"columnTypes": strings.Join(types, ", ")}
	return r, nil
}

func typeName(conn *pgx.Conn, oid uint32) string {
	if t, ok := conn.TypeMap().TypeForOID(oid); ok {
		return t.Name
	}
	return "oid " + strconv.FormatUint(uint64(oid), 10)
}

// Header returns the result's column names.
func (r *Reader) Header() []string { return r.header }

// Read returns the next row; Record.Line is its 1-based row number.
func (r *Reader) Read() (source.Record, error) {
	if r.done {
		return source.Record{}, io.EOF
	}
	if !r.rows.Next() {
		r.done = true
		if err := r.rows.Err(); err != nil {
			return source.Record{}, &source.Error{Location: r.report.Location, Err: fmt.Errorf("after row %d: %w", r.n, err)}
		}
		r.report.ContentHash = hex.EncodeToString(r.hasher.Sum(nil))
		return source.Record{}, io.EOF
	}
	raw := r.rows.RawValues()
	var lenBuf [9]byte
	for i, b := range raw {
		if b == nil {
			r.fields[i] = ""
			lenBuf[0] = 0 // NULL and '' hash differently
			r.hasher.Write(lenBuf[:1])
			continue
		}
		r.fields[i] = canonical(r.oids[i], string(b))
		lenBuf[0] = 1
		binary.LittleEndian.PutUint64(lenBuf[1:], uint64(len(b)))
		r.hasher.Write(lenBuf[:])
		r.hasher.Write(b)
	}
	r.n++
	r.report.Rows++
	return source.Record{Line: r.n, Fields: r.fields}, nil
}

// canonical turns PostgreSQL's text output (with the session settings of
// New) into Dele's canonical text.
func canonical(oid uint32, v string) string {
	switch oid {
	case pgtype.BoolOID:
		switch v {
		case "t":
			return "true"
		case "f":
			return "false"
		}
	case pgtype.TimestampOID:
		return strings.Replace(v, " ", "T", 1)
	case pgtype.TimestamptzOID:
		// With TimeZone=UTC: "2024-05-17 08:30:00+00".
		if strings.HasSuffix(v, "+00") {
			return strings.Replace(strings.TrimSuffix(v, "+00"), " ", "T", 1) + "Z"
		}
		return strings.Replace(v, " ", "T", 1)
	}
	return v
}

// Report describes the query read so far; ContentHash (over the result's
// values) is set after the last row.
func (r *Reader) Report() source.Report { return r.report }

// Close ends the query, rolls back the read-only transaction and closes the
// connection.
func (r *Reader) Close() error {
	ctx := context.Background()
	if r.rows != nil {
		r.rows.Close()
	}
	var errs []error
	if r.tx != nil {
		if err := r.tx.Rollback(ctx); err != nil && !errors.Is(err, pgx.ErrTxClosed) {
			errs = append(errs, err)
		}
	}
	if r.conn != nil {
		errs = append(errs, r.conn.Close(ctx))
		r.conn = nil
	}
	return errors.Join(errs...)
}
