#!/bin/bash
# Smoke check for examples/rustapp. The test harness runs it inside the built
# image (this directory mounted read-only at /smoke), with the image's own
# USER, WORKDIR and ENV and no network: it starts `rustapp` from PATH the way
# CMD does and talks to it over loopback with bash's /dev/tcp (the
# debian:bookworm-slim runtime has no curl nor Python). The harness runs it
# with sh: go on in bash.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -eu

fail() { echo "rustapp smoke: FAIL: $*" >&2; exit 1; }

command -v rustapp >/dev/null || fail "rustapp is not on PATH ($PATH)"

PORT=18092 HOST=127.0.0.1
export PORT HOST
log=$(mktemp)
rustapp >"$log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT INT TERM

# request METHOD PATH [BODY]: prints the status line's code, a tab, the body.
# Every read gives up after 5 s, so a stuck server cannot hang the build.
request() {
	local method=$1 path=$2 body=${3:-} resp="" line
	exec 3<>"/dev/tcp/$HOST/$PORT" || return 1
	printf '%s %s HTTP/1.0\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
		"$method" "$path" "$HOST" "${#body}" "$body" >&3
	while IFS= read -r -t 5 line <&3 || [ -n "$line" ]; do resp+=$line$'\n'; line=; done
	exec 3<&-
	resp=${resp%$'\n'}
	printf '%s\t%s\n' "$(printf '%s' "$resp" | head -n1 | cut -d' ' -f2)" "${resp##*$'\r\n\r\n'}"
}

up=
for _ in $(seq 100); do # at most ~20 s
	kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; fail "the server exited before answering"; }
	if out=$(request GET /healthz 2>/dev/null); then up=1; break; fi
	sleep 0.2
done
[ -n "$up" ] || { cat "$log" >&2; fail "no answer on port $PORT within 20 s"; }
[ "$out" = $'200\t{"status":"ok"}' ] || fail "unexpected /healthz answer: $out"

out=$(request POST /notes '{"text":"buy milk"}')
[ "$out" = $'201\t{"id":1,"text":"buy milk"}' ] || fail "POST /notes answered: $out"
out=$(request POST /notes '{"text":"  "}')
[ "${out%%$'\t'*}" = 400 ] || fail "POST /notes with a blank text answered: $out"
out=$(request GET /notes)
[ "$out" = $'200\t[{"id":1,"text":"buy milk"}]' ] || fail "GET /notes answered: $out"
out=$(request GET /nowhere)
[ "${out%%$'\t'*}" = 404 ] || fail "GET /nowhere answered: $out"
echo "rustapp smoke: OK (healthz, notes API, a blank note refused, a 404)"
