#!/bin/sh
set -e
ref=$(sed 's/^ref: //' .git/HEAD)
echo "version $(cat .git/$ref)"
