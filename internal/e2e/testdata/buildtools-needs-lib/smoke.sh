#!/bin/sh
# Runs yamlcheck in the built image: it must find libyaml at run time.
set -eu
out=$(yamlcheck)
case $out in "libyaml 0."*) echo "buildtools-needs-lib smoke: OK ($out)" ;; *) echo "buildtools-needs-lib smoke: FAIL: $out" >&2; exit 1 ;; esac
