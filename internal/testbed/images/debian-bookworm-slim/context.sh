#!/usr/bin/env bash
# Context generator for the debian:bookworm-slim stand-in (see lib/images.sh
# for the interface): debootstrap a minbase bookworm, slim it down the way the
# official image is, add the machine's CA certificates, and tar it so ADD keeps
# owners and modes.
set -euo pipefail

MIRROR=${OPTFRONTEND_DEBIAN_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${OPTFRONTEND_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
SUITE=bookworm
HOST_BUNDLE=/etc/ssl/certs/ca-certificates.crt
HOST_LOCAL_CAS=/usr/local/share/ca-certificates

key() {
	echo "suite=$SUITE mirror=$MIRROR security=$SECURITY_MIRROR"
	dpkg-query -W debootstrap
	sha256sum "$HOST_BUNDLE"
	find "$HOST_LOCAL_CAS" -name '*.crt' -type f -exec sha256sum {} + 2>/dev/null | sort || true
}

args() { :; }

# unmount_below DIR: unmounts anything a failed debootstrap left mounted.
unmount_below() {
	local m
	findmnt -rn -o TARGET | awk -v d="$1" 'index($0, d "/") == 1' | sort -r |
		while read -r m; do umount -l "$m"; done
}

bootstrap() {
	local rootfs=${1:?}
	unmount_below "$rootfs"
	rm -rf --one-file-system "$rootfs"
	mkdir -p "$IMAGE_CACHE/debs"
	debootstrap --variant=minbase --cache-dir="$IMAGE_CACHE/debs" \
		"$SUITE" "$rootfs" "$MIRROR" >"$IMAGE_WORK/debootstrap.log" 2>&1 || {
		tail -n 20 "$IMAGE_WORK/debootstrap.log" >&2
		echo "debootstrap failed (log: $IMAGE_WORK/debootstrap.log)" >&2
		exit 1
	}
	unmount_below "$rootfs"
}

# Keep only copyright files of the documentation, no manuals, no translations,
# now and for packages installed later (dpkg path-exclude).
slim() {
	local r=${1:?}
	cat >"$r/etc/dpkg/dpkg.cfg.d/docker" <<'CFG'
# Stand-in for the official slim image's dpkg filter: no docs but copyright
# files, no manuals, no translations.
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
CFG
	find "$r/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
	find "$r/usr/share/doc" -mindepth 1 -type d -empty -delete
	rm -rf "$r"/usr/share/{man,groff,info,lintian,linda}/*
	find "$r/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
}

# The apt settings of the official image, including docker-clean, which
# deletes downloaded .debs after every install and keeps no package caches.
apt_config() {
	local r=${1:?} d=$1/etc/apt/apt.conf.d
	cat >"$d/docker-clean" <<'CFG'
// Stand-in for the official image's docker-clean: delete downloaded packages
// after every dpkg run and every update, and keep no binary package caches.
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };

Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
CFG
	echo 'Acquire::Languages "none";' >"$d/docker-no-languages"
	echo 'Acquire::GzipIndexes "true";' >"$d/docker-gzip-indexes"
	echo 'Apt::AutoRemove::SuggestsImportant "false";' >"$d/docker-autoremove-suggests"
	rm -f "$r/etc/apt/sources.list"
	cat >"$r/etc/apt/sources.list.d/debian.sources" <<SRC
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY_MIRROR
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
}

# The machine's CA bundle, and its local CAs where update-ca-certificates
# finds them, so installing ca-certificates later keeps the custom CA.
certificates() {
	local r=${1:?}
	mkdir -p "$r/etc/ssl/certs" "$r/usr/local/share/ca-certificates"
	cp "$HOST_BUNDLE" "$r/etc/ssl/certs/ca-certificates.crt"
	if [[ -d $HOST_LOCAL_CAS ]]; then
		find "$HOST_LOCAL_CAS" -name '*.crt' -type f -exec cp {} "$r/usr/local/share/ca-certificates/" \;
	fi
}

# Nothing of this machine or of the bootstrap run stays in the image.
clean() {
	local r=${1:?}
	rm -rf "$r"/var/lib/apt/lists/* "$r"/var/cache/apt/*.bin \
		"$r"/var/cache/apt/archives/*.deb "$r"/var/cache/apt/archives/partial/* \
		"$r"/var/cache/debconf/*-old "$r"/var/lib/dpkg/*-old \
		"${r:?}"/dev/* "$r"/proc/* "$r"/sys/* "$r"/tmp/* "$r"/var/tmp/*
	find "$r/var/log" -type f -delete
	find "$r/run" -mindepth 1 -maxdepth 1 ! -name lock -exec rm -rf {} +
	: >"$r/etc/resolv.conf"
	echo localhost >"$r/etc/hostname"
	printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$r/etc/hosts"
	[[ ! -e $r/etc/machine-id ]] || : >"$r/etc/machine-id"
}

build() {
	local ctx=$1 rootfs=${IMAGE_WORK:?}/rootfs
	bootstrap "$rootfs"
	slim "$rootfs"
	apt_config "$rootfs"
	certificates "$rootfs"
	clean "$rootfs"
	tar --numeric-owner --sort=name -C "$rootfs" -cf "$ctx/rootfs.tar" .
}

"$@"
