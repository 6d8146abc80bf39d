// Package extract opens the source of a dataset definition as a
// source.Reader: it chooses the source kind from def.Source.Type, fetches
// HTTP(S) sources to a temporary file, resolves local paths inside the
// allowed folders, and hashes the raw bytes so a scheduled run whose source
// did not change can stop early with ErrNotModified.
package extract

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/source"
	"github.com/dele-opendata/dele/internal/source/csvsrc"
	"github.com/dele-opendata/dele/internal/source/httpsrc"
	"github.com/dele-opendata/dele/internal/source/pgsrc"
)

// Env is what extraction may use of the world.
type Env struct {
	// HTTPClient fetches URL sources; nil uses httpsrc.DefaultClient
	// (timeouts on connecting, TLS, headers and the whole request).
	HTTPClient *http.Client
	// Getenv reads environment variables (connection strings named in a
	// definition); nil uses os.Getenv.
	Getenv func(string) string
	// TempDir holds downloads while they are read ("" for os.TempDir()).
	TempDir string
	// Roots are the folders local source paths must resolve inside, after
	// following symbolic links. Empty means the definition's own folder.
	Roots []string
	// Previous is the source state recorded by the last successful run;
	// when the source is unchanged Open returns ErrNotModified.
	Previous State
	// Secrets resolves a postgres source.secretRef (ssm:/…,
	// secretsmanager:…); nil (locally) makes such a definition fail.
	Secrets pgsrc.SecretResolver
	// Fetch tunes HTTP downloads (retries, backoff, size limit); its
	// Client, Dir, ETag and LastModified are set from the fields above.
	Fetch httpsrc.Options
}

// State identifies a version of a source between runs: the HTTP validators
// and the SHA-256 of the raw bytes. Store it from the Report of a
// successful run (StateOf) and pass it back as Env.Previous.
type State struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"lastModified,omitempty"`
	ContentHash  string `json:"contentHash,omitempty"`
}

// StateOf returns the state to remember from a reader's report.
func StateOf(r source.Report) State {
	return State{ETag: r.ETag, LastModified: r.LastModified, ContentHash: r.ContentHash}
}

// ErrNotModified is returned by Open when the source is unchanged since
// Env.Previous: the server answered 304 Not Modified, or the content hash
// equals the previous one. The run should publish nothing and say so.
// Open returns it (wrapped with the location) instead of an empty reader, so
// a caller that forgets to check cannot publish an empty dataset.
var ErrNotModified = errors.New("source not modified since the previous run")

// ErrOutsideRoots means a local source path resolves outside Env.Roots.
var ErrOutsideRoots = errors.New("source path is outside the allowed folders")

// ErrUnsupported means the definition's source type has no reader (yet).
var ErrUnsupported = errors.New("source type not supported")

// Open opens the source of def. The caller must Close the reader. Errors
// are *source.Error values (wrapping source.ErrEmpty, source.ErrWrongFormat,
// source.ErrTruncated for a download cut off before its end,
// ErrOutsideRoots, httpsrc.StatusError …) or wrap ErrNotModified or
// ErrUnsupported. A CSV file in UTF-16 is decoded and checked for binary
// content before it is parsed (see checkUTF16Text).
func Open(ctx context.Context, def *datasets.Definition, env Env) (source.Reader, error) {
	switch t := def.Source.Type; t {
	case "csv":
		return openCSV(ctx, def, env)
	case "xlsx":
		return openXLSX(ctx, def, env)
	case "json":
		return openJSON(ctx, def, env)
	case "brreg":
		return openBrreg(ctx, def, env)
	case "postgres":
		return openPostgres(ctx, def, env)
	default:
		return nil, fmt.Errorf("dataset %s: %w: %q (use csv, xlsx, json, brreg or postgres)", def.ID, ErrUnsupported, t)
	}
}

// csvOptions maps a definition's source settings to csvsrc options.
func csvOptions(s datasets.Source, location string) csvsrc.Options {
	return csvsrc.Options{
		Location:      location,
		Encoding:      s.Encoding,
		Delimiter:     s.Delimiter,
		Quote:         s.Quote,
		Escape:        s.Escape,
		HeaderRow:     s.HeaderRow,
		HeaderRows:    s.HeaderRows,
		NoHeader:      s.NoHeader,
		Columns:       s.Columns,
		MissingValues: s.MissingValues,
	}
}

func openCSV(ctx context.Context, def *datasets.Definition, env Env) (source.Reader, error) {
	f, meta, err := openRaw(ctx, def, env, []string{"text/html", "application/xhtml+xml", "application/json"})
	if err != nil {
		return nil, err
	}
	if err := checkUTF16Text(f, def.Source.Encoding); err != nil {
		f.Close()
		meta.cleanup()
		return nil, fmt.Errorf("dataset %s: %w", def.ID, &source.Error{Location: meta.location, Err: err})
	}
	o := csvOptions(def.Source, meta.location)
	h := sha256.New()
	if meta.hash == "" {
		o.Hash = h // local file: hashed in the pass before parsing
	}
	r, err := csvsrc.Open(f, o)
	if err != nil {
		f.Close()
		meta.cleanup()
		return nil, fmt.Errorf("dataset %s: %w", def.ID, err)
	}
	if meta.hash == "" {
		meta.hash = hex.EncodeToString(h.Sum(nil))
		if env.Previous.ContentHash == meta.hash {
			r.Close()
			return nil, fmt.Errorf("dataset %s: %s: %w (SHA-256 %s)", def.ID, meta.location, ErrNotModified, meta.hash)
		}
	}
	return &reader{Reader: r, meta: meta}, nil
}

// Raw is the raw bytes of a file source, for readers of other kinds
// (xlsx) that want the same path confinement, download, hashing and
// not-modified check as csv. Close closes the file and removes a download.
type Raw struct {
	*os.File
	// Location is the path, or the URL without credentials and query.
	Location string
	// State is the source's state: put it in the reader's Report
	// (ContentHash, ETag, LastModified) so the next run can skip.
	State State
	meta  rawMeta
}

// Close closes the file and removes it when it was downloaded.
func (r *Raw) Close() error {
	err := r.File.Close()
	r.meta.cleanup()
	return err
}

// OpenRaw opens def's source file (local, inside Env.Roots, or downloaded)
// and hashes it; it returns ErrNotModified as Open does. refuse lists
// Content-Types that mean the server sent something else (text/html).
func OpenRaw(ctx context.Context, def *datasets.Definition, env Env, refuse ...string) (*Raw, error) {
	f, meta, err := openRaw(ctx, def, env, refuse)
	if err != nil {
		return nil, err
	}
	if meta.hash == "" {
		h := sha256.New()
		if _, err := io.Copy(h, f); err != nil {
			f.Close()
			return nil, fmt.Errorf("dataset %s: %w", def.ID, &source.Error{Location: meta.location, Err: err})
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			f.Close()
			return nil, fmt.Errorf("dataset %s: %w", def.ID, &source.Error{Location: meta.location, Err: err})
		}
		meta.hash = hex.EncodeToString(h.Sum(nil))
		if env.Previous.ContentHash == meta.hash {
			f.Close()
			return nil, fmt.Errorf("dataset %s: %s: %w (SHA-256 %s)", def.ID, meta.location, ErrNotModified, meta.hash)
		}
	}
	return &Raw{File: f, Location: meta.location, meta: meta,
		State: State{ETag: meta.etag, LastModified: meta.lastMo, ContentHash: meta.hash}}, nil
}

// rawMeta is what is known about the raw bytes before parsing.
type rawMeta struct {
	location     string
	hash         string
	etag, lastMo string
	temp         string
}

func (m rawMeta) cleanup() {
	if m.temp != "" {
		os.Remove(m.temp)
	}
}

// openRaw opens the raw bytes of def's source: a local file inside the
// allowed roots, or a download. Downloads come hashed; for local files the
// hash is left to the reader's first pass. A download whose Content-Type is
// one of refuse fails with source.ErrWrongFormat.
func openRaw(ctx context.Context, def *datasets.Definition, env Env, refuse []string) (*os.File, rawMeta, error) {
	s := def.Source
	switch {
	case s.URL != "" && s.Path != "":
		return nil, rawMeta{}, fmt.Errorf("dataset %s: source has both path and url; give one", def.ID)
	case s.URL != "":
		return download(ctx, def, env, refuse)
	case s.Path != "":
		p, err := resolveLocal(def, env.Roots)
		if err != nil {
			return nil, rawMeta{}, fmt.Errorf("dataset %s: %w", def.ID, err)
		}
		f, err := os.Open(p)
		if err != nil {
			return nil, rawMeta{}, fmt.Errorf("dataset %s: %w", def.ID, &source.Error{Location: s.Path, Err: err})
		}
		if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
			f.Close()
			return nil, rawMeta{}, fmt.Errorf("dataset %s: %w", def.ID, &source.Error{Location: s.Path, Err: errors.New("not a regular file")})
		}
		return f, rawMeta{location: s.Path}, nil
	}
	return nil, rawMeta{}, fmt.Errorf("dataset %s: source has neither path nor url", def.ID)
}

func download(ctx context.Context, def *datasets.Definition, env Env, refuse []string) (*os.File, rawMeta, error) {
	raw := def.Source.URL
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, rawMeta{}, fmt.Errorf("dataset %s: source url %q must be an absolute http or https URL", def.ID, raw)
	}
	loc := redact(u)
	o := env.Fetch
	o.Client = env.HTTPClient
	o.Dir = env.TempDir
	o.ETag = env.Previous.ETag
	o.LastModified = env.Previous.LastModified
	res, err := httpsrc.Fetch(ctx, raw, o)
	if err != nil {
		var se *source.Error
		if errors.As(err, &se) {
			se.Location = loc
		}
		return nil, rawMeta{}, fmt.Errorf("dataset %s: %w", def.ID, err)
	}
	if res.NotModified {
		return nil, rawMeta{}, fmt.Errorf("dataset %s: %s: %w (HTTP 304)", def.ID, loc, ErrNotModified)
	}
	meta := rawMeta{location: loc, hash: res.ContentHash, etag: res.ETag, lastMo: res.LastModified, temp: res.Path}
	if mt, _, _ := mime.ParseMediaType(res.ContentType); mt != "" {
		for _, r := range refuse {
			if mt == r {
				meta.cleanup()
				return nil, rawMeta{}, fmt.Errorf("dataset %s: %w", def.ID, &source.Error{Location: loc,
					Err: fmt.Errorf("%w: the server answered with %s, not the declared %s (an error or login page?)", source.ErrWrongFormat, mt, def.Source.Type)})
			}
		}
	}
	if env.Previous.ContentHash != "" && env.Previous.ContentHash == res.ContentHash {
		meta.cleanup()
		return nil, rawMeta{}, fmt.Errorf("dataset %s: %s: %w (SHA-256 %s)", def.ID, loc, ErrNotModified, res.ContentHash)
	}
	f, err := os.Open(res.Path)
	if err != nil {
		meta.cleanup()
		return nil, rawMeta{}, fmt.Errorf("dataset %s: opening the download: %w", def.ID, err)
	}
	return f, meta, nil
}

// redact drops credentials and the query (which may hold an API key) from a
// URL used in reports and errors.
func redact(u *url.URL) string {
	c := *u
	c.User = nil
	if c.RawQuery != "" {
		c.RawQuery = "…"
	}
	return c.String()
}

// resolveLocal resolves def.Source.Path (relative to def.Dir) and checks
// that, with symbolic links followed, it lies inside one of roots (or
// def.Dir when roots is empty).
func resolveLocal(def *datasets.Definition, roots []string) (string, error) {
	p := def.Source.Path
	if !filepath.IsAbs(p) {
		p = filepath.Join(def.Dir, p)
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", &source.Error{Location: def.Source.Path, Err: err}
	}
	real, err = filepath.Abs(real)
	if err != nil {
		return "", &source.Error{Location: def.Source.Path, Err: err}
	}
	if len(roots) == 0 {
		roots = []string{def.Dir}
		if def.Dir == "" {
			roots = []string{"."}
		}
	}
	for _, root := range roots {
		r, err := filepath.EvalSymlinks(root)
		if err != nil {
			continue
		}
		if r, err = filepath.Abs(r); err != nil {
			continue
		}
		rel, err := filepath.Rel(r, real)
		if err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel) {
			return real, nil
		}
	}
	return "", &source.Error{Location: def.Source.Path,
		Err: fmt.Errorf("%w: it resolves to %s, which is not inside %s", ErrOutsideRoots, real, strings.Join(roots, ", "))}
}

// reader adds what is known about the raw bytes to a reader's report and
// removes a downloaded file on Close.
type reader struct {
	source.Reader
	meta rawMeta
}

func (r *reader) Report() source.Report {
	rep := r.Reader.Report()
	rep.Location = r.meta.location
	rep.ContentHash = r.meta.hash
	rep.ETag = r.meta.etag
	rep.LastModified = r.meta.lastMo
	return rep
}

func (r *reader) Close() error {
	err := r.Reader.Close()
	r.meta.cleanup()
	return err
}
