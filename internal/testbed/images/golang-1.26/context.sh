#!/usr/bin/env bash
# Context generator for the golang:1.26 stand-in (see lib/images.sh): this
# machine's Go toolchain (go env GOROOT), copied whole.
set -euo pipefail

goroot() { go env GOROOT; }

key() {
	command -v go >/dev/null || { echo "go not found on PATH" >&2; exit 1; }
	echo "$(go env GOVERSION) $(goroot)"
	cat "$(goroot)/VERSION" 2>/dev/null || true
}

args() {
	local v
	v=$(go env GOVERSION)
	echo "GOLANG_VERSION=${v#go}"
}

build() {
	local ctx=$1
	cp -a "$(goroot)" "$ctx/go"
}

"$@"
