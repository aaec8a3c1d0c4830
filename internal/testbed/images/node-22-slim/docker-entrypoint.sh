#!/bin/sh
# Entrypoint of the node stand-in: like the official image's, it runs node
# when the first argument is an option or not a command.
set -e
if [ "${1#-}" != "$1" ] || ! command -v "$1" >/dev/null 2>&1; then
	set -- node "$@"
fi
exec "$@"
