# Starts moto_server (a mock of AWS services: SQS, SSM Parameter Store,
# Secrets Manager) on loopback for the Lambda function tests, and exports
#   DELE_TEST_SQS_ENDPOINT   http://127.0.0.1:PORT
# The same endpoint serves SSM and Secrets Manager; moto accepts any
# credentials and keeps everything in memory. Tests create their own queues
# and parameters (unique names), so several packages can share the server.
# Sourced by test.sh; needs DELE_TEST_WORK. moto_server is preinstalled on
# these machines (Python, pyenv); PyPI is not reachable to install it.
moto_bin=$(command -v moto_server 2>/dev/null || true)
if [ -z "$moto_bin" ] && [ -x "$HOME/.pyenv/shims/moto_server" ]; then moto_bin="$HOME/.pyenv/shims/moto_server"; fi
if [ -n "$moto_bin" ]; then
	moto_dir="$DELE_TEST_WORK/moto"
	mkdir -p "$moto_dir"
	# A free port: several test runs may share the machine.
	for _ in $(seq 1 50); do
		moto_port=$((20000 + RANDOM % 40000))
		(echo >"/dev/tcp/127.0.0.1/$moto_port") 2>/dev/null || break
	done
	"$moto_bin" -H 127.0.0.1 -p "$moto_port" >>"$moto_dir/moto.log" 2>&1 &
	moto_pid=$!
	CLEANUPS+=("kill $moto_pid")
	moto_up=0
	for _ in $(seq 1 300); do
		if (echo >"/dev/tcp/127.0.0.1/$moto_port") 2>/dev/null; then moto_up=1; break; fi
		kill -0 "$moto_pid" 2>/dev/null || break
		sleep 0.1
	done
	if [ "$moto_up" = 1 ]; then
		export DELE_TEST_SQS_ENDPOINT="http://127.0.0.1:$moto_port"
		echo "moto_server (SQS, SSM, Secrets Manager) on $DELE_TEST_SQS_ENDPOINT"
	else
		echo "moto_server did not start:"; cat "$moto_dir/moto.log"
	fi
else
	echo "moto_server not installed: SQS tests will skip (or fail with DELE_TEST_REQUIRE=1)"
fi
