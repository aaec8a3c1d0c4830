#!/bin/sh
# Prints the commit the app was built from, as its /version endpoint does.
cd "$(dirname "$0")"
ref=$(sed -n 's/^ref: //p' .git/HEAD)
if [ -n "$ref" ]; then cat ".git/$ref"; else cat .git/HEAD; fi
