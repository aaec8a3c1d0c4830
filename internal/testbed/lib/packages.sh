# shellcheck shell=bash
# Step 1: Debian packages the test bed needs.

# package-name:command-to-check ("-" to check with dpkg only)
TESTBED_PACKAGES=(
	runc:runc
	docker-registry:docker-registry
	busybox-static:-
	debootstrap:debootstrap
	ca-certificates:-
	debian-archive-keyring:-
	curl:curl
)

pkg_installed() {
	local pkg=$1 cmd=$2
	if [[ $cmd != - ]]; then
		command -v "$cmd" >/dev/null 2>&1 && return 0
	fi
	[[ $(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null) == installed ]]
}

ensure_packages() {
	local entry missing=()
	for entry in "${TESTBED_PACKAGES[@]}"; do
		pkg_installed "${entry%%:*}" "${entry#*:}" || missing+=("${entry%%:*}")
	done
	if ((${#missing[@]} == 0)); then
		log "    all packages present"
		return 0
	fi
	((EUID == 0)) || die "missing packages (${missing[*]}) and not root: install them first"
	log "    installing: ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get update -qq ||
		die "apt-get update failed"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}" || die "apt-get install ${missing[*]} failed"
	if [[ " ${missing[*]} " == *" docker-registry "* ]]; then
		stop_packaged_registry
	fi
}

# On a machine with systemd, installing docker-registry also starts Debian's
# own service on port 5000; the test bed runs its own registry instead.
stop_packaged_registry() {
	command -v systemctl >/dev/null 2>&1 || return 0
	if systemctl is-active --quiet docker-registry 2>/dev/null; then
		log "    disabling Debian's docker-registry service (the test bed runs its own on port 5000)"
		systemctl disable --now docker-registry >/dev/null 2>&1 ||
			log "    WARNING: could not stop the docker-registry service"
	fi
}
