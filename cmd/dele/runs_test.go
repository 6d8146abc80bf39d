package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/dele-opendata/dele/internal/publish"
	"github.com/dele-opendata/dele/internal/store/fsstore"
)

func TestRuns(t *testing.T) {
	dir := t.TempDir()
	priv, err := fsstore.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
	for i, r := range []publish.RunRecord{
		{Dataset: "valglokaler", RunID: "r1", Start: start, End: start.Add(2 * time.Second), Rows: 120, Classification: "PUBLIC", Outcome: publish.OutcomePublished, Version: "20261125T030002Z-3f2a9c01b7e4"},
		{Dataset: "valglokaler", RunID: "r2", Start: start.Add(time.Hour), End: start.Add(time.Hour + time.Second), Rows: 120, Classification: "PUBLIC", Outcome: publish.OutcomeUnchanged, Version: "20261125T030002Z-3f2a9c01b7e4"},
		{Dataset: "elever", RunID: "r3", Start: start.Add(2 * time.Hour), End: start.Add(2 * time.Hour), Classification: "NON_PUBLIC: fødselsnummer i kolonne fnr", Outcome: publish.OutcomeHeldBack},
	} {
		if err := publish.WriteRun(context.Background(), priv, r); err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
	}
	code, stdout, stderr := runDele(t, "runs", "-private", dir, "valglokaler")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	if len(lines) != 3 || !strings.Contains(lines[1], "r2") || !strings.Contains(lines[1], "unchanged") || !strings.Contains(lines[2], "published") {
		t.Errorf("dele runs valglokaler:\n%s", stdout)
	}
	code, stdout, _ = runDele(t, "runs", "-private", dir, "-n", "1")
	if code != 0 || !strings.Contains(stdout, "held-back") || strings.Contains(stdout, "valglokaler") {
		t.Errorf("dele runs -n 1: exit %d\n%s", code, stdout)
	}
	if code, _, _ := runDele(t, "runs", "-private", dir, "../x"); code == 0 {
		t.Error("dele runs with an invalid id succeeded")
	}
	if code, _, _ := runDele(t, "runs", "a", "b"); code != 2 {
		t.Errorf("dele runs a b: exit %d, want 2", code)
	}
}
