# Installs the Debian packages and Go tools the tests need. Sourced by test.sh.
# Skipped with DELE_SKIP_INSTALL=1.
if [ "${DELE_SKIP_INSTALL:-0}" != 1 ]; then
	APT_PACKAGES=(postgresql chromium wrk fonts-dejavu-core)
	missing=()
	for p in "${APT_PACKAGES[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
	# Node.js runs the independent test tools (DuckDB, SHACL, RDF parsers,
	# Redocly, Playwright). These machines ship Node.js 20; elsewhere take
	# Debian's.
	command -v node >/dev/null 2>&1 || missing+=(nodejs)
	command -v npm >/dev/null 2>&1 || missing+=(npm)
	if [ ${#missing[@]} -gt 0 ]; then
		if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
		echo "installing Debian packages: ${missing[*]}"
		$SUDO apt-get update -qq
		DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	fi
	# Go tools, pinned, built through the Go module proxy into DELE_TOOLS_BIN.
	go_tool() { # name module@version
		if [ ! -x "$DELE_TOOLS_BIN/$1" ] || [ "$(cat "$DELE_TOOLS_BIN/$1.version" 2>/dev/null)" != "$2" ]; then
			echo "building $2"
			GOBIN="$DELE_TOOLS_BIN" go install "$2"
			echo "$2" >"$DELE_TOOLS_BIN/$1.version"
		fi
	}
	go_tool staticcheck honnef.co/go/tools/cmd/staticcheck@v0.8.2
	# Node test tools, from the committed lock file.
	lock_sum=$(sha256sum tools/node/package-lock.json | cut -d" " -f1)
	if [ "$(cat tools/node/node_modules/.dele-lock-sum 2>/dev/null)" != "$lock_sum" ]; then
		(cd tools/node && npm ci --no-audit --no-fund --loglevel=error)
		echo "$lock_sum" >tools/node/node_modules/.dele-lock-sum
	fi
fi
