// Package fntest has what the tests of the Lambda function packages share:
// the repository's example definitions and settings, the AWS event shapes
// in internal/lambdafn/testdata, and a dataset published with the real
// pipeline into a store.
package fntest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/dele-opendata/dele/datasets"
	"github.com/dele-opendata/dele/internal/config"
	"github.com/dele-opendata/dele/internal/pipeline"
	"github.com/dele-opendata/dele/internal/store"
	"github.com/dele-opendata/dele/internal/testenv"
)

// Dataset is the example dataset the function tests publish: a CSV file of
// about 280 kB in the repository.
const Dataset = "normpriser-raolje"

// DefinitionsDir is the repository's datasets folder.
func DefinitionsDir(t testing.TB) string {
	return filepath.Join(testenv.RepoRoot(t), "datasets")
}

// ConfigFile is the repository's dele.yaml.
func ConfigFile(t testing.TB) string {
	return filepath.Join(testenv.RepoRoot(t), "dele.yaml")
}

// Definitions loads the example definitions.
func Definitions(t testing.TB) []*datasets.Definition {
	t.Helper()
	defs, err := datasets.Load(DefinitionsDir(t))
	if err != nil {
		t.Fatal(err)
	}
	return defs
}

// Definition returns the example definition id.
func Definition(t testing.TB, id string) *datasets.Definition {
	t.Helper()
	for _, d := range Definitions(t) {
		if d.ID == id {
			return d
		}
	}
	t.Fatalf("no example definition %s", id)
	return nil
}

// Config loads the repository's settings.
func Config(t testing.TB) *config.Config {
	t.Helper()
	c, err := config.Load(ConfigFile(t))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Event reads internal/lambdafn/testdata/name: events in the shapes AWS
// documents.
func Event(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "internal", "lambdafn", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Publish runs the example dataset id through the pipeline into public and
// private and fails the test unless it was published.
func Publish(t testing.TB, public, private store.Store, id string) *pipeline.Result {
	t.Helper()
	env := &pipeline.Env{Public: public, Private: private, Config: Config(t), TempDir: t.TempDir()}
	res := pipeline.Run(context.Background(), env, Definition(t, id))
	if res.Outcome != pipeline.Published {
		t.Fatalf("publish %s: %s: %s", id, res.Outcome, res.Message)
	}
	return res
}
