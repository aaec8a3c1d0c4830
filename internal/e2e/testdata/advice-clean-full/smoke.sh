#!/bin/sh
set -eu
out=$(python3 /app/app.py)
case $out in "hello from python 3."*) echo "advice-clean-full smoke: OK ($out)" ;; *) echo "advice-clean-full smoke: FAIL: $out" >&2; exit 1 ;; esac
