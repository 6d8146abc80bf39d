#!/usr/bin/env bash
# Builds Dele's Lambda functions for the provided.al2023 runtime: for each
# function a folder OUT/<function>/ holding
#   bootstrap     the Go binary (static, CGO_ENABLED=0, -tags lambda.norpc)
#   dele.yaml     the installation settings
#   datasets/     the definitions (*.yaml); the worker also gets
#                 datasets/sources/, the local source files they read
# which `sam deploy` zips and uploads (template.yaml's CodeUri points at
# these folders), and OUT/<function>.zip, the same folder zipped for
# `aws lambda update-function-code --zip-file` or any other deploy tool. Definitions are bundled, so a changed definition is
# deployed by running this script and `sam deploy` again.
#
# Usage: infra/build.sh [function ...]      (default: dispatcher worker catalog api)
# Environment:
#   GOARCH   target architecture (default arm64, as in template.yaml; the
#            tests build for the host's)
#   OUT      output folder (default infra/.build)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${OUT:-$root/infra/.build}
arch=${GOARCH:-arm64}
fns=("$@")
if [ ${#fns[@]} -eq 0 ]; then fns=(dispatcher worker catalog api); fi
for fn in "${fns[@]}"; do
	if [ ! -f "$root/functions/$fn/main.go" ]; then
		echo "build.sh: no function $fn (want one of: $(ls "$root/functions" | tr '\n' ' '))" >&2
		exit 2
	fi
	dir="$out/$fn"
	rm -rf "$dir"
	mkdir -p "$dir/datasets"
	(cd "$root" && GOOS=linux GOARCH="$arch" CGO_ENABLED=0 \
		go build -tags lambda.norpc -trimpath -ldflags='-s -w' -o "$dir/bootstrap" "./functions/$fn")
	cp "$root/dele.yaml" "$dir/"
	cp "$root"/datasets/*.yaml "$dir/datasets/"
	if [ "$fn" = worker ] && [ -d "$root/datasets/sources" ]; then
		cp -R "$root/datasets/sources" "$dir/datasets/sources"
	fi
	# zipdir runs here, so it is built for this machine, not for GOARCH.
	(cd "$root" && env -u GOOS -u GOARCH go run ./infra/zipdir "$dir" "$out/$fn.zip")
	echo "built $dir and $out/$fn.zip ($(du -sh "$dir/bootstrap" | cut -f1) bootstrap, $(du -sh "$out/$fn.zip" | cut -f1) zipped, linux/$arch)"
done
