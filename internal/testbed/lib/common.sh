# shellcheck shell=bash
# Shared settings and helpers for the test bed scripts (sourced by up/down).
# shellcheck disable=SC2034 # the settings are used by the other lib/*.sh

TESTBED_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_ROOT=$(cd "$TESTBED_DIR/../.." && pwd)

C=${OPTFRONTEND_CACHE:-$HOME/.cache/optfrontend}
BIN=$C/bin
RUN_DIR=$C/run
LOG_DIR=$C/logs
STAMP_DIR=$C/stamps

# Another port only to run a second, separate test bed (tests, timing).
REGISTRY_PORT=${OPTFRONTEND_REGISTRY_PORT:-5000}
REGISTRY_ADDR=127.0.0.1:$REGISTRY_PORT
REGISTRY_NAME=localhost:$REGISTRY_PORT
BUILDKIT_SOCK=$RUN_DIR/buildkitd.sock
BUILDKIT_ADDR=unix://$BUILDKIT_SOCK
BUILDX_DIR=$C/buildx
BUILDER_NAME=optfrontend

# Binaries the test bed builds come first; sbin holds runc.
export PATH="$BIN:$PATH:/usr/local/sbin:/usr/sbin:/sbin"

CURRENT_STEP="setup"

log() { printf '[testbed] %s\n' "$*" >&2; }

die() {
	printf '[testbed] ERROR in step "%s": %s\n' "$CURRENT_STEP" "$*" >&2
	exit 1
}

on_error() {
	local rc=$? line=$1 cmd=$2
	printf '[testbed] ERROR in step "%s": command failed (exit %s) at %s: %s\n' \
		"$CURRENT_STEP" "$rc" "$line" "$cmd" >&2
	exit "$rc"
}

# step NAME FUNC: runs FUNC with its name in every error message and times it.
step() {
	local name=$1 fn=$2 start=$SECONDS
	CURRENT_STEP=$name
	log "==> $name"
	"$fn"
	log "    $name: done in $((SECONDS - start))s"
}

# sha256 of the named files' contents (and names), in the given order.
hash_files() {
	local f
	for f in "$@"; do
		printf '%s\n' "${f#"$TESTBED_DIR"/}"
		cat "$f"
	done | sha256sum | cut -d' ' -f1
}

# hash_dir DIR [EXCLUDED-SUBDIR]: sha256 of every file below DIR, sorted by
# path, leaving out one subdirectory if named.
hash_dir() {
	local d=$1 skip=${2:-}
	(cd "$d" && find . ${skip:+-path "./$skip" -prune -o} -type f -print0 |
		LC_ALL=C sort -z | xargs -0 -r sha256sum) | sha256sum | cut -d' ' -f1
}

stamp_read() { cat "$STAMP_DIR/$1" 2>/dev/null || true; }
stamp_write() { mkdir -p "$STAMP_DIR" && printf '%s\n' "$2" >"$STAMP_DIR/$1"; }

# wait_until SECONDS DESCRIPTION LOGFILE CMD...: polls CMD every 0.2s.
wait_until() {
	local timeout=$1 what=$2 logfile=$3
	shift 3
	local deadline=$((SECONDS + timeout))
	until "$@" >/dev/null 2>&1; do
		if ((SECONDS >= deadline)); then
			log "last lines of $logfile:"
			tail -n 30 "$logfile" >&2 || true
			die "$what not ready after ${timeout}s (log: $logfile)"
		fi
		sleep 0.2
	done
}

# pid_alive PIDFILE NAME: true if the pid file names a live process whose
# command line contains NAME (guards against recycled pids).
pid_alive() {
	local pidfile=$1 name=$2 pid
	[[ -s $pidfile ]] || return 1
	pid=$(<"$pidfile")
	[[ -r /proc/$pid/cmdline ]] || return 1
	tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$name"
}

# stop_pidfile PIDFILE NAME: SIGTERM, wait up to 20s, then SIGKILL.
stop_pidfile() {
	local pidfile=$1 name=$2 pid i
	if ! pid_alive "$pidfile" "$name"; then
		rm -f "$pidfile"
		return 1
	fi
	pid=$(<"$pidfile")
	kill -TERM "$pid"
	for ((i = 0; i < 100; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.2
	done
	if kill -0 "$pid" 2>/dev/null; then
		log "$name (pid $pid) did not stop after 20s, sending SIGKILL"
		kill -KILL "$pid" || true
	fi
	rm -f "$pidfile"
}

# start_daemon PIDFILE LOGFILE CMD...: runs CMD in its own session so it
# outlives this script, output appended to LOGFILE.
start_daemon() {
	local pidfile=$1 logfile=$2
	shift 2
	mkdir -p "$(dirname "$pidfile")" "$(dirname "$logfile")"
	printf '\n=== %s: %s\n' "$(date -Is)" "$*" >>"$logfile"
	rm -f "$pidfile"
	# The inner shell records its own pid and then becomes CMD, so the pid
	# file is right whether or not setsid had to fork.
	# shellcheck disable=SC2016 # expanded by the inner shell
	# fd 9 is up's lock: the daemon must not keep holding it.
	setsid bash -c 'echo $$ >"$0"; exec "$@"' "$pidfile" "$@" \
		</dev/null >>"$logfile" 2>&1 9>&- &
	local i
	for ((i = 0; i < 50; i++)); do
		[[ -s $pidfile ]] && return 0
		sleep 0.1
	done
	die "could not start $1 (no pid file $pidfile)"
}
