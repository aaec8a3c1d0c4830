# shellcheck shell=bash disable=SC2034 # CURRENT_STEP is read by lib/common.sh
# Step 5: stand-ins for the official base images, built by buildkitd and
# pushed to the loopback registry under the official names.
#
# Each image is a directory images/<dir>/ holding:
#   Dockerfile    built with the dockerfile.v0 frontend;
#   context.sh    optional context generator, run as `bash context.sh CMD`:
#                   key         prints the machine inputs it depends on,
#                   args        prints KEY=VALUE build args,
#                   build DIR   fills the build context DIR;
#                 with IMAGE_DIR, IMAGE_WORK (scratch dir kept under $C) and
#                 IMAGE_CACHE (download cache under $C) set. Without it the
#                 image directory itself is the context.
#   verify/       a Dockerfile (and its context) built after every push; it
#                 names the image by its official name, so it also checks the
#                 registry mirrors.
# An image is rebuilt when its key (the files of its directory but verify/,
# the output of `context.sh key`, the keys of the images it needs) changed, or
# when the registry no longer serves the digests pushed then. It is verified
# again when it was pushed again or verify/ changed. SOURCE_DATE_EPOCH is
# pinned so that a rebuild from BuildKit's cache pushes the same digests.

IMAGES_DIR=$TESTBED_DIR/images
IMAGES_EPOCH=1735689600 # 2025-01-01, the "created" time of every stand-in

# dir | references under localhost:5000 (comma-separated) | images it needs
TESTBED_IMAGES=(
	"busybox|library/busybox:latest|"
	"debian-bookworm-slim|library/debian:bookworm-slim|"
	"distroless-static-debian12|distroless/static-debian12:latest|busybox"
	"python-3.12-slim|library/python:3.12-slim|debian-bookworm-slim"
	"python-3.12|library/python:3.12|debian-bookworm-slim"
	"node-22-slim|library/node:22-slim|debian-bookworm-slim"
	"golang-1.26|library/golang:1.26|debian-bookworm-slim"
	"nginx|library/nginx:latest,library/nginx:stable|debian-bookworm-slim"
	"eclipse-temurin-17|library/eclipse-temurin:17-jre|debian-bookworm-slim"
	"maven-3.9|library/maven:3.9-eclipse-temurin-17,library/maven:3.9|eclipse-temurin-17"
	"rust-1|library/rust:1,library/rust:1-bookworm,library/rust:1.95|debian-bookworm-slim"
)

MANIFEST_ACCEPT="application/vnd.oci.image.index.v1+json,application/vnd.docker.distribution.manifest.list.v2+json,application/vnd.docker.distribution.manifest.v2+json,application/vnd.oci.image.manifest.v1+json"

declare -A IMAGE_KEYS=()

# registry_digest REPO:TAG: the manifest digest the registry serves, or "".
registry_digest() {
	local ref=$1
	curl -fsS -I --max-time 5 -H "Accept: $MANIFEST_ACCEPT" \
		"http://$REGISTRY_ADDR/v2/${ref%:*}/manifests/${ref##*:}" 2>/dev/null |
		awk -F': ' 'tolower($1) == "docker-content-digest" { gsub(/\r/, "", $2); print $2 }'
}

# registry_size REPO:TAG: compressed size in MB (config + layers).
registry_size() {
	local ref=$1
	curl -fsS --max-time 5 -H "Accept: $MANIFEST_ACCEPT" \
		"http://$REGISTRY_ADDR/v2/${ref%:*}/manifests/${ref##*:}" 2>/dev/null |
		grep -o '"size": *[0-9]*' | awk -F: '{ s += $2 } END { printf "%.1f MB", s / 1e6 }'
}

# context_cmd DIR CMD...: runs the image's context generator.
context_cmd() {
	local dir=$1
	shift
	IMAGE_DIR=$IMAGES_DIR/$dir IMAGE_WORK=$C/images/$dir/work \
		IMAGE_CACHE=$C/cache/$dir bash "$IMAGES_DIR/$dir/context.sh" "$@"
}

has_context_script() { [[ -f $IMAGES_DIR/$1/context.sh ]]; }

image_key() {
	local dir=$1 deps=$2 dep hostkey=""
	if has_context_script "$dir"; then
		hostkey=$(context_cmd "$dir" key) || die "$dir: context.sh key failed"
	fi
	{
		hash_dir "$IMAGES_DIR/$dir" verify
		printf '%s\n' "$hostkey"
		for dep in ${deps//,/ }; do
			printf '%s %s\n' "$dep" "${IMAGE_KEYS[$dep]:?image $dep must come before $dir}"
		done
	} | sha256sum | cut -d' ' -f1
}

# image_current DIR REFS KEY: the stamp names KEY and the registry still
# serves the digests pushed then.
image_current() {
	local dir=$1 refs=$2 key=$3 stamp ref want
	stamp=$(stamp_read "image-$dir")
	[[ ${stamp%% *} == "$key" ]] || return 1
	for ref in ${refs//,/ }; do
		want=$(tr ' ' '\n' <<<"$stamp" | awk -v r="$ref" -F= '$1 == r { print $2 }')
		[[ -n $want && $(registry_digest "$ref") == "$want" ]] || return 1
	done
}

# prepare_context DIR: prints the build context directory, regenerating it
# only when context.sh or its machine inputs changed.
prepare_context() {
	local dir=$1 ctx=$C/images/$1/ctx key
	if ! has_context_script "$dir"; then
		echo "$IMAGES_DIR/$dir"
		return 0
	fi
	key=$(printf '%s\n%s\n' "$(hash_files "$IMAGES_DIR/$dir/context.sh")" \
		"$(context_cmd "$dir" key)" | sha256sum | cut -d' ' -f1)
	if [[ -d $ctx && $(cat "$C/images/$dir/ctx.key" 2>/dev/null) == "$key" ]]; then
		echo "$ctx"
		return 0
	fi
	log "    $dir: generating build context"
	rm -rf "$ctx" "$ctx.new"
	mkdir -p "$ctx.new" "$C/images/$dir/work" "$C/cache/$dir"
	context_cmd "$dir" build "$ctx.new" >&2 || die "$dir: context.sh build failed"
	mv "$ctx.new" "$ctx"
	printf '%s\n' "$key" >"$C/images/$dir/ctx.key"
	echo "$ctx"
}

# run_buildctl LOG CMD-ARGS...: buildctl build with plain progress into LOG;
# on failure, shows the end of LOG and stops.
run_buildctl() {
	local logfile=$1
	shift
	mkdir -p "$(dirname "$logfile")"
	if ! buildctl --addr "$BUILDKIT_ADDR" build --progress=plain \
		--frontend dockerfile.v0 "$@" >"$logfile" 2>&1; then
		log "last lines of $logfile:"
		tail -n 30 "$logfile" >&2
		die "buildctl build failed (log: $logfile)"
	fi
}

build_image() {
	local dir=$1 refs=$2 key=$3 ctx names="" ref arg stamp=$3
	local buildargs=(--opt "build-arg:SOURCE_DATE_EPOCH=$IMAGES_EPOCH")
	ctx=$(prepare_context "$dir")
	if has_context_script "$dir"; then
		while IFS= read -r arg; do
			[[ -z $arg ]] || buildargs+=(--opt "build-arg:$arg")
		done < <(context_cmd "$dir" args)
	fi
	for ref in ${refs//,/ }; do
		names+=${names:+,}$REGISTRY_NAME/$ref
	done
	log "    $dir: building and pushing $names"
	run_buildctl "$LOG_DIR/images/$dir.build.log" \
		--local context="$ctx" --local dockerfile="$IMAGES_DIR/$dir" \
		"${buildargs[@]}" --output "type=image,\"name=$names\",push=true"
	for ref in ${refs//,/ }; do
		stamp+=" $ref=$(registry_digest "$ref")"
	done
	stamp_write "image-$dir" "$stamp"
}

verify_key() {
	printf '%s\n%s\n' "$(hash_dir "$IMAGES_DIR/$1/verify")" \
		"$(stamp_read "image-$1")" | sha256sum | cut -d' ' -f1
}

# verify_current DIR: verify/ passed against the image as last pushed.
verify_current() {
	[[ ! -f $IMAGES_DIR/$1/verify/Dockerfile ]] ||
		[[ $(stamp_read "verify-$1") == "$(verify_key "$1")" ]]
}

verify_image() {
	local dir=$1
	log "    $dir: verifying"
	run_buildctl "$LOG_DIR/images/$dir.verify.log" \
		--local context="$IMAGES_DIR/$dir/verify" \
		--local dockerfile="$IMAGES_DIR/$dir/verify"
	stamp_write "verify-$dir" "$(verify_key "$dir")"
}

build_images() {
	local entry dir refs deps key start
	for entry in "${TESTBED_IMAGES[@]}"; do
		IFS='|' read -r dir refs deps <<<"$entry"
		CURRENT_STEP="6 images: $dir"
		start=$SECONDS
		key=$(image_key "$dir" "$deps")
		IMAGE_KEYS[$dir]=$key
		if image_current "$dir" "$refs" "$key" && verify_current "$dir"; then
			continue
		fi
		image_current "$dir" "$refs" "$key" || build_image "$dir" "$refs" "$key"
		verify_current "$dir" || verify_image "$dir"
		log "    $dir: done in $((SECONDS - start))s"
	done
	CURRENT_STEP="6 images"
	list_images
}

list_images() {
	local entry dir refs deps ref
	for entry in "${TESTBED_IMAGES[@]}"; do
		IFS='|' read -r dir refs deps <<<"$entry"
		for ref in ${refs//,/ }; do
			log "    $(printf '%-48s %s' "$REGISTRY_NAME/$ref" "$(registry_size "$ref")")"
		done
	done
}
