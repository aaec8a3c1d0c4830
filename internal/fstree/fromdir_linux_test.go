package fstree

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// makeDir builds a small tree under a temp dir: a hard link, symlinks
// (one pointing out of the tree), a fifo, setuid, setgid and sticky bits.
func makeDir(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	require.NoError(t, os.Chmod(root, 0o755))
	in := func(p string) string { return filepath.Join(root, p) }
	require.NoError(t, os.MkdirAll(in("app/data"), 0o755))
	require.NoError(t, os.WriteFile(in("app/main"), []byte("binary"), 0o644))
	require.NoError(t, os.Link(in("app/main"), in("app/main.bak")))
	require.NoError(t, os.WriteFile(in("su"), nil, 0o644))
	require.NoError(t, unix.Chmod(in("su"), 0o4755)) // os.Chmod wants os.ModeSetuid
	require.NoError(t, os.Mkdir(in("tmp"), 0o755))
	require.NoError(t, unix.Chmod(in("tmp"), 0o1777))
	require.NoError(t, os.Mkdir(in("shared"), 0o755))
	require.NoError(t, unix.Chmod(in("shared"), 0o2775))
	require.NoError(t, os.Symlink("main", in("app/current")))
	require.NoError(t, os.Symlink("/etc", in("etc")))
	require.NoError(t, unix.Mkfifo(in("app/data/pipe"), 0o600))
	require.NoError(t, os.Chmod(in("app/data/pipe"), 0o600))
	return root
}

func TestFromDir(t *testing.T) {
	root := makeDir(t)
	tree, err := FromDir(root)
	require.NoError(t, err)
	u, g := os.Geteuid(), os.Getegid()
	owner := fmt.Sprintf("%d:%d", u, g)
	require.Equal(t, []string{
		"/ dir 0755 " + owner,
		"/app dir 0755 " + owner,
		"/app/current symlink 0777 " + owner + " -> main",
		"/app/data dir 0755 " + owner,
		"/app/data/pipe fifo 0600 " + owner,
		"/app/main file 0644 " + owner + " 6 link=/app/main",
		"/app/main.bak file 0644 " + owner + " 6 link=/app/main",
		"/etc symlink 0777 " + owner + " -> /etc",
		"/shared dir 2775 " + owner,
		"/su file 4755 " + owner + " 0",
		"/tmp dir 1777 " + owner,
	}, show(tree))
	e, _ := tree.Lookup("/app/main")
	require.Equal(t, fmt.Sprintf("sha256:%x", sha256.Sum256([]byte("binary"))), e.Digest)

	// The same tree as a layer reads the same.
	layers := treeOf(t, []hdr{
		dir("app").owner(u, g), reg("app/main", "binary").owner(u, g), hard("app/main.bak", "app/main"),
		sym("app/current", "main").owner(u, g), dir("app/data").owner(u, g), fifo("app/data/pipe").mode(0o600).owner(u, g),
		sym("etc", "/etc").owner(u, g), dir("shared").mode(0o2775).owner(u, g),
		reg("su", "").mode(0o4755).owner(u, g), dir("tmp").mode(0o1777).owner(u, g),
	})
	diffs := Diff(layers, tree)
	if u != 0 || g != 0 {
		// A layer's root is root's; the temp dir is ours.
		require.Equal(t, []string{"/ owner 0:0 | " + owner}, showDiffs(diffs))
	} else {
		require.Empty(t, diffs)
	}
}

func TestFromDirLargeFile(t *testing.T) {
	root := t.TempDir()
	data := bytes.Repeat([]byte("0123456789abcdef"), 3<<16) // 3 MiB, many buffers
	require.NoError(t, os.WriteFile(filepath.Join(root, "big"), data, 0o644))
	tree, err := FromDir(root)
	require.NoError(t, err)
	e, ok := tree.Lookup("/big")
	require.True(t, ok)
	require.Equal(t, int64(len(data)), e.Size)
	require.Equal(t, fmt.Sprintf("sha256:%x", sha256.Sum256(data)), e.Digest)
}

func TestFromDirSocket(t *testing.T) {
	root := t.TempDir()
	l, err := net.Listen("unix", filepath.Join(root, "s"))
	if err != nil {
		t.Skipf("cannot make a unix socket: %v", err)
	}
	defer l.Close()
	tree, err := FromDir(root)
	require.NoError(t, err)
	e, ok := tree.Lookup("/s")
	require.True(t, ok)
	require.Equal(t, Socket, e.Type)
}

func TestFromDirXattrs(t *testing.T) {
	root := t.TempDir()
	p := filepath.Join(root, "f")
	require.NoError(t, os.WriteFile(p, nil, 0o644))
	if err := unix.Lsetxattr(p, "user.note", []byte("v1"), 0); err != nil {
		if errors.Is(err, unix.ENOTSUP) || errors.Is(err, unix.EPERM) {
			t.Skipf("the filesystem of %s takes no user xattrs: %v", root, err)
		}
		require.NoError(t, err)
	}
	stock, err := FromDir(root)
	require.NoError(t, err)
	e, _ := stock.Lookup("/f")
	require.Equal(t, "v1", e.Xattrs["user.note"])

	require.NoError(t, unix.Lsetxattr(p, "user.note", []byte{0, 1}, 0))
	optimized, err := FromDir(root)
	require.NoError(t, err)
	require.Equal(t, []string{`/f xattrs user.note="v1" | user.note=0x0001`}, showDiffs(Diff(stock, optimized)))
}

func TestFromDirAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("owners and devices need root")
	}
	root := t.TempDir()
	require.NoError(t, os.Chmod(root, 0o755))
	f := filepath.Join(root, "f")
	require.NoError(t, os.WriteFile(f, nil, 0o644))
	require.NoError(t, os.Lchown(f, 1000, 1001))
	require.NoError(t, os.Symlink("f", filepath.Join(root, "l")))
	require.NoError(t, os.Lchown(filepath.Join(root, "l"), 7, 8))
	// cap_net_raw+ep, in the kernel's VFS_CAP_REVISION_2 layout.
	capability := string([]byte{1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	capErr := unix.Lsetxattr(f, "security.capability", []byte(capability), 0)
	devErr := unix.Mknod(filepath.Join(root, "null"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3)))
	tree, err := FromDir(root)
	require.NoError(t, err)
	want := []string{"/ dir 0755 0:0", "/f file 0644 1000:1001 0", "/l symlink 0777 7:8 -> f"}
	if capErr == nil {
		want[1] += " xattrs=security.capability=0x" + hex.EncodeToString([]byte(capability))
	} else {
		t.Logf("no file capability: %v", capErr)
	}
	if devErr == nil {
		require.NoError(t, unix.Chmod(filepath.Join(root, "null"), 0o666))
		tree, err = FromDir(root)
		require.NoError(t, err)
		want = append(want, "/null char 0666 0:0 1:3")
	} else {
		t.Logf("no device node: %v", devErr)
	}
	require.Equal(t, want, show(tree))
}

func TestFromDirErrors(t *testing.T) {
	_, err := FromDir(filepath.Join(t.TempDir(), "none"))
	require.ErrorIs(t, err, os.ErrNotExist)

	file := filepath.Join(t.TempDir(), "f")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	_, err = FromDir(file)
	require.ErrorContains(t, err, "not a directory")

	// A symlink as the root is not followed either.
	link := filepath.Join(t.TempDir(), "l")
	require.NoError(t, os.Symlink(t.TempDir(), link))
	_, err = FromDir(link)
	require.ErrorContains(t, err, "not a directory")
}
