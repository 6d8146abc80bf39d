package workerfn

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/lambdafn/fntest"
	"github.com/dele-opendata/dele/internal/pipeline"
	"github.com/dele-opendata/dele/internal/publish"
	"github.com/dele-opendata/dele/internal/store"
	"github.com/dele-opendata/dele/internal/store/memstore"
)

// fakeSecrets serves secret values by reference.
type fakeSecrets struct {
	mu    sync.Mutex
	vals  map[string]string
	asked []string
}

func (f *fakeSecrets) Resolve(_ context.Context, ref string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.asked = append(f.asked, ref)
	v, ok := f.vals[ref]
	if !ok {
		return "", errors.New("ParameterNotFound")
	}
	return v, nil
}

func (f *fakeSecrets) Getenv(ctx context.Context, refs map[string]string, names []string, fallback func(string) string) (func(string) string, error) {
	vals := map[string]string{}
	for _, n := range names {
		if ref, ok := refs[n]; ok {
			v, err := f.Resolve(ctx, ref)
			if err != nil {
				return nil, err
			}
			vals[n] = v
		}
	}
	return func(k string) string {
		if v, ok := vals[k]; ok {
			return v
		}
		return fallback(k)
	}, nil
}

func newWorker(t *testing.T, defs []*datasets.Definition, sec *fakeSecrets, refs map[string]string) *Worker {
	w := &Worker{
		Env:         pipeline.Env{Public: memstore.New(), Private: memstore.New(), Config: fntest.Config(t), TempDir: t.TempDir()},
		Definitions: map[string]*datasets.Definition{},
		SecretRefs:  refs, Secrets: sec,
	}
	for _, d := range defs {
		w.Definitions[d.ID] = d
	}
	return w
}

func invoke(t *testing.T, w *Worker, payload []byte) events.SQSEventResponse {
	t.Helper()
	out, err := lambda.NewHandler(w.Handle).Invoke(context.Background(), payload)
	if err != nil {
		t.Fatal(err)
	}
	var resp events.SQSEventResponse
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("response %s: %v", out, err)
	}
	return resp
}

// TestWorkerPublishes feeds the documented SQS event (one record) and
// checks that the dataset is published and a run record written.
func TestWorkerPublishes(t *testing.T) {
	w := newWorker(t, fntest.Definitions(t), &fakeSecrets{}, nil)
	var metrics bytes.Buffer
	w.Metrics = &metrics
	resp := invoke(t, w, fntest.Event(t, "sqs-event.json"))
	if len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %+v", resp.BatchItemFailures)
	}
	ctx := context.Background()
	m, err := publish.ReadLatest(ctx, w.Env.Public, fntest.Dataset)
	if err != nil {
		t.Fatal(err)
	}
	if m.Rows < 1000 {
		t.Fatalf("published %d rows", m.Rows)
	}
	// One CloudWatch Embedded Metric Format line for the run.
	var line struct {
		AWS struct {
			CloudWatchMetrics []struct {
				Namespace  string
				Dimensions [][]string
			}
		} `json:"_aws"`
		Dataset       string
		RowsPublished float64
		RowsRejected  *float64
		Duration      *float64
	}
	if err := json.Unmarshal(metrics.Bytes(), &line); err != nil {
		t.Fatalf("metrics line %q: %v", metrics.String(), err)
	}
	if line.Dataset != fntest.Dataset || int64(line.RowsPublished) != m.Rows || line.RowsRejected == nil || line.Duration == nil ||
		len(line.AWS.CloudWatchMetrics) != 1 || line.AWS.CloudWatchMetrics[0].Namespace != "Dele" {
		t.Errorf("metrics line %s", metrics.String())
	}
	if _, ok := m.File(publish.FileParquet); !ok {
		t.Fatalf("no Parquet file in %+v", m.Files)
	}
	runs, err := publish.ListRuns(ctx, w.Env.Private, fntest.Dataset)
	if err != nil || len(runs) != 1 || runs[0].Outcome != publish.OutcomePublished {
		t.Fatalf("run records %+v, %v", runs, err)
	}
	// The same message again: unchanged, not a failure.
	if resp := invoke(t, w, fntest.Event(t, "sqs-event.json")); len(resp.BatchItemFailures) != 0 {
		t.Fatalf("failures %+v", resp.BatchItemFailures)
	}
}

// TestWorkerFailures: a malformed body, an unknown dataset and a failing
// run are reported as batch item failures by message id, and a good
// record in the same batch is not.
func TestWorkerFailures(t *testing.T) {
	dir := hashedCopy(t)
	defs, err := datasets.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	// The hash key's secret does not exist.
	w := newWorker(t, defs, &fakeSecrets{}, map[string]string{"NORM_HASH_KEY": "ssm:/dele/test/missing"})
	var ev events.SQSEvent
	if err := json.Unmarshal(fntest.Event(t, "sqs-event.json"), &ev); err != nil {
		t.Fatal(err)
	}
	good := ev.Records[0]
	rec := func(id, body string) events.SQSMessage { r := good; r.MessageId, r.Body = id, body; return r }
	ev.Records = []events.SQSMessage{
		rec("bad-json", "not json"),
		rec("unknown", `{"dataset":"finnes-ikke"}`),
		rec("no-secret", `{"dataset":"normpriser-raolje"}`),
	}
	payload, _ := json.Marshal(ev)
	resp := invoke(t, w, payload)
	var ids []string
	for _, f := range resp.BatchItemFailures {
		ids = append(ids, f.ItemIdentifier)
	}
	if strings.Join(ids, " ") != "bad-json unknown no-secret" {
		t.Fatalf("failures %v", ids)
	}
	if _, err := w.Run(context.Background(), `{"dataset":"finnes-ikke"}`); !errors.Is(err, ErrUnknownDataset) {
		t.Fatalf("err %v", err)
	}
}

// TestWorkerSecret: a treatment's keyEnv named in DELE_SECRETS is resolved
// through the resolver and used as the HMAC key.
func TestWorkerSecret(t *testing.T) {
	defs, err := datasets.Load(hashedCopy(t))
	if err != nil {
		t.Fatal(err)
	}
	sec := &fakeSecrets{vals: map[string]string{"ssm:/dele/test/norm-hash-key": strings.Repeat("k", 40)}}
	w := newWorker(t, defs, sec, map[string]string{"NORM_HASH_KEY": "ssm:/dele/test/norm-hash-key"})
	res, err := w.Run(context.Background(), `{"dataset":"normpriser-raolje"}`)
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != pipeline.Published {
		t.Fatalf("outcome %s: %s", res.Outcome, res.Message)
	}
	if strings.Join(sec.asked, " ") != "ssm:/dele/test/norm-hash-key" {
		t.Fatalf("asked for %v", sec.asked)
	}
	csv, err := store.ReadAll(context.Background(), w.Env.Public, path.Join(publish.VersionPrefix(fntest.Dataset, res.Version), publish.FileCSV))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(csv), "ALVHEIM") {
		t.Fatal("the hashed column is published in clear")
	}
}

// hashedCopy copies the example dataset into a folder with a hash
// treatment of its crude column whose key comes from NORM_HASH_KEY.
func hashedCopy(t *testing.T) string {
	dir := t.TempDir()
	src := fntest.DefinitionsDir(t)
	b, err := os.ReadFile(filepath.Join(src, fntest.Dataset+".yaml"))
	if err != nil {
		t.Fatal(err)
	}
	def := string(b)
	if !strings.Contains(def, "\nschema:") {
		t.Fatal("example definition changed: no schema")
	}
	def = strings.Replace(def, "\nschema:", "\ntreatments:\n  crude: { action: hash, keyEnv: NORM_HASH_KEY }\nschema:", 1)
	if err := os.WriteFile(filepath.Join(dir, fntest.Dataset+".yaml"), []byte(def), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "sources"), 0o755); err != nil {
		t.Fatal(err)
	}
	csv, err := os.ReadFile(filepath.Join(src, "sources", fntest.Dataset+".csv"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sources", fntest.Dataset+".csv"), csv, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestCleanTemp(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"dele-normpriser-raolje-123", "dele-api-cache", "other"} {
		if err := os.MkdirAll(filepath.Join(dir, d, "x"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if got := CleanTemp(dir); strings.Join(got, " ") != "dele-normpriser-raolje-123" {
		t.Fatalf("removed %v", got)
	}
	for _, d := range []string{"dele-api-cache", "other"} {
		if _, err := os.Stat(filepath.Join(dir, d)); err != nil {
			t.Error(err)
		}
	}
}
