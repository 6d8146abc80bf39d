package pipeline

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/classify"
	"github.com/dele-opendata/dele/internal/convert"
	"github.com/dele-opendata/dele/internal/extract"
	"github.com/dele-opendata/dele/internal/publish"
	"github.com/dele-opendata/dele/internal/source"
	"github.com/dele-opendata/dele/internal/store"
	"github.com/dele-opendata/dele/internal/tableschema"
	"github.com/dele-opendata/dele/internal/validate"
)

// batchRows is the number of rows per batch: memory is bounded by it.
const batchRows = 16384

// formatVersion changes when Dele's output for the same input changes, so
// that a new Dele release republishes.
const formatVersion = "dele-output-1"

// Report is the report of one run, published as report.json next to the
// data (without source values) and kept whole in the private run record.
type Report struct {
	Dataset        string                `json:"dataset"`
	RunID          string                `json:"runId"`
	Version        string                `json:"version,omitempty"`
	Outcome        Outcome               `json:"outcome"`
	Message        string                `json:"message,omitempty"`
	Extract        source.Report         `json:"extract"`
	Treatments     map[string]string     `json:"treatments,omitempty"`
	Classification *classify.Decision    `json:"classification,omitempty"`
	Validation     *validate.Report      `json:"validation,omitempty"`
	Drift          *validate.DriftReport `json:"drift,omitempty"`
	// InferredSchema is set when the definition declares no schema: copy it
	// into the definition to pin it.
	InferredSchema *tableschema.Schema `json:"inferredSchema,omitempty"`
}

// Run runs one dataset. It never returns an error but a Result whose
// Outcome says what happened. A failure at any stage leaves the last
// published version untouched.
func Run(ctx context.Context, env *Env, def *datasets.Definition) *Result {
	start := env.now()
	res := &Result{Dataset: def.ID, RunID: newRunID(start), Start: start, Access: def.Access}
	res.Report = &Report{Dataset: def.ID, RunID: res.RunID}
	log := env.log().With("dataset", def.ID, "run", res.RunID)
	defer func() {
		res.Duration = env.now().Sub(start)
		res.Report.Outcome, res.Report.Message, res.Report.Version = res.Outcome, res.Message, res.Version
		if err := writeRunRecord(ctx, env, res); err != nil {
			log.Error("write run record", "err", err)
		}
		if err := writeReports(ctx, env, res.Report); err != nil {
			log.Error("write run report", "err", err)
		}
		log.Info("run finished", "outcome", res.Outcome, "rows_in", res.RowsIn, "rows_out", res.RowsOut,
			"rejected", res.Rejected, "version", res.Version, "duration_ms", res.Duration.Milliseconds())
	}()

	prev, err := publish.ReadLatest(ctx, env.Public, def.ID)
	if err != nil && !errors.Is(err, store.ErrNotExist) {
		return res.fail(fmt.Errorf("read latest version: %w", err))
	}
	tmp, err := os.MkdirTemp(env.TempDir, "dele-"+def.ID+"-")
	if err != nil {
		return res.fail(fmt.Errorf("temp folder: %w", err))
	}
	defer os.RemoveAll(tmp)

	b := &build{env: env, def: def, res: res, dir: tmp, prev: prev}
	if err := b.run(ctx); err != nil {
		if errors.Is(err, extract.ErrNotModified) {
			res.Outcome, res.Message = Unchanged, "source unchanged since the last run; nothing new published"
			if prev != nil {
				res.Version, res.RowsOut = prev.Version, prev.Rows
			}
			return res
		}
		return res.fail(err)
	}
	return res
}

// build holds one run's state.
type build struct {
	env     *Env
	def     *datasets.Definition
	res     *Result
	dir     string
	prev    *publish.Manifest
	state   sourceState
	defHash string
}

// sourceState is what the private store remembers of a source between
// runs, to skip unchanged sources.
type sourceState struct {
	Source extract.State `json:"source"`
	// Definition is the hash of the definition the state was published
	// with: a changed definition republishes even an unchanged source.
	Definition string `json:"definition"`
}

func stateKey(id string) string { return "state/" + id + ".json" }

func (b *build) loadState(ctx context.Context) extract.State {
	h := sha256.New()
	_ = json.NewEncoder(h).Encode(b.def)
	io.WriteString(h, formatVersion)
	b.defHash = hex.EncodeToString(h.Sum(nil))
	raw, err := store.ReadAll(ctx, b.env.Private, stateKey(b.def.ID))
	if err != nil || json.Unmarshal(raw, &b.state) != nil || b.state.Definition != b.defHash || b.prev == nil {
		return extract.State{}
	}
	return b.state.Source
}

func (b *build) saveState(ctx context.Context, rep source.Report) error {
	st := sourceState{Source: extract.StateOf(rep), Definition: b.defHash}
	raw, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return b.env.Private.Put(ctx, stateKey(b.def.ID), bytesReader(raw), store.PutOptions{ContentType: "application/json"})
}

func (b *build) open(ctx context.Context, previous extract.State) (source.Reader, error) {
	r, err := extract.Open(ctx, b.def, extract.Env{
		HTTPClient: b.env.HTTPClient,
		Getenv:     b.env.getenv,
		TempDir:    b.dir,
		Roots:      append([]string{b.def.Dir}, b.env.AllowedRoots...),
		Previous:   previous,
		Secrets:    b.env.Secrets,
	})
	if err != nil {
		return nil, fmt.Errorf("extract: %w", err)
	}
	return r, nil
}

func (b *build) run(ctx context.Context) error {
	def, res := b.def, b.res
	previous := b.loadState(ctx)
	schema := def.Schema
	if schema == nil {
		s, err := b.infer(ctx, previous)
		if err != nil {
			return err
		}
		schema = s
		res.Report.InferredSchema = s
	}
	r, err := b.open(ctx, previous)
	if err != nil {
		return err
	}
	defer r.Close()
	if err := checkHeader(r.Header()); err != nil {
		return fmt.Errorf("extract: %w", err)
	}
	rep := r.Report()
	// Validate with the missing-value markers the source uses; publish a
	// schema that describes the published files, where missing is empty.
	published := schema
	if len(schema.MissingValues) == 0 && len(rep.MissingValues) > 0 {
		s := *schema
		s.MissingValues = rep.MissingValues
		schema = &s
	}
	if len(published.MissingValues) > 0 {
		s := *published
		s.MissingValues = nil
		published = &s
	}
	if err := classify.CheckAllow(r.Header(), def.Classification.Allow); err != nil {
		return fmt.Errorf("classify: %w", err)
	}
	treater, err := classify.NewTreater(r.Header(), def.Treatments, b.env.getenv)
	if err != nil {
		return fmt.Errorf("classify: %w", err)
	}
	header := treater.Header()
	res.Report.Treatments = map[string]string{}
	for col, tr := range def.Treatments {
		res.Report.Treatments[col] = tr.Action
		if tr.To != "" {
			res.Report.Treatments[col] += " (" + tr.To + ")"
		}
	}
	scanner := classify.NewScanner(header, classify.Options{
		Allow: def.Classification.Allow, OrgFormColumn: def.Classification.OrgFormColumn, Treated: treater.Treated(),
	})
	qfile, err := os.Create(filepath.Join(b.dir, "quarantine.csv"))
	if err != nil {
		return fmt.Errorf("quarantine: %w", err)
	}
	defer qfile.Close()
	v, err := validate.New(schema, header, validate.Options{
		Dataset: def.ID, Quarantine: qfile, MaxInvalidShare: def.Validation.MaxInvalidShare,
		ReferenceYear: def.Validation.ReferenceYear,
	})
	if err != nil {
		return fmt.Errorf("validate: %w", err)
	}
	contentHash := inputHash(rep.ContentHash, b.defHash)
	version := ""
	if contentHash != "" {
		version = publish.VersionID(res.Start, contentHash)
	}
	w, err := newWriters(b.dir, def, published, convert.Metadata{DatasetID: def.ID, Version: version})
	if err != nil {
		return fmt.Errorf("convert: %w", err)
	}
	defer w.abort()

	if err := b.stream(ctx, r, len(r.Header()), len(def.Treatments) > 0, treater, scanner, v, w, schema); err != nil {
		return err
	}
	if err := v.Close(); err != nil {
		return fmt.Errorf("validate: %w", err)
	}
	if contentHash == "" {
		// The source kind gives no hash of its raw bytes (a database query,
		// a JSON file): hash what was produced instead.
		if contentHash, err = w.hash(b.defHash); err != nil {
			return err
		}
	}
	rep = r.Report()
	res.Extract = rep
	res.Report.Extract = rep

	// Decide: classification, validation, drift — every gate fails closed.
	decision := classify.Decide(def.Access, scanner.Result())
	res.Report.Classification = &decision
	res.Access = decision.Access
	vrep := v.Report()
	res.Report.Validation = &vrep
	res.RowsOut, res.Rejected = vrep.Valid, vrep.Invalid+rep.SkippedCount
	if err := b.keepQuarantine(ctx, qfile, vrep.Invalid); err != nil {
		return err
	}
	if b.prev != nil && b.prev.Schema != nil {
		d := validate.Drift(b.prev.Schema, published)
		res.Report.Drift = &d
		if d.Breaking && !def.Validation.AcceptBreakingChanges {
			return fmt.Errorf("validate: breaking schema change: %s; set validation.acceptBreakingChanges to publish a new major version", d.Message)
		}
	}
	if vrep.Failed {
		return fmt.Errorf("validate: %d of %d rows invalid (%.1f%%, threshold %.1f%%): %v", vrep.Invalid, vrep.Rows,
			100*vrep.InvalidShare, 100*vrep.MaxInvalidShare, vrep.Reasons)
	}
	if !decision.Publish {
		if def.Access == datasets.AccessPublic {
			res.Outcome, res.Message = HeldBack, decision.Message
			return nil
		}
		res.Outcome, res.Message = MetadataOnly, decision.Message
		return nil
	}
	if err := b.publish(ctx, published, version, contentHash); err != nil {
		return err
	}
	return b.saveState(ctx, rep)
}

// stream reads every record, treats, scans and validates it into batches,
// which an encoder converts in its own goroutine while the next batch is
// filled. Reading, scanning and validating run in stages of their own (see
// stages.go). When every record was read and written, the files are
// finished.
func (b *build) stream(ctx context.Context, r source.Reader, width int, treat bool, treater *classify.Treater, scanner *classify.Scanner, v *validate.Validator, w convert.BatchWriter, schema *tableschema.Schema) (err error) {
	enc := newEncoder(ctx, w, schema, batchRows)
	st := newStages()
	if !treat {
		treater = nil
	}
	var progress func(int64)
	if b.env.Progress != nil {
		progress = func(n int64) { b.env.Progress(b.def.ID, n) }
	}
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		st.scan(scanner)
	}()
	go st.read(ctx, r, treater, width, progress)
	defer func() {
		// Stop the reader if validation gave up, then wait for every stage:
		// the scanner's result and the row count are read after this.
		st.halt()
		for c := range st.toValidate {
			st.release(c)
		}
		rerr := <-st.readErr
		<-scanned
		b.res.RowsIn = st.rows.Load()
		if err == nil {
			err = rerr
		}
		if err != nil {
			enc.abort()
		}
		if werr := enc.wait(); err == nil {
			err = werr
		}
	}()
	batch := enc.batch()
	for c := range st.toValidate {
		for i := range c.len() {
			v.Row(c.record(i), batch)
			if batch.Len() >= batchRows {
				if !enc.send(batch) {
					st.release(c)
					return nil // wait returns the write error
				}
				batch = enc.batch()
			}
		}
		st.release(c)
	}
	if batch.Len() > 0 {
		enc.send(batch)
	}
	return nil
}

// Limits on a source's header: a table wider or with longer column names
// than this is not a table a person made, and is refused.
const (
	MaxColumns     = 4096
	MaxLabelLength = 1024
)

func checkHeader(h []string) error {
	if len(h) > MaxColumns {
		return fmt.Errorf("the source has %d columns; Dele accepts at most %d", len(h), MaxColumns)
	}
	for i, l := range h {
		if len(l) > MaxLabelLength {
			return fmt.Errorf("column %d has a name of %d bytes; Dele accepts at most %d (is the header row right?)", i+1, len(l), MaxLabelLength)
		}
	}
	return nil
}

// keepRagged keeps a record's wrong width visible after treatment, which
// pads or cuts records to the header: a short record stays short by as many
// cells, a long one keeps its extra cells, so the validator's missing-cell
// and extra-cell checks still reject it (into the private quarantine).
func keepRagged(treated, raw []string, width int) []string {
	switch n := len(raw); {
	case n < width:
		k := len(treated) - (width - n)
		if k < 0 {
			k = 0
		}
		return treated[:k]
	case n > width:
		return append(treated, raw[width:]...)
	}
	return treated
}

// infer reads the whole source once to infer its schema.
func (b *build) infer(ctx context.Context, previous extract.State) (*tableschema.Schema, error) {
	r, err := b.open(ctx, previous)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	treater, err := classify.NewTreater(r.Header(), b.def.Treatments, b.env.getenv)
	if err != nil {
		return nil, fmt.Errorf("classify: %w", err)
	}
	in := validate.NewInferrer(treater.Header(), validate.InferOptions{MissingValues: r.Report().MissingValues})
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("extract: %w", err)
		}
		fields, err := treater.Apply(rec.Line, rec.Fields)
		if err != nil {
			return nil, fmt.Errorf("classify: %w", err)
		}
		in.Add(fields)
	}
	// JSON and the register API carry their own types: a code sent as a
	// JSON string stays text.
	in.SetSourceTypes(r.Report().ColumnTypes)
	return in.Schema(), nil
}

// keepQuarantine stores the invalid rows in the private store.
func (b *build) keepQuarantine(ctx context.Context, f *os.File, invalid int64) error {
	if invalid == 0 {
		return nil
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("quarantine: %w", err)
	}
	key := "quarantine/" + b.def.ID + "/" + b.res.RunID + ".csv"
	if err := b.env.Private.Put(ctx, key, f, store.PutOptions{ContentType: "text/csv; charset=utf-8"}); err != nil {
		return fmt.Errorf("quarantine: %w", err)
	}
	return nil
}

// inputHash is the content hash of a version: the source's bytes, the
// definition and Dele's output format. Empty when the source has no hash.
func inputHash(sourceHash, defHash string) string {
	if sourceHash == "" {
		return ""
	}
	h := sha256.Sum256([]byte(sourceHash + "\n" + defHash))
	return hex.EncodeToString(h[:])
}
