#!/usr/bin/env bash
# Context generator for the rust:1 stand-in (see lib/images.sh): this
# machine's stable Rust toolchain (rustup's stable-x86_64-unknown-linux-gnu),
# its bin/ and lib/ only: share/ is 800 MB of documentation.
set -euo pipefail

toolchain() {
	if command -v rustup >/dev/null; then
		rustup run stable rustc --print sysroot
	else
		command -v rustc >/dev/null || { echo "rustc not found on PATH" >&2; exit 1; }
		rustc --print sysroot
	fi
}

key() {
	local tc
	tc=$(toolchain)
	echo "$tc"
	"$tc/bin/rustc" -vV
	"$tc/bin/cargo" --version
	sha256sum "$tc/bin/rustc" "$tc/bin/cargo" "$tc/bin/rustdoc"
}

args() {
	local v
	v=$("$(toolchain)/bin/rustc" -vV | awk '$1 == "release:" { print $2 }')
	echo "RUST_VERSION=$v"
}

build() {
	local ctx=$1 tc
	tc=$(toolchain)
	[[ -x $tc/bin/rustc && -x $tc/bin/cargo && -d $tc/lib/rustlib ]] ||
		{ echo "no rustc, cargo or lib/rustlib under $tc" >&2; exit 1; }
	mkdir -p "$ctx/toolchain"
	cp -a "$tc/bin" "$tc/lib" "$ctx/toolchain/"
}

"$@"
