package netchange

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// ClearRewritten removes from target, the state before a run, every entry
// that run (the run's layers, merged) holds, but a directory over a
// directory, whose sticky bit it flips instead, and gives each directory
// it removed from its times back. In
// a diff over the result, every file the run wrote is then an addition,
// which BuildKit's differ records whole, not a modification it may skip
// when its mode, owner, size and mtime equal the file's before the run.
func ClearRewritten(target, run string) error {
	return clearDir(target, run, ".")
}

func clearDir(target, run, rel string) error {
	ran, err := entries(filepath.Join(run, rel))
	if err != nil {
		return err
	}
	dir := filepath.Join(target, rel)
	had, err := entries(dir)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, unix.ENOTDIR) {
		return nil
	} else if err != nil {
		return err
	}
	var st unix.Stat_t
	if err := unix.Lstat(dir, &st); err != nil {
		return err
	}
	removed := false
	for _, name := range sortedNames(ran) {
		was, ok := had[name]
		switch {
		case !ok:
		case was.IsDir() && ran[name].IsDir():
			if err := clearDir(target, run, filepath.Join(rel, name)); err != nil {
				return err
			}
			if err := flipSticky(filepath.Join(dir, name), filepath.Join(run, rel, name)); err != nil {
				return err
			}
		default:
			if err := os.RemoveAll(filepath.Join(dir, name)); err != nil {
				return fmt.Errorf("removing %s: %w", filepath.Join(rel, name), err)
			}
			removed = true
		}
	}
	if !removed {
		return nil
	}
	ts := []unix.Timespec{st.Atim, st.Mtim}
	return unix.UtimesNanoAt(unix.AT_FDCWD, dir, ts, unix.AT_SYMLINK_NOFOLLOW)
}

// flipSticky gives a directory the mode the run left it (ran, the
// directory in the run's layers) with the sticky bit flipped, so that it
// differs in mode from what Apply gives it: the differ, which compares a
// directory's mode and owner but not its times, then records it with the
// mode and times it has after the run. Flipping the bit of the mode before
// the run instead would make the two equal when the run changed just
// that bit (chmod 1755 of a 755 directory), and the change would be lost.
func flipSticky(dir, ran string) error {
	var st unix.Stat_t
	if err := unix.Lstat(ran, &st); err != nil {
		return err
	}
	return unix.Chmod(dir, (st.Mode&0o7777)^unix.S_ISVTX)
}

// Apply makes target, the state before a run, equal to after: it removes
// the entries of target that the run deleted or replaced, then copies the
// tree run (the run's layers merged) onto it with every file's content,
// mode, owner, extended attributes, hard links and times.
func Apply(target, run, after string) error {
	if err := prune(target, run, after, "."); err != nil {
		return err
	}
	c := copier{links: map[inode]string{}, dirs: after}
	return c.copyDir(run, target, ".")
}

// prune removes, in the directory rel and every directory under it that
// the run wrote, the entries of target that after lacks, and those that
// the run replaced by anything but a directory over a directory. A
// directory whose entries the run changed is in the run's layers (overlayfs
// copies it up), so no other directory needs a look.
func prune(target, run, after, rel string) error {
	ran, err := entries(filepath.Join(run, rel))
	if err != nil {
		return err
	}
	had, err := entries(filepath.Join(target, rel))
	if err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, unix.ENOTDIR) {
		return err
	}
	left, err := entries(filepath.Join(after, rel))
	if err != nil {
		return err
	}
	for _, name := range sortedNames(had) {
		was := had[name]
		now, wrote := ran[name]
		_, kept := left[name]
		if kept && (!wrote || (was.IsDir() && now.IsDir())) {
			continue
		}
		if err := os.RemoveAll(filepath.Join(target, rel, name)); err != nil {
			return fmt.Errorf("removing %s: %w", filepath.Join(rel, name), err)
		}
	}
	for _, name := range sortedNames(ran) {
		if ran[name].IsDir() {
			if err := prune(target, run, after, filepath.Join(rel, name)); err != nil {
				return err
			}
		}
	}
	return nil
}

// entries lists a directory by name, with each entry's type.
func entries(dir string) (map[string]fs.FileMode, error) {
	list, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := make(map[string]fs.FileMode, len(list))
	for _, e := range list {
		out[e.Name()] = e.Type()
	}
	return out, nil
}

func sortedNames(m map[string]fs.FileMode) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

type inode struct{ dev, ino uint64 }

// copier copies a tree, keeping hard links within it.
type copier struct {
	links map[inode]string
	// dirs is the tree whose directories' metadata the copies get: the
	// state after the run, as it is. A directory whose only change in a
	// step was its times (an entry made and removed) is in the step's
	// upperdir but not in its layer, whose differ compares a directory's
	// mode and owner only.
	dirs string
}

// copyDir copies the directory rel of src onto dst, entries first, then
// the directory's own metadata, so that writing its entries leaves no
// trace in its times.
func (c copier) copyDir(src, dst, rel string) error {
	list, err := os.ReadDir(filepath.Join(src, rel))
	if err != nil {
		return err
	}
	for _, e := range list { // sorted by name
		p := filepath.Join(rel, e.Name())
		if err := c.copyEntry(src, dst, p); err != nil {
			return fmt.Errorf("copying %s: %w", p, err)
		}
	}
	var st unix.Stat_t
	from := filepath.Join(c.dirs, rel)
	if err := unix.Lstat(from, &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return fmt.Errorf("%s is a directory in the run's layers but not after the run", rel)
	}
	return setMeta(from, filepath.Join(dst, rel), &st)
}

func (c copier) copyEntry(src, dst, rel string) error {
	from, to := filepath.Join(src, rel), filepath.Join(dst, rel)
	var st unix.Stat_t
	if err := unix.Lstat(from, &st); err != nil {
		return err
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR:
		if err := os.Mkdir(to, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		return c.copyDir(src, dst, rel)
	case unix.S_IFREG:
		id := inode{uint64(st.Dev), st.Ino}
		if first, ok := c.links[id]; ok && st.Nlink > 1 {
			return os.Link(first, to)
		}
		if err := copyFile(from, to); err != nil {
			return err
		}
		if st.Nlink > 1 {
			c.links[id] = to
		}
	case unix.S_IFLNK:
		target, err := os.Readlink(from)
		if err != nil {
			return err
		}
		if err := os.Symlink(target, to); err != nil {
			return err
		}
	default: // devices, FIFOs, sockets
		if err := unix.Mknod(to, st.Mode, int(st.Rdev)); err != nil {
			return err
		}
	}
	return setMeta(from, to, &st)
}

func copyFile(from, to string) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// setMeta gives to the owner, mode, extended attributes and times of from,
// in that order: a chown clears the setuid bits and file capabilities.
func setMeta(from, to string, st *unix.Stat_t) error {
	if err := unix.Lchown(to, int(st.Uid), int(st.Gid)); err != nil {
		return fmt.Errorf("chown: %w", err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFLNK {
		if err := unix.Chmod(to, st.Mode&0o7777); err != nil {
			return fmt.Errorf("chmod: %w", err)
		}
	}
	if err := copyXattrs(from, to); err != nil {
		return err
	}
	ts := []unix.Timespec{st.Atim, st.Mtim}
	if err := unix.UtimesNanoAt(unix.AT_FDCWD, to, ts, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("times: %w", err)
	}
	return nil
}

// copyXattrs copies every extended attribute but overlayfs's own.
func copyXattrs(from, to string) error {
	names, err := listXattrs(from)
	if err != nil {
		return err
	}
	for _, n := range names {
		if strings.HasPrefix(n, "trusted.overlay.") || strings.HasPrefix(n, "user.overlay.") {
			continue
		}
		v, err := getXattr(from, n)
		if err != nil {
			return fmt.Errorf("reading xattr %s: %w", n, err)
		}
		if err := unix.Lsetxattr(to, n, v, 0); err != nil {
			return fmt.Errorf("setting xattr %s: %w", n, err)
		}
	}
	return nil
}

func listXattrs(p string) ([]string, error) {
	size, err := unix.Llistxattr(p, nil)
	if err != nil {
		if errors.Is(err, unix.ENOTSUP) {
			return nil, nil
		}
		return nil, fmt.Errorf("listing xattrs: %w", err)
	}
	if size == 0 {
		return nil, nil
	}
	buf := make([]byte, size)
	size, err = unix.Llistxattr(p, buf)
	if err != nil {
		return nil, fmt.Errorf("listing xattrs: %w", err)
	}
	var names []string
	for _, n := range strings.Split(string(buf[:size]), "\x00") {
		if n != "" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names, nil
}

func getXattr(p, name string) ([]byte, error) {
	size, err := unix.Lgetxattr(p, name, nil)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, size)
	size, err = unix.Lgetxattr(p, name, buf)
	if err != nil {
		return nil, err
	}
	return buf[:size], nil
}
