package fstree

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"syscall"
)

// maxLinks bounds the symlinks one path may go through, as the kernel's
// ELOOP does.
const maxLinks = 40

// resolver resolves directories of a tree through its symlinks as the
// kernel would with the tree as root: ".." and absolute targets never
// leave it.
type resolver struct {
	fsys fs.FS
	dirs map[string]string // absolute directory to its resolution
}

func newResolver(fsys fs.FS) *resolver {
	return &resolver{fsys: fsys, dirs: map[string]string{rootPath: rootPath}}
}

// dir resolves the absolute, clean path d. A name that does not exist
// ends the resolution: the rest is kept as written.
func (r *resolver) dir(d string) (string, error) {
	return r.resolve(d, 0)
}

func (r *resolver) resolve(d string, links int) (string, error) {
	if got, ok := r.dirs[d]; ok {
		return got, nil
	}
	parent, err := r.resolve(path.Dir(d), links)
	if err != nil {
		return "", err
	}
	next := path.Join(parent, path.Base(d))
	fi, err := fs.Lstat(r.fsys, relative(next))
	switch {
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR):
		return next, nil // not cached: the tree holds nothing there
	case err != nil:
		return "", err
	case fi.Mode()&fs.ModeSymlink == 0:
		r.dirs[d] = next
		return next, nil
	case links >= maxLinks:
		return "", fmt.Errorf("%s: too many levels of symbolic links", d)
	}
	target, err := fs.ReadLink(r.fsys, relative(next))
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(target, "/") {
		target = path.Join(parent, target)
	}
	got, err := r.resolve(path.Clean(target), links+1)
	if err != nil {
		return "", err
	}
	r.dirs[d] = got
	return got, nil
}
