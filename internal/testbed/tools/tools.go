//go:build tools

// Package tools pins the BuildKit daemon and client that the test bed builds
// with `go build` (see ../lib/tools.sh). It is never compiled into anything.
package tools

import (
	_ "github.com/moby/buildkit/cmd/buildctl"
	_ "github.com/moby/buildkit/cmd/buildkitd"
)
