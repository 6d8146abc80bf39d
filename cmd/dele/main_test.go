package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dele-opendata/dele/datasets"
)

// buildDele builds the real dele binary once per test binary.
func buildDele(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "dele")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestRunExamples runs the real CLI on the repository's example datasets
// into a temp folder, as the README's run command does, and checks that
// every example produced its files and the catalog and OpenAPI document.
func TestRunExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole pipeline")
	}
	bin := buildDele(t)
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "public")
	private := filepath.Join(t.TempDir(), "private")
	cmd := exec.Command(bin, "run", "-out", out, "-private", private)
	cmd.Dir = root
	stdout, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("dele run: %v\nstdout:\n%s\nstderr:\n%s", err, stdout, stderr)
	}
	defs, err := datasets.Load(filepath.Join(root, "datasets"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range defs {
		if !strings.Contains(string(stdout), d.ID) {
			t.Errorf("summary does not mention %s:\n%s", d.ID, stdout)
		}
		rep := exec.Command(bin, "report", "-private", private, d.ID)
		rep.Dir = root
		if text, err := rep.Output(); err != nil || !strings.Contains(string(text), "Dele-kjørerapport for "+d.ID) || !strings.Contains(string(text), "Dele run report for "+d.ID) {
			t.Errorf("dele report %s: %v\n%s", d.ID, err, text)
		}
		if d.Access != datasets.AccessPublic {
			if _, err := os.Stat(filepath.Join(out, "datasets", d.ID, "latest.json")); err == nil {
				t.Errorf("%s is declared %s but has a latest.json", d.ID, d.Access)
			}
			continue
		}
		latest := readJSON(t, filepath.Join(out, "datasets", d.ID, "latest.json"))
		version, _ := latest["version"].(string)
		if version == "" {
			t.Fatalf("%s: latest.json has no version", d.ID)
		}
		dir := filepath.Join(out, "datasets", d.ID, "versions", version)
		for _, f := range []string{"data.parquet", "data.csv", "schema.json", "report.json", "report.txt"} {
			fi, err := os.Stat(filepath.Join(dir, f))
			if err != nil || fi.Size() == 0 {
				t.Errorf("%s: %s missing or empty: %v", d.ID, f, err)
			}
		}
		if rows, _ := latest["rows"].(float64); rows <= 0 {
			t.Errorf("%s: latest.json says %v rows", d.ID, latest["rows"])
		}
	}
	for _, f := range []string{"catalog.ttl", "openapi.json", "index.html"} {
		fi, err := os.Stat(filepath.Join(out, f))
		if err != nil || fi.Size() == 0 {
			t.Errorf("%s missing or empty: %v", f, err)
		}
	}
	doc := readJSON(t, filepath.Join(out, "openapi.json"))
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.") {
		t.Errorf("openapi.json is not an OpenAPI 3 document: openapi=%v", doc["openapi"])
	}

	// A second run with unchanged sources publishes nothing new.
	cmd = exec.Command(bin, "run", "-out", out, "-private", private)
	cmd.Dir = root
	again, err := cmd.Output()
	if err != nil {
		t.Fatalf("second dele run: %v\n%s", err, again)
	}
	if strings.Contains(string(again), " published ") {
		t.Errorf("second run with unchanged sources published again:\n%s", again)
	}
}

func readJSON(t *testing.T, file string) map[string]any {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return m
}

// TestDatasetsCheck runs dele datasets check on a folder with broken
// definitions: each problem must name the file and the field.
func TestDatasetsCheck(t *testing.T) {
	dir := t.TempDir()
	valid, err := os.ReadFile("../../datasets/testdata/valid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	mutations := map[string][2]string{
		"no-publisher":  {"publisher: { orgnr: \"964965226\", name: Stavanger kommune, kommunenummer: \"1103\" }", ""},
		"bad-orgnr":     {"orgnr: \"964965226\"", "orgnr: \"964965227\""},
		"bad-licence":   {"license: NLOD-2.0", "license: WTFPL"},
		"unknown-theme": {"themes: [GOVE]", "themes: [FOOD]"},
	}
	for name, m := range mutations {
		s := strings.Replace(string(valid), "id: valid", "id: "+name, 1)
		if !strings.Contains(s, m[0]) {
			t.Fatalf("mutation %s does not apply", name)
		}
		s = strings.Replace(s, m[0], m[1], 1)
		if err := os.WriteFile(filepath.Join(dir, name+".yaml"), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var stdout, stderr strings.Builder
	code := Main(context.Background(), &cliEnv{stdout: &stdout, stderr: &stderr, getenv: os.Getenv}, []string{"datasets", "check", "-definitions", dir})
	if code != 1 {
		t.Errorf("exit code %d, want 1", code)
	}
	for _, want := range []string{
		"no-publisher.yaml: publisher.orgnr: is missing",
		"no-publisher.yaml: publisher.name: is missing",
		"bad-orgnr.yaml: publisher.orgnr: \"964965227\" is not a valid organisation number",
		"bad-licence.yaml: license: unknown licence \"WTFPL\"",
		"unknown-theme.yaml: themes[0]: unknown EU data theme \"FOOD\"",
	} {
		if !strings.Contains(stderr.String(), filepath.Join(dir, want)) {
			t.Errorf("missing message %q in:\n%s", want, stderr.String())
		}
	}
	stdout.Reset()
	stderr.Reset()
	if code := Main(context.Background(), &cliEnv{stdout: &stdout, stderr: &stderr, getenv: os.Getenv}, []string{"datasets", "check", "-definitions", "../../datasets"}); code != 0 {
		t.Errorf("examples: exit code %d: %s", code, stderr.String())
	}
}
