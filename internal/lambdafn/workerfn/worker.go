// Package workerfn is the Lambda worker: it consumes the SQS queue the
// dispatcher fills (batch size 1) and runs extract → classify → validate →
// convert → publish for the dataset each message names, with the same
// pipeline.Run as `dele run`, between the public and private S3 buckets.
//
// Files are built in the function's /tmp (ephemeral storage, up to 10 GB)
// and uploaded as S3 multipart uploads one part in memory at a time, so
// memory does not grow with the dataset; the limits are /tmp's size and
// Lambda's 15 minutes per run.
//
// A message whose run fails is reported in the response's
// BatchItemFailures (partial batch responses), so SQS delivers it again
// and, after the queue's maxReceiveCount, moves it to the dead-letter
// queue. A dataset held back by the personal-data gate, or published
// metadata-only, is not retried: another run would decide the same. Its
// run record in the private bucket says why.
package workerfn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-lambda-go/events"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/lambdafn"
	"github.com/dele-opendata/dele/internal/lambdafn/emf"
	"github.com/dele-opendata/dele/internal/lambdafn/secrets"
	"github.com/dele-opendata/dele/internal/pipeline"
)

// Resolver resolves secret references.
type Resolver interface {
	Resolve(ctx context.Context, ref string) (string, error)
	Getenv(ctx context.Context, refs map[string]string, names []string, fallback func(string) string) (func(string) string, error)
}

// Worker runs one dataset per SQS message.
type Worker struct {
	// Env is the pipeline environment (stores, config, temp folder); its
	// Getenv and Secrets are set per run.
	Env         pipeline.Env
	Definitions map[string]*datasets.Definition
	// SecretRefs maps environment variable names to secret references
	// (DELE_SECRETS); Secrets resolves them.
	SecretRefs map[string]string
	Secrets    Resolver
	Log        *slog.Logger
	// Metrics receives one CloudWatch Embedded Metric Format line per run
	// (rows processed, rejected, duration, by dataset); os.Stdout in
	// Lambda, whose log lines CloudWatch turns into metrics.
	Metrics io.Writer
}

// Handler builds the worker from the configuration; functions/worker passes
// it to lambdafn.Start.
func Handler(ctx context.Context, cfg *lambdafn.Config) (any, error) {
	w, err := New(ctx, cfg)
	if err != nil {
		return nil, err
	}
	return w.Handle, nil
}

// New builds a worker from the configuration: the bundled definitions and
// settings, the public and private buckets, and a secret resolver.
func New(ctx context.Context, cfg *lambdafn.Config) (*Worker, error) {
	r, err := cfg.Open(ctx, lambdafn.NeedPublic|lambdafn.NeedPrivate|lambdafn.NeedAWS)
	if err != nil {
		return nil, err
	}
	if removed := CleanTemp(cfg.TempDir); len(removed) > 0 {
		r.Log.Warn("removed the temporary files of runs that did not finish (timeout?)", "folders", removed)
	}
	w := &Worker{
		Env: pipeline.Env{
			Public: r.Public, Private: r.Private, Config: r.Settings, TempDir: cfg.TempDir, Log: r.Log,
		},
		Definitions: map[string]*datasets.Definition{},
		SecretRefs:  cfg.Secrets,
		Secrets:     secrets.New(r.AWS),
		Log:         r.Log,
		Metrics:     os.Stdout,
	}
	for _, d := range r.Definitions {
		w.Definitions[d.ID] = d
	}
	return w, nil
}

func (w *Worker) log() *slog.Logger {
	if w.Log != nil {
		return w.Log
	}
	return slog.New(slog.DiscardHandler)
}

// Handle runs the dataset of each record in turn and reports the records
// whose run failed as batch item failures. It returns an error only when
// it could not look at the batch at all.
func (w *Worker) Handle(ctx context.Context, ev events.SQSEvent) (events.SQSEventResponse, error) {
	var resp events.SQSEventResponse
	for _, rec := range ev.Records {
		res, err := w.Run(ctx, rec.Body)
		w.metrics(res)
		if err != nil {
			w.log().Error("run failed", "messageId", rec.MessageId, "err", err)
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.SQSBatchItemFailure{ItemIdentifier: rec.MessageId})
			continue
		}
		lvl := slog.LevelInfo
		if res.Outcome == pipeline.HeldBack {
			lvl = slog.LevelError
		}
		w.log().Log(ctx, lvl, "run done", "messageId", rec.MessageId, "dataset", res.Dataset, "run", res.RunID,
			"outcome", res.Outcome, "version", res.Version, "rowsIn", res.RowsIn, "rowsOut", res.RowsOut,
			"rejected", res.Rejected, "message", res.Message)
	}
	return resp, nil
}

// metrics writes the run's EMF line (namespace Dele, dimension Dataset).
func (w *Worker) metrics(res *pipeline.Result) {
	if w.Metrics == nil || res == nil {
		return
	}
	err := emf.Write(w.Metrics, emf.Record{
		Namespace: "Dele", Time: res.Start.Add(res.Duration), Dimensions: map[string]string{"Dataset": res.Dataset},
		Metrics: []emf.Metric{
			{Name: "RowsProcessed", Unit: "Count", Value: float64(res.RowsIn)},
			{Name: "RowsPublished", Unit: "Count", Value: float64(res.RowsOut)},
			{Name: "RowsRejected", Unit: "Count", Value: float64(res.Rejected)},
			{Name: "Duration", Unit: "Milliseconds", Value: float64(res.Duration.Milliseconds())},
			{Name: "Failed", Unit: "Count", Value: map[bool]float64{true: 0, false: 1}[res.Outcome.OK()]},
		},
		Properties: map[string]any{"RunId": res.RunID, "Outcome": string(res.Outcome), "Version": res.Version},
	})
	if err != nil {
		w.log().Error("write metrics", "dataset", res.Dataset, "err", err)
	}
}

// ErrUnknownDataset means a message names a dataset that is not among
// the bundled definitions (removed since it was sent).
var ErrUnknownDataset = errors.New("no such dataset among the bundled definitions")

// Run runs the dataset a message body names. The error is nil when the run
// ended in an outcome that another try would not change (published,
// unchanged, metadata-only, held back); otherwise it says why the message
// should be retried.
func (w *Worker) Run(ctx context.Context, body string) (*pipeline.Result, error) {
	msg, err := lambdafn.ParseMessage(body)
	if err != nil {
		return nil, err
	}
	def, ok := w.Definitions[msg.Dataset]
	if !ok {
		return nil, fmt.Errorf("dataset %s: %w", msg.Dataset, ErrUnknownDataset)
	}
	env := w.Env
	getenv, err := w.Secrets.Getenv(ctx, w.SecretRefs, EnvNames(def), os.Getenv)
	if err != nil {
		return nil, fmt.Errorf("dataset %s: secrets: %w", def.ID, err)
	}
	env.Getenv = getenv
	env.Secrets = w.Secrets.Resolve
	res := pipeline.Run(ctx, &env, def)
	if res.Outcome == pipeline.Failed {
		return res, fmt.Errorf("dataset %s: %s", def.ID, res.Message)
	}
	return res, nil
}

// EnvNames returns the environment variables a definition reads: its
// source's connectionEnv and its treatments' keyEnv.
func EnvNames(def *datasets.Definition) []string {
	var names []string
	if def.Source.ConnectionEnv != "" {
		names = append(names, def.Source.ConnectionEnv)
	}
	for _, t := range def.Treatments {
		if t.KeyEnv != "" {
			names = append(names, t.KeyEnv)
		}
	}
	return names
}

// CleanTemp removes the run folders (dele-<id>-*) that a run left in dir
// when it was stopped, by a timeout, before it could remove them: Lambda
// keeps /tmp between invocations of an execution environment, and a
// worker starts no run before its init. It returns the names removed.
func CleanTemp(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var removed []string
	for _, e := range entries {
		if e.IsDir() && strings.HasPrefix(e.Name(), "dele-") && e.Name() != "dele-api-cache" {
			if os.RemoveAll(filepath.Join(dir, e.Name())) == nil {
				removed = append(removed, e.Name())
			}
		}
	}
	return removed
}
