#!/bin/sh
set -eu
out=$(cd /app && python app.py)
[ "$out" = "escaped &lt;b&gt; with markupsafe._speedups" ] || { echo "slimbuild smoke: FAIL: $out" >&2; exit 1; }
echo "slimbuild smoke: OK ($out)"
