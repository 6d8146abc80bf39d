#!/usr/bin/env bash
# Load benchmark of the open query API (not part of the test suite).
#
# Builds openapi/internal/benchserve, which publishes a generated dataset of
# ROWS rows (default 1,000,000; written by internal/convert as the publish
# stage does, row groups of 128K rows) into an in-memory store and serves the
# API on loopback, then runs wrk against a filtered first-page query on the
# sorted column (id) and a few other queries. Prints requests/s and latency
# percentiles per query; run it several times on a quiet machine and report
# medians (the README's Performance section has figures from scripts/bench-run-serve.sh, which serves through dele serve).
#
# Environment: ROWS, DURATION (default 20s), THREADS (2), CONNECTIONS (16),
# ADDR (127.0.0.1:18089), RUNS (3).
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${ROWS:-1000000}
DURATION=${DURATION:-20s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-16}
ADDR=${ADDR:-127.0.0.1:18089}
RUNS=${RUNS:-3}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }

bin=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$bin"' EXIT
go build -o "$bin/benchserve" ./openapi/internal/benchserve
"$bin/benchserve" -rows "$ROWS" -addr "$ADDR" >"$bin/url" &
pid=$!
for _ in $(seq 1 600); do
	[ -s "$bin/url" ] && break
	sleep 1
done
url=$(cat "$bin/url")
[ -n "$url" ] || { echo "benchserve did not start"; exit 1; }

queries=(
	"/datasets/tilskudd/rows?id.gte=500000&limit=100"
	"/datasets/tilskudd/rows?id.gte=500000&id.lt=600000&sort=id&limit=100"
	"/datasets/tilskudd/rows?kommunenummer=0301&limit=100"
	"/datasets/tilskudd/rows?id.gte=900000&limit=1000&format=csv"
)
for q in "${queries[@]}"; do
	# Warm up (footer cache) and check the query answers 200.
	code=$(curl -s -o /dev/null -w '%{http_code}' "$url$q")
	[ "$code" = 200 ] || { echo "$q: status $code"; exit 1; }
	for run in $(seq 1 "$RUNS"); do
		echo "== $q (run $run/$RUNS)"
		wrk -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" --latency "$url$q" |
			grep -E 'Requests/sec|50%|90%|99%|Non-2xx|Socket errors|requests in'
	done
done
