// Package testenv lets tests find the real servers and tools that ./test.sh
// installs and starts (an S3-compatible server, PostgreSQL, Node tools,
// Chromium), by environment variable.
//
// When DELE_TEST_REQUIRE=1 (as ./test.sh and CI set it) a missing variable
// fails the test instead of skipping it, so no test against a real part is
// silently skipped in CI.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Required reports whether tests must fail rather than skip when a test
// server or tool is missing.
func Required() bool { return os.Getenv("DELE_TEST_REQUIRE") == "1" }

// Get returns the value of the environment variable name. When it is unset
// the test is skipped, or failed when Required.
func Get(t testing.TB, name string) string {
	t.Helper()
	v := os.Getenv(name)
	if v == "" {
		Missing(t, name+" is not set (run ./test.sh, which starts the test servers)")
	}
	return v
}

// Missing skips the test with reason, or fails it when Required.
func Missing(t testing.TB, reason string) {
	t.Helper()
	if Required() {
		t.Fatalf("required test dependency missing: %s", reason)
	}
	t.Skip(reason)
}

// NodeDir returns the folder with the installed Node test tools
// (tools/node with its node_modules), or skips/fails when absent.
func NodeDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(RepoRoot(t), "tools", "node")
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); err != nil {
		Missing(t, "Node test tools are not installed (run ./test.sh, or npm ci in tools/node)")
	}
	if _, err := exec.LookPath("node"); err != nil {
		Missing(t, "node is not on PATH")
	}
	return dir
}

// RepoRoot returns the repository's top folder.
func RepoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("cannot locate repository root")
	}
	return filepath.Join(filepath.Dir(file), "..", "..")
}
