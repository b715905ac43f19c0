#!/usr/bin/env bash
# with-postgres.sh runs a command against a throwaway PostgreSQL cluster.
#
#   scripts/with-postgres.sh go test ./postgres/
#
# It creates a cluster in a temporary directory, starts it on a free loopback
# port, runs the command with LIFELINE_TEST_DATABASE_URL pointing at it, then
# stops the cluster and deletes the directory, whatever way the command ends.
# The exit status is the command's.
#
# PostgreSQL refuses to run as root, so when invoked as root the server runs as
# the system user $LIFELINE_PG_USER (default lifeline-pg, created if absent)
# while the command itself still runs as root. If initdb is not installed, the
# postgresql package is installed with apt-get (root only).
#
# The server keeps fsync and synchronous_commit on: durability is what the
# tests and benchmarks measure.
set -euo pipefail

log() { printf 'with-postgres: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

if [ "$#" -eq 0 ]; then
	die "usage: $0 COMMAND [ARG...]  (runs COMMAND with LIFELINE_TEST_DATABASE_URL set)"
fi

# newest_bindir prints the bin directory of the newest installed PostgreSQL.
newest_bindir() {
	local dirs=()
	local d
	for d in /usr/lib/postgresql/*/bin; do
		if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
			dirs+=("$d")
		fi
	done
	if [ "${#dirs[@]}" -gt 0 ]; then
		printf '%s\n' "${dirs[@]}" | sort -V | tail -n 1
	fi
}

bindir="${LIFELINE_PG_BINDIR:-$(newest_bindir)}"
if [ -z "$bindir" ]; then
	if [ "$(id -u)" -ne 0 ]; then
		die "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb) and installing it needs root: run 'sudo apt-get install -y postgresql' first"
	fi
	log "PostgreSQL is not installed; installing it with apt-get"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update >&2 || die "apt-get update failed"
	apt-get install -y --no-install-recommends postgresql >&2 || die "apt-get install postgresql failed"
	bindir="$(newest_bindir)"
	[ -n "$bindir" ] || die "postgresql was installed but no /usr/lib/postgresql/*/bin/initdb was found"
fi
for tool in initdb pg_ctl pg_isready; do
	[ -x "$bindir/$tool" ] || die "$bindir/$tool is missing or not executable"
done

# as_pg runs a command as the user the server runs as.
if [ "$(id -u)" -eq 0 ]; then
	pg_user="${LIFELINE_PG_USER:-lifeline-pg}"
	if ! id -u "$pg_user" >/dev/null 2>&1; then
		log "creating system user $pg_user to run PostgreSQL (it refuses to run as root)"
		useradd --system --user-group --no-create-home --home-dir /nonexistent \
			--shell /usr/sbin/nologin "$pg_user" || die "could not create user $pg_user"
	fi
	as_pg() { runuser -u "$pg_user" -- "$@"; }
	# The directory must be reachable by that user, so not under root's TMPDIR.
	base=/tmp
else
	pg_user="$(id -un)"
	as_pg() { "$@"; }
	base="${TMPDIR:-/tmp}"
fi

dir="$(mktemp -d "$base/lifeline-pg.XXXXXXXX")"
data="$dir/data"
logfile="$dir/postgres.log"
started=

cleanup() {
	local status=$?
	if [ -n "$started" ]; then
		as_pg "$bindir/pg_ctl" -D "$data" -m fast -t 30 stop >/dev/null 2>&1 ||
			as_pg "$bindir/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 ||
			log "could not stop the server in $data"
	fi
	rm -rf "$dir"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

chown "$pg_user:" "$dir" 2>/dev/null || true
chmod 700 "$dir"

# initdb's own files need no fsync: a crash here just fails the run. The
# server's durability settings below are what matter.
if ! as_pg "$bindir/initdb" -D "$data" --auth=trust -U postgres --encoding=UTF8 --no-locale \
	--no-sync >"$dir/initdb.log" 2>&1; then
	cat "$dir/initdb.log" >&2
	die "initdb failed"
fi

cat >>"$data/postgresql.conf" <<EOF

# Added by scripts/with-postgres.sh for a throwaway test cluster.
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
max_connections = 200
shared_buffers = 256MB
fsync = on
synchronous_commit = on
full_page_writes = on
max_wal_size = 2GB
max_parallel_workers_per_gather = 0
log_min_messages = warning
log_min_error_statement = panic
EOF

# port_free reports whether nothing listens on 127.0.0.1:$1.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Start on a random free port; another process may take it between the check
# and the bind, so retry on failure.
port=
for attempt in 1 2 3 4 5 6 7 8; do
	candidate=$((20000 + RANDOM % 40000))
	port_free "$candidate" || continue
	if as_pg "$bindir/pg_ctl" -D "$data" -l "$logfile" -o "-p $candidate" -w -t 60 start >/dev/null 2>&1; then
		port=$candidate
		started=1
		break
	fi
	log "attempt $attempt: server did not start on port $candidate; retrying"
	as_pg "$bindir/pg_ctl" -D "$data" -m immediate stop >/dev/null 2>&1 || true
done
if [ -z "$port" ]; then
	tail -n 30 "$logfile" >&2 2>/dev/null || true
	die "could not start PostgreSQL (log above)"
fi

for _ in $(seq 1 100); do
	if "$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres; then
		break
	fi
	sleep 0.1
done
"$bindir/pg_isready" -q -h 127.0.0.1 -p "$port" -U postgres ||
	die "PostgreSQL on port $port is not accepting connections (log: $logfile)"

export LIFELINE_TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres?sslmode=disable"
log "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data in $data)"

# Not exec: the trap must still stop the server and delete the directory.
set +e
"$@"
status=$?
set -e
exit "$status"
