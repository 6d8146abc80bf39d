package fsstore_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/dele-opendata/dele/internal/holder"
	"github.com/dele-opendata/dele/internal/store"
	"github.com/dele-opendata/dele/internal/store/fsstore"
)

// A fresh lock file whose holder is a process of this machine blocks
// while that process runs, and is broken at once when it has died (a
// `dele run` killed mid-publish), not only after 30 s.
func TestLockFileOfDeadProcess(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Skip(err)
	}
	defer cmd.Process.Kill()
	h, ok := holder.Of(cmd.Process.Pid)
	if !ok {
		t.Skip("no /proc: only the lock file's age applies here")
	}
	dir := t.TempDir()
	s, err := fsstore.New(dir)
	if err != nil {
		t.Fatal(err)
	}
	lock := filepath.Join(dir, fsstore.MetaDir, "k.json.lock")
	if err := os.MkdirAll(filepath.Dir(lock), 0o755); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"holder": h, "nonce": "n"})
	if err := os.WriteFile(lock, b, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	if err := s.Put(ctx, "k", strings.NewReader("x"), store.PutOptions{}); err == nil {
		t.Fatal("Put under the lock of a running process succeeded")
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	start := time.Now()
	if err := s.Put(t.Context(), "k", strings.NewReader("x"), store.PutOptions{}); err != nil {
		t.Fatalf("Put under the lock of a dead process: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("breaking a dead process's lock took %s", d)
	}
	if ents, _ := os.ReadDir(filepath.Dir(lock)); len(ents) != 1 {
		t.Errorf("files left in the metadata folder: %v", ents)
	}
}
