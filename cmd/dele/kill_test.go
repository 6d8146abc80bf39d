package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/dele-opendata/dele/internal/publish"
	"github.com/dele-opendata/dele/internal/store"
	"github.com/dele-opendata/dele/internal/store/fsstore"
)

// killDatasets are the small examples the kill test runs: a CSV source
// changed before every run (so every run publishes) and a JSON one.
var killDatasets = []string{"normpriser-raolje", "enheter-asa"}

// TestKillMidRun starts the real `dele run` again and again and kills it
// with SIGKILL at a random moment of the run (seed in the log; set
// DELE_KILL_SEED to replay, DELE_KILLS for the number of kills, default
// 50). After every kill the public folder must be consistent: each
// latest.json points at a whole version whose files have the sizes and
// SHA-256 its manifest lists (publish.VerifyLatest). The next run must not
// be blocked by the lease or the lock files the killed one left (their
// holder is dead), and a final run must succeed and leave the store
// consistent.
func TestKillMidRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the pipeline 50 times")
	}
	kills := 50
	if s := os.Getenv("DELE_KILLS"); s != "" {
		kills, _ = strconv.Atoi(s)
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("DELE_KILL_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (DELE_KILL_SEED=%d replays it)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, seed))

	bin := buildDele(t)
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	defs := filepath.Join(work, "datasets")
	if err := os.MkdirAll(filepath.Join(defs, "sources"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, id := range killDatasets {
		copyFile(t, filepath.Join(root, "datasets", id+".yaml"), filepath.Join(defs, id+".yaml"))
	}
	copyFile(t, filepath.Join(root, "datasets", "sources", "enheter-asa.json"), filepath.Join(defs, "sources", "enheter-asa.json"))
	csvSource, err := os.ReadFile(filepath.Join(root, "datasets", "sources", "normpriser-raolje.csv"))
	if err != nil {
		t.Fatal(err)
	}
	// A new row each run, so every run has a new version to publish.
	change := func(n int) {
		row := fmt.Sprintf("KILLTEST%d;01.01.2020;%d,00;57,75;2,45;24.04.2020\n", n, 400+n)
		if err := os.WriteFile(filepath.Join(defs, "sources", "normpriser-raolje.csv"), append(append([]byte{}, csvSource...), row...), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, private, tmp := filepath.Join(work, "public"), filepath.Join(work, "private"), filepath.Join(work, "tmp")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	pub, err := fsstore.New(out)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := fsstore.New(private)
	if err != nil {
		t.Fatal(err)
	}
	start := func() (*exec.Cmd, *strings.Builder) {
		cmd := exec.Command(bin, "run", "-definitions", defs, "-config", filepath.Join(root, "dele.yaml"), "-out", out, "-private", private)
		cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "DELE_LOG=debug")
		var output strings.Builder
		cmd.Stdout, cmd.Stderr = &output, &output
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, &output
	}
	runToEnd := func(what string) time.Duration {
		t.Helper()
		begin := time.Now()
		cmd, output := start()
		if err := cmd.Wait(); err != nil {
			t.Fatalf("%s: %v\n%s", what, err, output)
		}
		if d := time.Since(begin); d > 10*time.Second {
			t.Logf("%s took %s:\n%s", what, d, output)
		}
		return time.Since(begin)
	}

	// Whole runs first: they publish both datasets, and the second (with
	// warm caches, as the later ones) tells how long a run takes, so the
	// kills spread over all of it.
	change(0)
	runToEnd("first run")
	consistent(t, pub, "after the first run")
	change(-1)
	full := runToEnd("second run")
	t.Logf("an uninterrupted run takes %s", full.Round(time.Millisecond))

	phases := map[string]int{}
	for i := 1; i <= kills; i++ {
		change(i)
		before := runCount(t, priv)
		catalogTime := modTime(filepath.Join(out, "catalog.ttl"))
		versionsBefore := versionSet(t, pub)
		delay := time.Duration(rng.Int64N(int64(full)))
		begin := time.Now()
		cmd, output := start()
		timer := time.AfterFunc(delay, func() { _ = cmd.Process.Signal(syscall.SIGKILL) })
		err := cmd.Wait()
		timer.Stop()
		var ee *exec.ExitError
		switch {
		case err == nil:
			// Runs vary with the machine's load: aim at the fastest seen.
			full = min(full, time.Since(begin))
			phases["finished before the kill"]++
		case errors.As(err, &ee) && ee.ProcessState.Sys().(syscall.WaitStatus).Signaled():
			phases[phaseOf(t, tmp, pub, priv, out, before, catalogTime, versionsBefore)]++
		default:
			t.Fatalf("kill %d: run failed on its own after %s: %v\n%s", i, delay, err, output)
		}
		consistent(t, pub, fmt.Sprintf("kill %d at %s", i, delay.Round(time.Millisecond)))
		// What the killed run left in its temp folder is not ours to keep.
		leftovers, _ := os.ReadDir(tmp)
		for _, e := range leftovers {
			os.RemoveAll(filepath.Join(tmp, e.Name()))
		}
	}
	t.Logf("%d kills: %v", kills, phases)

	change(kills + 1)
	d := runToEnd("final run")
	consistent(t, pub, "after the final run")
	for _, id := range killDatasets {
		if _, err := priv.Stat(context.Background(), publish.LockKey(id)); !errors.Is(err, store.ErrNotExist) {
			t.Errorf("%s: lease left after the final run: %v", id, err)
		}
	}
	m, err := publish.ReadLatest(context.Background(), pub, "normpriser-raolje")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("final run took %s; normpriser-raolje has %d retained versions", d.Round(time.Millisecond), len(m.History))
	if tmpFiles := countTemp(t, out); tmpFiles > 0 {
		t.Logf("%d temporary files of killed writes are left in the public folder (hidden, never served)", tmpFiles)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// consistent checks every published dataset with publish.VerifyLatest.
func consistent(t *testing.T, pub store.Store, when string) {
	t.Helper()
	ids, err := publish.ListDatasets(context.Background(), pub)
	if err != nil {
		t.Fatalf("%s: %v", when, err)
	}
	if len(ids) != len(killDatasets) {
		t.Fatalf("%s: published datasets %v", when, ids)
	}
	for _, id := range ids {
		if _, err := publish.VerifyLatest(context.Background(), pub, id); err != nil {
			t.Fatalf("%s: store inconsistent: %v", when, err)
		}
	}
}

// runCount counts the run records in the private store.
func runCount(t *testing.T, priv store.Store) int {
	t.Helper()
	infos, err := priv.List(context.Background(), "runs/")
	if err != nil {
		t.Fatal(err)
	}
	return len(infos)
}

func modTime(file string) time.Time {
	fi, err := os.Stat(file)
	if err != nil {
		return time.Time{}
	}
	return fi.ModTime()
}

// versionSet lists the version folders of the kill test's datasets.
func versionSet(t *testing.T, pub store.Store) map[string]bool {
	t.Helper()
	set := map[string]bool{}
	infos, err := pub.List(context.Background(), "datasets/")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range infos {
		if id, rest, ok := strings.Cut(strings.TrimPrefix(o.Key, "datasets/"), "/versions/"); ok {
			v, _, _ := strings.Cut(rest, "/")
			set[id+"/"+v] = true
		}
	}
	return set
}

// phaseOf tells from what a killed run left where it was: publishing (it
// held a lease, or left a new version that latest.json does not point
// at), regenerating the catalog, API document and portal (both run
// records written, or the catalog rewritten), just after a switch to a
// new version, or building a version (its temp folder is there).
func phaseOf(t *testing.T, tmp string, pub, priv store.Store, out string, runsBefore int, catalogBefore time.Time, versionsBefore map[string]bool) string {
	t.Helper()
	ctx := context.Background()
	for _, id := range killDatasets {
		if _, err := priv.Stat(ctx, publish.LockKey(id)); err == nil {
			return "publish"
		}
	}
	latest := map[string]bool{}
	for _, id := range killDatasets {
		if m, err := publish.ReadLatest(ctx, pub, id); err == nil {
			latest[id+"/"+m.Version] = true
		}
	}
	switched := false
	for v := range versionSet(t, pub) {
		switch {
		case versionsBefore[v]:
		case !latest[v]:
			return "publish"
		default:
			switched = true
		}
	}
	switch {
	case runCount(t, priv)-runsBefore >= len(killDatasets) || modTime(filepath.Join(out, "catalog.ttl")).After(catalogBefore):
		return "regenerate"
	case switched:
		return "after publish"
	}
	if ents, _ := os.ReadDir(tmp); len(ents) > 0 {
		return "extract/convert"
	}
	return "start-up"
}

// countTemp counts fsstore's temporary files under dir.
func countTemp(t *testing.T, dir string) int {
	t.Helper()
	n := 0
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasPrefix(d.Name(), ".dele-tmp-") {
			n++
		}
		return nil
	})
	return n
}
