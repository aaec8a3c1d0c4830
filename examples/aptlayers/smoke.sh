#!/bin/sh
# Smoke check for examples/aptlayers. The test harness runs it inside the
# built image (this directory mounted read-only at /smoke), with the image's
# own USER, WORKDIR and ENV and no network. It runs statuscheck the way CMD
# does, with curl reading the feeds in testdata/ through file:// URLs, and
# checks its output and exit status for a healthy, a degraded and a missing feed.
set -eu

fail() { echo "aptlayers smoke: FAIL: $*" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd)
for tool in statuscheck curl jq; do
  command -v "$tool" >/dev/null || fail "$tool not found on PATH ($PATH)"
done
curl --version | grep -q '^Protocols:.* https' || fail "curl cannot speak https: $(curl --version | head -1)"

# run URL: sets $out (stdout and stderr) and $rc.
run() { rc=0; out=$(statuscheck "$1" 2>&1) || rc=$?; }

want() { # want WHAT WANT_RC WANT_OUTPUT
  [ "$rc" = "$2" ] && [ "$out" = "$3" ] ||
    fail "$1: got exit $rc and output:
$out
want exit $2 and output:
$3"
}

run "file://$here/testdata/operational.json"
want "healthy feed" 0 "Demo Cloud: All Systems Operational"

run "file://$here/testdata/degraded.json"
want "degraded feed" 1 "Demo Cloud: Partially Degraded Service
  Webhooks: partial outage
  Builds: degraded performance"

run "file://$here/testdata/missing.json"
[ "$rc" = 2 ] || fail "missing feed: want exit 2, got $rc: $out"
case $out in *"statuscheck: cannot fetch"*) ;; *) fail "missing feed: no error message: $out" ;; esac

run "file://$here/Dockerfile"
[ "$rc" = 2 ] || fail "non-JSON feed: want exit 2, got $rc: $out"

echo "aptlayers smoke: OK (statuscheck with curl and jq: healthy, degraded, missing and bad feeds)"
