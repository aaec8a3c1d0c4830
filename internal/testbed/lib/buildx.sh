# shellcheck shell=bash
# Step 6: a buildx "remote" builder on the test bed's buildkitd. buildx runs
# standalone (no Docker engine); its state lives in $C/buildx (BUILDX_CONFIG).

setup_buildx() {
	wait_buildx
	export BUILDX_CONFIG=$BUILDX_DIR
	mkdir -p "$BUILDX_CONFIG"
	local info
	if info=$(buildx inspect "$BUILDER_NAME" 2>/dev/null); then
		if ! grep -Eq "^Endpoint: +$BUILDKIT_ADDR\$" <<<"$info"; then
			log "    builder $BUILDER_NAME points elsewhere: recreating it"
			buildx rm "$BUILDER_NAME" >/dev/null || die "buildx rm $BUILDER_NAME failed"
			info=
		fi
	fi
	if [[ -z $info ]]; then
		buildx create --name "$BUILDER_NAME" --driver remote --use "$BUILDKIT_ADDR" >/dev/null ||
			die "buildx create --name $BUILDER_NAME failed"
		log "    created buildx builder $BUILDER_NAME -> $BUILDKIT_ADDR"
	fi
	info=$(buildx --builder "$BUILDER_NAME" inspect --bootstrap 2>&1) ||
		die "buildx --builder $BUILDER_NAME inspect --bootstrap failed: $info"
	grep -q '^Status: *running' <<<"$info" ||
		die "builder $BUILDER_NAME is not running: $info"
	log "    buildx builder $BUILDER_NAME is running"
}
