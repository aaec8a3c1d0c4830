//go:build !linux

package netchange

import "errors"

var errLinux = errors.New("the squash helper runs on Linux only")

// Apply is only for Linux, where BuildKit runs the helper.
func Apply(target, run, after string) error { return errLinux }

// ClearRewritten is only for Linux, where BuildKit runs the helper.
func ClearRewritten(target, run string) error { return errLinux }
