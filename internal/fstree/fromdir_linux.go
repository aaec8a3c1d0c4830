package fstree

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// copyBuffer is the size of the buffer a file's content is hashed through:
// a file is never loaded whole.
const copyBuffer = 256 << 10

// fileID is the identity of an inode: the paths that share one are hard
// links.
type fileID struct{ dev, ino uint64 }

// dirReader walks one directory tree.
type dirReader struct {
	root    string
	entries []Entry
	byID    map[fileID][]string
	buf     []byte
}

// FromDir reads the tree under root. It never follows a symlink (every
// entry is read with lstat, files are opened with O_NOFOLLOW) and never
// leaves root; it reads every extended attribute the kernel lists and
// hashes regular files in a stream. Paths that share an inode (by device
// and inode number) are hard links. It fails on anything it cannot read:
// a comparison that skipped a file would prove nothing.
func FromDir(root string) (*Tree, error) {
	r := &dirReader{root: root, byID: map[fileID][]string{}, buf: make([]byte, copyBuffer)}
	var st unix.Stat_t
	if err := unix.Lstat(root, &st); err != nil {
		return nil, fmt.Errorf("reading %s: %w", root, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return nil, fmt.Errorf("reading %s: not a directory", root)
	}
	if err := r.walk(rootPath, &st); err != nil {
		return nil, err
	}
	var linked [][]string
	for _, paths := range r.byID {
		linked = append(linked, paths)
	}
	return newTree(r.entries, linked), nil
}

// walk records the entry at p, whose lstat is st, and all below it.
func (r *dirReader) walk(p string, st *unix.Stat_t) error {
	full := filepath.Join(r.root, filepath.FromSlash(p))
	e, err := r.entry(p, full, st)
	if err != nil {
		return fmt.Errorf("reading %s: %w", full, err)
	}
	r.entries = append(r.entries, e)
	if e.Type != Dir {
		if st.Nlink > 1 {
			id := fileID{uint64(st.Dev), st.Ino}
			r.byID[id] = append(r.byID[id], p)
		}
		return nil
	}
	names, err := readNames(full)
	if err != nil {
		return fmt.Errorf("reading %s: %w", full, err)
	}
	for _, name := range names {
		var kid unix.Stat_t
		if err := unix.Lstat(filepath.Join(full, name), &kid); err != nil {
			return fmt.Errorf("reading %s: %w", filepath.Join(full, name), err)
		}
		if err := r.walk(path.Join(p, name), &kid); err != nil {
			return err
		}
	}
	return nil
}

// entry reads what a program sees of the file at full, whose lstat is st.
func (r *dirReader) entry(p, full string, st *unix.Stat_t) (Entry, error) {
	e := Entry{Path: p, Mode: st.Mode & modeMask, UID: int(st.Uid), GID: int(st.Gid)}
	var err error
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		e.Type = Regular
		e.Size, e.Digest, err = r.hash(full)
	case unix.S_IFDIR:
		e.Type = Dir
	case unix.S_IFLNK:
		e.Type = Symlink
		e.Link, err = os.Readlink(full)
	case unix.S_IFCHR, unix.S_IFBLK:
		e.Type = CharDev
		if st.Mode&unix.S_IFMT == unix.S_IFBLK {
			e.Type = BlockDev
		}
		e.Major, e.Minor = unix.Major(uint64(st.Rdev)), unix.Minor(uint64(st.Rdev))
	case unix.S_IFIFO:
		e.Type = Fifo
	case unix.S_IFSOCK:
		e.Type = Socket
	default:
		return e, fmt.Errorf("unknown file type %#o", st.Mode&unix.S_IFMT)
	}
	if err != nil {
		return e, err
	}
	e.Xattrs, err = readXattrs(full)
	return e, err
}

// hash streams a regular file's content through sha256.
func (r *dirReader) hash(full string) (int64, string, error) {
	f, err := os.OpenFile(full, os.O_RDONLY|unix.O_NOFOLLOW, 0)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.CopyBuffer(h, f, r.buf)
	if err != nil {
		return 0, "", fmt.Errorf("hashing: %w", err)
	}
	return n, "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// readNames lists a directory's names, sorted.
func readNames(dir string) ([]string, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names, err := f.Readdirnames(-1)
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	return names, nil
}

// readXattrs reads every extended attribute the kernel lists for full,
// without following a symlink; nil when there are none. ENOTSUP (the
// filesystem has none) and ENODATA (gone since the listing) mean none.
func readXattrs(full string) (map[string]string, error) {
	list, err := xattrCall(func(b []byte) (int, error) { return unix.Llistxattr(full, b) })
	if noXattr(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing xattrs: %w", err)
	}
	var x map[string]string
	for _, name := range strings.Split(string(list), "\x00") {
		if name == "" {
			continue
		}
		v, err := xattrCall(func(b []byte) (int, error) { return unix.Lgetxattr(full, name, b) })
		if noXattr(err) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading xattr %s: %w", name, err)
		}
		if x == nil {
			x = map[string]string{}
		}
		x[name] = string(v)
	}
	return x, nil
}

func noXattr(err error) bool { return errors.Is(err, unix.ENOTSUP) || errors.Is(err, unix.ENODATA) }

// xattrCall runs a listxattr or getxattr call first for the size, then
// for the value, again if the value grew in between (ERANGE).
func xattrCall(call func([]byte) (int, error)) ([]byte, error) {
	for {
		size, err := call(nil)
		if err != nil || size == 0 {
			return nil, err
		}
		buf := make([]byte, size)
		n, err := call(buf)
		if errors.Is(err, unix.ERANGE) {
			continue
		}
		if err != nil {
			return nil, err
		}
		return buf[:n], nil
	}
}
