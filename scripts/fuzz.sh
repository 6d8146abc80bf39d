#!/usr/bin/env bash
# Runs every Go fuzz target in the module for a while (default 20s each),
# after `go test` has already run their committed seeds (testdata/fuzz).
# Called by test.sh as `scripts/fuzz.sh 20s`. A failure leaves the failing
# input under the package's testdata/fuzz/<Target>/ to commit as a seed.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${1:-20s}
status=0
for pkg in $(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do
	for target in $(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true); do
		echo "fuzz $pkg $target ($fuzztime)"
		if ! go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg"; then
			status=1
		fi
	done
done
exit $status
