# Starts a throwaway PostgreSQL server on loopback for the pgsrc tests and
# exports DELE_TEST_PG_URL. Sourced by test.sh (after 00-install.sh has
# installed the Debian postgresql package). The cluster lives under
# $DELE_TEST_WORK and is stopped by the registered cleanup.
#
# test.sh runs as root in CI, and PostgreSQL refuses to run as root, so the
# server runs as the postgres user then; the superuser is called postgres
# either way. The port is 55432, or the next free one when another test run
# on the same machine holds it.
pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
	echo "PostgreSQL server binaries not found (Debian package postgresql): DELE_TEST_PG_URL not set"
else
	pg_dir="$DELE_TEST_WORK/postgres"
	mkdir -p "$pg_dir"
	pg_as=()
	if [ "$(id -u)" = 0 ]; then
		chmod o+x "$DELE_TEST_WORK" # let the postgres user reach its folder
		chown postgres: "$pg_dir"
		pg_as=(runuser -u postgres --)
	fi
	pg_port=55432
	while (: </dev/tcp/127.0.0.1/$pg_port) 2>/dev/null; do pg_port=$((pg_port + 1)); done
	"${pg_as[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U postgres -E UTF8 --no-locale >"$pg_dir/initdb.log" 2>&1 ||
		{ cat "$pg_dir/initdb.log"; false; }
	"${pg_as[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w -t 60 \
		-o "-p $pg_port -c listen_addresses=127.0.0.1 -k $pg_dir -c fsync=off" start >/dev/null ||
		{ cat "$pg_dir/server.log"; false; }
	CLEANUPS+=("${pg_as[*]} $pg_bin/pg_ctl -D $pg_dir/data -m immediate stop >/dev/null")
	export DELE_TEST_PG_URL="postgres://postgres@127.0.0.1:$pg_port/postgres?sslmode=disable"
	echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$pg_port"
fi
