//go:build !linux

package fstree

import "errors"

// FromDir is only for Linux, where BuildKit runs the comparer.
func FromDir(root string) (*Tree, error) {
	return nil, errors.New("reading a directory tree is supported on Linux only")
}
