//go:build tools

// Package tools pins the buildx client that the test bed builds with
// `go build` (see ../../lib/tools.sh). It is never compiled into anything.
package tools

import (
	_ "github.com/docker/buildx/cmd/buildx"
)
