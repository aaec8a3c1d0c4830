#!/bin/sh
# Smoke check for examples/aptsteps. The test harness runs it inside the built
# image (this directory mounted read-only at /smoke), with the image's own
# USER, WORKDIR and ENV and no network. It runs fetchxz with curl reading
# testdata/ through file:// URLs: a good file, a wrong checksum, a file that is
# not xz and one that does not exist.
set -eu

fail() { echo "aptsteps smoke: FAIL: $*" >&2; exit 1; }

here=$(cd "$(dirname "$0")" && pwd)
for tool in fetchxz curl xz; do
  command -v "$tool" >/dev/null || fail "$tool not found on PATH ($PATH)"
done
curl --version | grep -q '^Protocols:.* https' || fail "curl cannot speak https"

sum=c227e8685eba6fb3890f2d37bc7de4fc7d7da67146812efe11ca1fb43d27be99
out=$(fetchxz "file://$here/testdata/notes.xz" "$sum") || fail "good file: exit $?"
[ "$out" = "the layers of a Dockerfile, squashed" ] || fail "good file: got $out"

rc=0; fetchxz "file://$here/testdata/notes.xz" 0000 >/dev/null 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "wrong checksum: want exit 1, got $rc"
rc=0; fetchxz "file://$here/testdata/broken.xz" >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "not xz: want exit 2, got $rc"
rc=0; fetchxz "file://$here/testdata/missing.xz" >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || fail "missing file: want exit 2, got $rc"
echo "aptsteps smoke: OK (fetchxz with curl and xz: good, mismatched, broken and missing files)"
