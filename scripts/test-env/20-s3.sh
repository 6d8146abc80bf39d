# Starts a real S3-compatible server (versitygw, posix backend) on loopback
# for the S3 store tests, and exports:
#   DELE_TEST_S3_ENDPOINT    http://127.0.0.1:PORT (path-style addressing)
#   DELE_TEST_S3_ACCESS_KEY  DELE_TEST_S3_SECRET_KEY  DELE_TEST_S3_REGION
# Tests create their own buckets (unique names), so several packages can
# share the server. Sourced by test.sh; needs DELE_TEST_WORK and
# DELE_TOOLS_BIN.
VERSITYGW_MODULE=github.com/versity/versitygw/cmd/versitygw@v1.8.0
if [ "${DELE_SKIP_INSTALL:-0}" != 1 ]; then
	if [ ! -x "$DELE_TOOLS_BIN/versitygw" ] || [ "$(cat "$DELE_TOOLS_BIN/versitygw.version" 2>/dev/null)" != "$VERSITYGW_MODULE" ]; then
		echo "building $VERSITYGW_MODULE"
		GOBIN="$DELE_TOOLS_BIN" go install "$VERSITYGW_MODULE"
		echo "$VERSITYGW_MODULE" >"$DELE_TOOLS_BIN/versitygw.version"
	fi
fi
if command -v versitygw >/dev/null 2>&1; then
	s3_dir="$DELE_TEST_WORK/s3"
	mkdir -p "$s3_dir/data" "$s3_dir/meta"
	# A free port: several test runs may share the machine.
	for _ in $(seq 1 50); do
		s3_port=$((20000 + RANDOM % 40000))
		(echo >"/dev/tcp/127.0.0.1/$s3_port") 2>/dev/null || break
	done
	export DELE_TEST_S3_ACCESS_KEY=dele-test-access
	export DELE_TEST_S3_SECRET_KEY=dele-test-secret-0123456789
	export DELE_TEST_S3_REGION=us-east-1
	# The posix backend keeps object metadata in extended attributes, set
	# on the temporary file before it is linked in, so a GET racing a PUT
	# of the same key sees one whole version. Without xattr support it
	# falls back to a sidecar folder, where metadata and data are updated
	# apart and such a GET can fail its checksum check.
	s3_start() {
		ROOT_ACCESS_KEY=$DELE_TEST_S3_ACCESS_KEY ROOT_SECRET_KEY=$DELE_TEST_S3_SECRET_KEY \
			versitygw --port "127.0.0.1:$s3_port" posix "$@" "$s3_dir/data" \
			>>"$s3_dir/versitygw.log" 2>&1 &
		s3_pid=$!
		s3_up=0
		for _ in $(seq 1 100); do
			if (echo >"/dev/tcp/127.0.0.1/$s3_port") 2>/dev/null; then s3_up=1; break; fi
			kill -0 "$s3_pid" 2>/dev/null || break
			sleep 0.1
		done
	}
	s3_start
	if [ "$s3_up" != 1 ]; then
		kill "$s3_pid" 2>/dev/null || true
		echo "versitygw without sidecar did not start (no xattr support?); using --sidecar"
		s3_start --sidecar "$s3_dir/meta"
	fi
	CLEANUPS+=("kill $s3_pid")
	if [ "$s3_up" = 1 ]; then
		export DELE_TEST_S3_ENDPOINT="http://127.0.0.1:$s3_port"
		echo "versitygw (S3) on $DELE_TEST_S3_ENDPOINT"
	else
		echo "versitygw did not start:"; cat "$s3_dir/versitygw.log"
	fi
else
	echo "versitygw not installed: S3 tests will skip (or fail with DELE_TEST_REQUIRE=1)"
fi
