#!/usr/bin/env bash
# Context generator for the node:22-slim stand-in (see lib/images.sh): this
# machine's node binary and the npm (and corepack) that come with it.
set -euo pipefail

node_bin() { readlink -f "$(command -v node)"; }

# npm's package directory: npm on PATH is a link to .../npm/bin/npm-cli.js.
npm_dir() {
	local cli
	cli=$(readlink -f "$(command -v npm)")
	dirname "$(dirname "$cli")"
}

key() {
	command -v node >/dev/null || { echo "node not found on PATH" >&2; exit 1; }
	echo "node $(node --version) $(node_bin)"
	echo "npm $(npm --version) $(npm_dir)"
	sha256sum "$(node_bin)"
}

args() {
	local v
	v=$(node --version)
	echo "NODE_VERSION=${v#v}"
}

build() {
	local ctx=$1 mods
	mods=$(dirname "$(npm_dir)")
	[[ -f $(npm_dir)/bin/npm-cli.js ]] || { echo "npm-cli.js not found under $(npm_dir)" >&2; exit 1; }
	mkdir -p "$ctx/node_modules"
	cp "$(node_bin)" "$ctx/node"
	cp -a "$(npm_dir)" "$ctx/node_modules/npm"
	if [[ -d $mods/corepack ]]; then
		cp -a "$mods/corepack" "$ctx/node_modules/corepack"
	fi
	cp "$IMAGE_DIR/docker-entrypoint.sh" "$ctx/"
}

"$@"
