#!/usr/bin/env bash
# Runs every Dele test on a fresh machine that has only Go (and, on Debian,
# apt and Node.js). It installs what the tests need (Debian packages, Go test
# tools, Node test tools), starts the real test servers on loopback
# (S3-compatible server, PostgreSQL, ...), runs the static checks and
# `go test -race ./...`, and stops the servers again.
#
# Environment:
#   DELE_TEST_REQUIRE=0   skip (instead of fail) tests whose server is missing
#   DELE_SKIP_INSTALL=1   do not install anything; use what is there
#   DELE_FUZZTIME=20s     time per fuzz target (0 disables the fuzz step)
#
# With arguments, it sets up the same environment and runs them instead of
# the whole suite, e.g. ./test.sh go test -race ./internal/store/...
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
export DELE_TEST_REQUIRE=${DELE_TEST_REQUIRE:-1}
export DELE_TEST_WORK
DELE_TEST_WORK=$(mktemp -d "${TMPDIR:-/tmp}/dele-test.XXXXXX")
export DELE_TOOLS_BIN=${DELE_TOOLS_BIN:-$HOME/.cache/dele-tools/bin}
mkdir -p "$DELE_TOOLS_BIN"
export PATH="$DELE_TOOLS_BIN:$PATH"

CLEANUPS=()
cleanup() {
	local i
	for ((i = ${#CLEANUPS[@]} - 1; i >= 0; i--)); do eval "${CLEANUPS[$i]}" || true; done
	rm -rf "$DELE_TEST_WORK"
}
trap cleanup EXIT
step() { printf '\n==> %s\n' "$*"; }

# Each script in scripts/test-env installs and starts one kind of test
# dependency and exports the variables the Go tests read (see
# internal/testenv). They are sourced in name order.
for f in scripts/test-env/*.sh; do
	step "test environment: $(basename "$f")"
	# shellcheck source=/dev/null
	source "$f"
done

if [ $# -gt 0 ]; then
	step "$*"
	"$@"
	exit
fi

step "gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './tools/*'))
if [ -n "$unformatted" ]; then echo "gofmt needed on:"; echo "$unformatted"; exit 1; fi

step "go mod verify and tidy"
go mod verify
cp go.mod "$DELE_TEST_WORK/go.mod.before"; cp go.sum "$DELE_TEST_WORK/go.sum.before"
go mod tidy
if ! diff -q go.mod "$DELE_TEST_WORK/go.mod.before" >/dev/null || ! diff -q go.sum "$DELE_TEST_WORK/go.sum.before" >/dev/null; then
	echo "go.mod/go.sum are not tidy: run go mod tidy"; git diff go.mod go.sum || true
	cp "$DELE_TEST_WORK/go.mod.before" go.mod; cp "$DELE_TEST_WORK/go.sum.before" go.sum
	exit 1
fi

step "go vet"
go vet ./...

step "staticcheck"
staticcheck ./...

step "go test -race ./..."
go test -race -count=1 -timeout 40m ./...

# Benchmarks are how speed and memory are measured: each must still run.
step "benchmarks run (one iteration each)"
go test -run '^$' -bench . -benchtime 1x -timeout 20m ./... >"$DELE_TEST_WORK/bench.txt" 2>&1 || { cat "$DELE_TEST_WORK/bench.txt"; exit 1; }
grep -c '^Benchmark' "$DELE_TEST_WORK/bench.txt" | sed 's/$/ benchmarks ran/'

if [ -x scripts/fuzz.sh ] && [ "${DELE_FUZZTIME:-20s}" != "0" ]; then
	step "fuzz (${DELE_FUZZTIME:-20s} per target)"
	scripts/fuzz.sh "${DELE_FUZZTIME:-20s}"
fi
step "all tests passed"
