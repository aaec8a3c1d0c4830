package dfgen

import (
	"path"
	"slices"
	"strings"
)

// kind is what a path is in the simulated filesystem.
type kind uint8

const (
	absent kind = iota
	file
	dir
	symlink
)

// inode is what hard links share.
type inode struct {
	// shared marks a base-image inode the shell's own tools are linked to
	// (busybox's applets, perl): never written, never made non-executable.
	shared bool
	// stamp is the time `touch -d` last set, "" when none: a rewrite
	// sets it again, so that size and mtime say nothing changed.
	stamp string
}

// entry is one path of the simulated filesystem.
type entry struct {
	kind  kind
	ino   *inode // files only
	base  bool   // in the base image before any step
	fixed bool   // a directory of the base that holds the tools: never removed, moved or changed
}

// model tracks what exists, so that every generated command succeeds. It
// knows the paths the generator uses, not the whole base image.
type model struct {
	m map[string]*entry
}

func newModel(b Base) *model {
	fs := &model{m: map[string]*entry{}}
	fs.mkdirAll("/tmp")
	for _, d := range b.Dirs {
		fs.mkdirAll(d)
	}
	for _, f := range b.Files {
		fs.mkdirAll(path.Dir(f.Path))
		fs.m[f.Path] = &entry{kind: file, ino: &inode{shared: f.Shared}}
	}
	for _, e := range fs.m {
		e.base, e.fixed = true, e.kind == dir
	}
	for _, d := range b.Dirs {
		fs.m[d].fixed = false
	}
	return fs
}

func (fs *model) kind(p string) kind {
	if e, ok := fs.m[p]; ok {
		return e.kind
	}
	return absent
}

// creatable tells whether p can be made by a RUN command: absent, its
// parent a real directory (no symlink on the way).
func (fs *model) creatable(p string) bool {
	return p != "/" && fs.kind(p) == absent && fs.realDir(path.Dir(p))
}

// realDir tells whether p and every parent is a directory, not a symlink.
func (fs *model) realDir(p string) bool {
	for ; ; p = path.Dir(p) {
		if fs.kind(p) != dir {
			return false
		}
		if p == "/" {
			return true
		}
	}
}

// copyable tells whether COPY can write a file at p: every existing parent
// a real directory (COPY makes the missing ones), p absent or a file.
func (fs *model) copyable(p string) bool {
	for q := path.Dir(p); ; q = path.Dir(q) {
		if k := fs.kind(q); k != dir && k != absent {
			return false
		}
		if q == "/" {
			break
		}
	}
	k := fs.kind(p)
	return k == absent || k == file
}

func (fs *model) mkdirAll(p string) {
	for q := p; ; q = path.Dir(q) {
		if fs.kind(q) == absent {
			fs.m[q] = &entry{kind: dir}
		}
		if q == "/" {
			return
		}
	}
}

// under lists p and every known path inside it.
func (fs *model) under(p string) []string {
	var out []string
	for q := range fs.m {
		if q == p || strings.HasPrefix(q, p+"/") {
			out = append(out, q)
		}
	}
	slices.Sort(out)
	return out
}

func (fs *model) remove(p string) {
	for _, q := range fs.under(p) {
		delete(fs.m, q)
	}
}

func (fs *model) move(from, to string) {
	for _, q := range fs.under(from) {
		e := fs.m[q]
		delete(fs.m, q)
		fs.m[to+strings.TrimPrefix(q, from)] = e
	}
}

func (fs *model) putFile(p string) { fs.m[p] = &entry{kind: file, ino: &inode{}} }

// shared tells whether p is a file whose inode the tools share.
func (fs *model) shared(p string) bool {
	e := fs.m[p]
	return e != nil && e.ino != nil && e.ino.shared
}

// paths lists the known paths of the kinds, sorted (determinism).
func (fs *model) paths(kinds ...kind) []string {
	var out []string
	for p, e := range fs.m {
		if p != "/" && slices.Contains(kinds, e.kind) {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// mutable tells whether p may be removed, moved or changed: a known path
// that is not a directory holding the tools.
func (fs *model) mutable(p string) bool {
	e := fs.m[p]
	return e != nil && !e.fixed
}
