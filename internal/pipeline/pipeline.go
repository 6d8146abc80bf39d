// Package pipeline runs Dele's stages for one dataset definition against an
// object store: extract → classify → validate → convert → publish, and then
// regenerates what is derived from everything published (catalog, OpenAPI,
// portal). The local CLI and the Lambda worker call the same code.
package pipeline

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/config"
	"github.com/dele-opendata/dele/internal/publish"
	"github.com/dele-opendata/dele/internal/source"
	"github.com/dele-opendata/dele/internal/store"
)

// Env is everything a run touches outside plain data.
type Env struct {
	// Public receives published versions; Private keeps run records,
	// quarantined rows and locks. Raw extracts never go to Public.
	Public, Private store.Store
	Config          *config.Config
	// TempDir holds the files of a version while it is being built
	// (os.TempDir when empty; /tmp in Lambda).
	TempDir    string
	Getenv     func(string) string
	HTTPClient *http.Client
	// AllowedRoots are the folders local source paths may resolve into;
	// each definition's own folder is always allowed.
	AllowedRoots []string
	Now          func() time.Time
	Log          *slog.Logger
	// Progress, when set, is called now and then with the rows read so far.
	Progress func(dataset string, rows int64)
	// Secrets resolves a postgres source.secretRef (ssm:/name,
	// secretsmanager:name); nil (locally) makes such a definition fail.
	// The Lambda worker sets it.
	Secrets func(ctx context.Context, ref string) (string, error)
}

func (e *Env) now() time.Time {
	if e.Now != nil {
		return e.Now().UTC()
	}
	return time.Now().UTC()
}

func (e *Env) getenv(k string) string {
	if e.Getenv != nil {
		return e.Getenv(k)
	}
	return os.Getenv(k)
}

func (e *Env) log() *slog.Logger {
	if e.Log != nil {
		return e.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Outcome is how a dataset's run ended.
type Outcome string

// The outcomes of a run.
const (
	// Published: a new version was published.
	Published Outcome = "published"
	// Unchanged: the source or content is unchanged; nothing new published.
	Unchanged Outcome = "unchanged"
	// MetadataOnly: the dataset is declared RESTRICTED or NON_PUBLIC; it is
	// catalogued but no data is published.
	MetadataOnly Outcome = "metadata-only"
	// HeldBack: the classifier found personal data in a dataset declared
	// PUBLIC; nothing was published. This is a failure.
	HeldBack Outcome = "held-back"
	// Failed: the run failed; the last good version is untouched.
	Failed Outcome = "failed"
)

// OK reports whether the outcome is a success.
func (o Outcome) OK() bool { return o == Published || o == Unchanged || o == MetadataOnly }

// Result reports one dataset's run.
type Result struct {
	Dataset  string        `json:"dataset"`
	RunID    string        `json:"runId"`
	Outcome  Outcome       `json:"outcome"`
	Version  string        `json:"version,omitempty"`
	Start    time.Time     `json:"start"`
	Duration time.Duration `json:"duration"`
	RowsIn   int64         `json:"rowsIn"`
	RowsOut  int64         `json:"rowsOut"`
	Rejected int64         `json:"rejected"`
	// Access is the access right decided for the dataset.
	Access string `json:"access"`
	// Message explains a failure or hold-back and how to resolve it.
	Message string             `json:"message,omitempty"`
	Files   []publish.FileInfo `json:"files,omitempty"`
	Extract source.Report      `json:"extract"`
	Report  *Report            `json:"report,omitempty"`
	Err     error              `json:"-"`
}

// newRunID returns a run id that sorts by time.
func newRunID(now time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return now.Format("20060102T150405Z") + "-" + hex.EncodeToString(b[:])
}

// fail marks r failed with err.
func (r *Result) fail(err error) *Result {
	if !strings.Contains(err.Error(), "dataset "+r.Dataset) {
		err = fmt.Errorf("dataset %s: %w", r.Dataset, err)
	}
	r.Outcome, r.Err, r.Message = Failed, err, shorten(err.Error(), 1000)
	return r
}

// shorten cuts s to at most n bytes (on a rune boundary), saying how much
// was left out: messages name columns, and a broken header can have
// thousands.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + fmt.Sprintf(" … (%d more bytes)", len(s)-cut)
}

// RunAll runs every definition in turn, then regenerates the catalog, the
// OpenAPI document and the portal from what is published. It returns one
// result per definition; a failed dataset does not stop the others.
func RunAll(ctx context.Context, env *Env, all []*datasets.Definition, selected []*datasets.Definition) ([]*Result, error) {
	var results []*Result
	for _, d := range selected {
		if err := ctx.Err(); err != nil {
			return results, err
		}
		results = append(results, Run(ctx, env, d))
	}
	if err := Regenerate(ctx, env, all); err != nil {
		return results, fmt.Errorf("regenerate catalog and API description: %w", err)
	}
	return results, nil
}
