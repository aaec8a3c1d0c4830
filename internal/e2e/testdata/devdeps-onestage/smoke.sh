#!/bin/sh
set -eu
out=$(node /app/server.js)
[ "$out" = "one day is 86400000 ms; built" ] || { echo "devdeps smoke: FAIL: $out" >&2; exit 1; }
echo "devdeps smoke: OK ($out)"
