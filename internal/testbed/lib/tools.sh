# shellcheck shell=bash
# Step 2: buildkitd, buildctl and buildx, built from the tools modules.

TOOLS_DIR=$TESTBED_DIR/tools
BUILDX_TOOLS_DIR=$TOOLS_DIR/buildx

# module_version GOMOD MODULE: the version GOMOD requires MODULE at, whether
# in a one-line require or inside a require block.
module_version() {
	awk -v mod="$2" '
		$1 == "require" && $2 == "(" { inblock = 1; next }
		inblock && $1 == ")" { inblock = 0; next }
		$1 == "require" && $2 == mod { print $3; exit }
		inblock && $1 == mod { print $2; exit }
	' "$1"
}

check_buildkit_versions() {
	local root tools
	root=$(module_version "$REPO_ROOT/go.mod" github.com/moby/buildkit)
	tools=$(module_version "$TOOLS_DIR/go.mod" github.com/moby/buildkit)
	[[ -n $root ]] || die "cannot find github.com/moby/buildkit in $REPO_ROOT/go.mod"
	[[ -n $tools ]] || die "cannot find github.com/moby/buildkit in $TOOLS_DIR/go.mod"
	if [[ $root != "$tools" ]]; then
		die "buildkit version mismatch: $REPO_ROOT/go.mod pins $root but" \
			"$TOOLS_DIR/go.mod requires $tools. Fix with:" \
			"(cd $TOOLS_DIR && go get github.com/moby/buildkit@$root && go mod tidy)"
	fi
	BUILDKIT_VERSION=$root
}

# go_build_tools STAMP MODDIR VERSIONVAR=VERSION PKG...: builds PKGs into $BIN
# unless the stamp matches the module files, the Go version and the binaries.
go_build_tools() {
	local stamp=$1 dir=$2 ldflag=$3
	shift 3
	local key pkg missing=0
	key=$(printf '%s\n%s\n' "$(hash_files "$dir/go.mod" "$dir/go.sum" "$dir/tools.go")" \
		"$(go env GOVERSION)" | sha256sum | cut -d' ' -f1)
	for pkg in "$@"; do
		[[ -x $BIN/${pkg##*/} ]] || missing=1
	done
	if ((missing == 0)) && [[ $(stamp_read "$stamp") == "$key" ]]; then
		log "    $stamp: up to date"
		return 0
	fi
	local logfile=$LOG_DIR/$stamp.log
	log "    building ${*##*/} (a few minutes the first time; log: $logfile)"
	mkdir -p "$BIN" "$LOG_DIR"
	if ! (cd "$dir" && CGO_ENABLED=0 GOFLAGS=-mod=readonly GOWORK=off go build \
		-buildvcs=false -trimpath -ldflags "-s -w -X $ldflag" -o "$BIN/" "$@") \
		>"$logfile" 2>&1; then
		tail -n 30 "$logfile" >&2
		die "go build in $dir failed (log: $logfile)"
	fi
	stamp_write "$stamp" "$key"
}

build_tools() {
	command -v go >/dev/null || die "go is not on PATH"
	check_buildkit_versions
	local bx
	bx=$(module_version "$BUILDX_TOOLS_DIR/go.mod" github.com/docker/buildx)
	go_build_tools tools-buildkit "$TOOLS_DIR" \
		"github.com/moby/buildkit/version.Version=$BUILDKIT_VERSION" \
		github.com/moby/buildkit/cmd/buildkitd github.com/moby/buildkit/cmd/buildctl
	# buildx is needed only by step 6; it compiles while the registry,
	# buildkitd and the images (which use buildctl) come up. wait_buildx
	# collects it.
	go_build_tools tools-buildx "$BUILDX_TOOLS_DIR" \
		"github.com/docker/buildx/version.Version=$bx" \
		github.com/docker/buildx/cmd/buildx >"$LOG_DIR/tools-buildx.step" 2>&1 &
	BUILDX_PID=$!
	# The BuildKit integration harness looks for `registry` on PATH.
	ln -sfn "$(command -v docker-registry)" "$BIN/registry"
}

# wait_buildx waits for the buildx build build_tools started and fails the
# step with its output when it failed.
wait_buildx() {
	[[ -n ${BUILDX_PID:-} ]] || return 0
	local pid=$BUILDX_PID
	BUILDX_PID=
	if ! wait "$pid"; then
		cat "$LOG_DIR/tools-buildx.step" >&2
		die "building buildx failed (log: $LOG_DIR/tools-buildx.log)"
	fi
	cat "$LOG_DIR/tools-buildx.step" >&2
}
