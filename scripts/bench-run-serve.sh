#!/usr/bin/env bash
# Benchmark of the two README commands on a large dataset (not part of the
# test suite): generates the municipal CSV of internal/benchdata (ROWS rows,
# default 1,000,000), registers it as a dataset, times `dele run` on it
# (wall time and peak RSS), then serves the published folder with
# `dele serve` and runs wrk against the query API: a first page filtered on
# the sorted column (id), a range with sort, an equality filter on a text
# column, and a CSV page. Prints figures for the README's Performance
# section. Run it on a quiet machine.
#
# Environment: ROWS, DURATION (default 20s), THREADS (2), CONNECTIONS (8),
# ADDR (127.0.0.1:18090), KEEP=1 keeps the work folder.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ROWS=${ROWS:-1000000}
DURATION=${DURATION:-20s}
THREADS=${THREADS:-2}
CONNECTIONS=${CONNECTIONS:-8}
ADDR=${ADDR:-127.0.0.1:18090}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 1; }

work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; [ "${KEEP:-0}" = 1 ] || rm -rf "$work"; }
trap cleanup EXIT
go build -o "$work/dele" ./cmd/dele
go build -o "$work/gen" ./internal/benchdata/gen
mkdir -p "$work/datasets/sources"
"$work/gen" -rows "$ROWS" -out "$work/datasets/sources/kommunale-tilskudd.csv"
echo "input: $ROWS rows, $(du -h "$work/datasets/sources/kommunale-tilskudd.csv" | cut -f1)"
cat >"$work/datasets/kommunale-tilskudd.yaml" <<'YAML'
id: kommunale-tilskudd
title: { nb: Kommunale tilskudd (generert), en: Municipal grants (generated) }
description: { nb: Generert testdatasett for ytelsesmåling. }
publisher: { orgnr: "964965226", name: Stavanger kommune, kommunenummer: "1103" }
contact: { name: Digitalisering, email: postmottak@stavanger.kommune.no }
themes: [GOVE]
license: NLOD-2.0
access: PUBLIC
schedule: rate(1 day)
source: { type: csv, path: sources/kommunale-tilskudd.csv, delimiter: ";", encoding: utf-8 }
schema:
  primaryKey: [id]
  fields:
    - { name: id, type: integer, constraints: { required: true, unique: true } }
    - { name: orgnr, type: string, constraints: { pattern: "^[0-9]{9}$" } }
    - { name: navn, type: string }
    - { name: adresse, type: string }
    - { name: postnummer, type: string, constraints: { pattern: "^[0-9]{4}$" } }
    - { name: poststed, type: string }
    - { name: kommunenummer, type: string, constraints: { pattern: "^[0-9]{4}$" } }
    - { name: dato, type: date }
    - { name: belop, type: number, decimalChar: "," }
    - { name: antall, type: integer }
    - { name: aktiv, type: boolean }
    - { name: kategori, type: string }
    - { name: kommentar, type: string }
classification:
  allow: { navn: [person-name], adresse: [address-with-name] }
outputs: [parquet, csv]
YAML

echo "== dele run"
/usr/bin/time -f "wall %e s, user %U s, sys %S s, peak RSS %M KiB" \
	"$work/dele" run -definitions "$work/datasets" -config "$ROOT/dele.yaml" -out "$work/public" -private "$work/private"
ls -l "$work"/public/datasets/kommunale-tilskudd/versions/*/

"$work/dele" serve -out "$work/public" -definitions "$work/datasets" -config "$ROOT/dele.yaml" -addr "$ADDR" >"$work/serve.log" 2>&1 &
pid=$!
url="http://$ADDR/api"
for _ in $(seq 1 100); do curl -sf -o /dev/null "$url/datasets" && break; sleep 0.2; done
queries=(
	"/datasets/kommunale-tilskudd/rows?id.gte=500000&limit=100"
	"/datasets/kommunale-tilskudd/rows?id.gte=500000&id.lt=600000&sort=id&limit=100"
	"/datasets/kommunale-tilskudd/rows?kommunenummer=0301&limit=100"
	"/datasets/kommunale-tilskudd/rows?id.gte=900000&limit=1000&format=csv"
)
for q in "${queries[@]}"; do
	code=$(curl -s -o /dev/null -w '%{http_code}' "$url$q")
	[ "$code" = 200 ] || { echo "$q: status $code"; cat "$work/serve.log"; exit 1; }
	echo "== wrk $q"
	wrk -t "$THREADS" -c "$CONNECTIONS" -d "$DURATION" --latency "$url$q" |
		grep -E 'Requests/sec|50%|90%|99%|Non-2xx|Socket errors|requests in'
done
echo "dele serve peak RSS: $(grep VmHWM /proc/$pid/status)"
