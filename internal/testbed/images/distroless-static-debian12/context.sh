#!/usr/bin/env bash
# Context generator for the gcr.io/distroless/static-debian12 stand-in (see
# lib/images.sh): no shell, no package manager; users root, nobody and
# nonroot (65532), the machine's CA bundle, tzdata, /tmp 1777.
set -euo pipefail

HOST_BUNDLE=/etc/ssl/certs/ca-certificates.crt
ZONEINFO=/usr/share/zoneinfo

key() {
	sha256sum "$HOST_BUNDLE"
	dpkg-query -W tzdata 2>/dev/null || echo "no tzdata"
}

args() { :; }

build() {
	local ctx=$1 r=${IMAGE_WORK:?}/rootfs
	rm -rf "$r"
	mkdir -p "$r"/{etc/ssl/certs,home/nonroot,root,tmp,usr/share,var}
	chmod 700 "$r/root" "$r/home/nonroot"
	chmod 1777 "$r/tmp"
	chown 65532:65532 "$r/home/nonroot"
	cat >"$r/etc/passwd" <<'TXT'
root:x:0:0:root:/root:/sbin/nologin
nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin
nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin
TXT
	cat >"$r/etc/group" <<'TXT'
root:x:0:
nobody:x:65534:
tty:x:5:
staff:x:50:
nonroot:x:65532:
TXT
	echo 'hosts: files dns' >"$r/etc/nsswitch.conf"
	cat >"$r/etc/os-release" <<'TXT'
PRETTY_NAME="Distroless (optfrontend test bed stand-in)"
NAME="Debian GNU/Linux"
ID="debian"
VERSION_ID="12"
VERSION="Debian GNU/Linux 12 (bookworm)"
HOME_URL="https://github.com/GoogleContainerTools/distroless"
TXT
	cp "$HOST_BUNDLE" "$r/etc/ssl/certs/ca-certificates.crt"
	if [[ -d $ZONEINFO ]]; then
		cp -a "$ZONEINFO" "$r/usr/share/zoneinfo"
	fi
	tar --numeric-owner --sort=name -C "$r" -cf "$ctx/rootfs.tar" .
}

"$@"
