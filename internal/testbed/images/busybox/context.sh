#!/usr/bin/env bash
# Context generator for the busybox:latest stand-in (see lib/images.sh):
# Debian's static busybox with every applet hard-linked into /bin, and the
# few files of /etc that the official image has.
set -euo pipefail

host_busybox() {
	dpkg -L busybox-static | grep -E '/busybox$' | head -n 1
}

key() {
	dpkg-query -W busybox-static
}

args() { :; }

build() {
	local ctx=$1 r=${IMAGE_WORK:?}/rootfs bb applet
	bb=$(host_busybox)
	[[ -x $bb ]] || { echo "static busybox not found (package busybox-static)" >&2; exit 1; }
	rm -rf "$r"
	mkdir -p "$r"/{bin,etc,home,root,tmp,var/spool/mail,var/www}
	chmod 700 "$r/root"
	chmod 1777 "$r/tmp"
	cp "$bb" "$r/bin/busybox"
	for applet in $("$bb" --list); do
		[[ $applet == busybox ]] || ln "$r/bin/busybox" "$r/bin/$applet"
	done
	cat >"$r/etc/passwd" <<'TXT'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
bin:x:2:2:bin:/bin:/bin/false
sys:x:3:3:sys:/dev:/bin/false
sync:x:4:100:sync:/bin:/bin/sync
mail:x:8:8:mail:/var/spool/mail:/bin/false
www-data:x:33:33:www-data:/var/www:/bin/false
operator:x:37:37:Operator:/var:/bin/false
nobody:x:65534:65534:nobody:/home:/bin/false
TXT
	cat >"$r/etc/group" <<'TXT'
root:x:0:
daemon:x:1:
bin:x:2:
sys:x:3:
adm:x:4:
tty:x:5:
disk:x:6:
wheel:x:10:root
mail:x:8:
www-data:x:33:
operator:x:37:
staff:x:50:
users:x:100:
nogroup:x:65533:
nobody:x:65534:
TXT
	sed 's/:x:.*/:*:::::::/' "$r/etc/passwd" >"$r/etc/shadow"
	chmod 600 "$r/etc/shadow"
	tar --numeric-owner --sort=name -C "$r" -cf "$ctx/rootfs.tar" .
}

"$@"
