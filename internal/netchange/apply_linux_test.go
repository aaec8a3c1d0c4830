package netchange

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

func sh(t *testing.T, dir, script string) {
	t.Helper()
	cmd := exec.Command("sh", "-ec", script)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s\n%s", script, out)
}

// describe lists every entry under root with what a layer keeps of it;
// hard-linked files are told apart by the first path of their inode.
func describe(t *testing.T, root string) []string {
	t.Helper()
	var out []string
	first := map[uint64]string{}
	require.NoError(t, filepath.WalkDir(root, func(p string, _ fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		var st unix.Stat_t
		require.NoError(t, unix.Lstat(p, &st))
		line := fmt.Sprintf("%s mode=%o uid=%d gid=%d mtime=%d.%09d", rel, st.Mode, st.Uid, st.Gid, st.Mtim.Sec, st.Mtim.Nsec)
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFREG:
			dt, err := os.ReadFile(p)
			require.NoError(t, err)
			line += fmt.Sprintf(" content=%q", dt)
			if st.Nlink > 1 {
				if f, ok := first[st.Ino]; ok {
					line += " link=" + f
				} else {
					first[st.Ino] = rel
				}
			}
		case unix.S_IFLNK:
			target, err := os.Readlink(p)
			require.NoError(t, err)
			line += " -> " + target
		}
		names, err := listXattrs(p)
		require.NoError(t, err)
		for _, n := range names {
			v, err := getXattr(p, n)
			require.NoError(t, err)
			line += fmt.Sprintf(" %s=%q", n, v)
		}
		out = append(out, line)
		return nil
	}))
	sort.Strings(out)
	return out
}

// TestApplyMakesTheTargetEqualToAfter runs the helper on plain
// directories: a state before a run, the state after it, and the paths the
// run wrote (what its overlayfs layers hold, merged). The target must come
// out equal to the state after, times, links and xattrs included, although
// an in-place edit kept the file's size and mtime.
func TestApplyMakesTheTargetEqualToAfter(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to keep owners")
	}
	tmp := t.TempDir()
	base, after, run := filepath.Join(tmp, "base"), filepath.Join(tmp, "after"), filepath.Join(tmp, "run")
	require.NoError(t, os.Mkdir(base, 0o755))
	sh(t, base, `
		mkdir -p etc d/sub swap2 keep
		echo AAAA > etc/app.conf && touch -d '2020-01-01 00:00:00.123456789' etc/app.conf
		echo 1 > d/sub/x && echo 2 > d/sub/y && echo f > swap1 && echo z > swap2/z
		echo k > keep/k && echo g > gone && ln -s app.conf etc/sym`)
	sh(t, tmp, "cp -a base after")
	sh(t, after, `
		cp -p etc/app.conf /tmp/netchange-o && sed -i s/AAAA/BBBB/ etc/app.conf && touch -r /tmp/netchange-o etc/app.conf
		rm /tmp/netchange-o
		ln etc/app.conf etc/app.link && chmod 4755 etc/app.conf && chown 1000:1000 etc/app.link
		rm -rf d && mkdir -p d/sub && echo 3 > d/sub/x
		rm swap1 && mkdir swap1 && echo q > swap1/q && rm -rf swap2 && echo w > swap2
		rm gone && rm etc/sym && ln -s app.link etc/sym && mkfifo fifo`)
	if err := unix.Lsetxattr(filepath.Join(after, "etc/app.conf"), "user.k", []byte("v"), 0); err != nil {
		t.Logf("no user xattrs here: %v", err)
	}
	require.NoError(t, os.Mkdir(run, 0o755))
	sh(t, after, "cp -a --parents etc/app.conf etc/app.link etc/sym d swap1 swap2 fifo "+run+"/")
	sh(t, tmp, "touch -r after run && touch -r after/etc run/etc")

	require.NoError(t, ClearRewritten(base, run))
	require.NoError(t, Apply(base, run, after))
	require.Equal(t, describe(t, after), describe(t, base))
}

// TestClearLeavesEveryRunDirectoryDifferent: after the clear, each
// directory the run holds must differ in mode from the mode the run left
// it, or BuildKit's differ (which compares a directory's mode and owner,
// not its times) would leave it out of the squashed layer. A run that only
// sets the sticky bit (chmod 1755 of a 755 directory) is the case a flip of
// the mode before the run would miss.
func TestClearLeavesEveryRunDirectoryDifferent(t *testing.T) {
	tmp := t.TempDir()
	base, run := filepath.Join(tmp, "base"), filepath.Join(tmp, "run")
	for _, d := range []string{"home", "spool", "plain"} {
		require.NoError(t, os.MkdirAll(filepath.Join(base, d), 0o755))
		require.NoError(t, os.MkdirAll(filepath.Join(run, d), 0o755))
	}
	require.NoError(t, unix.Chmod(filepath.Join(base, "home"), 0o755))
	require.NoError(t, unix.Chmod(filepath.Join(run, "home"), 0o1755)) // chmod 1755 /home
	require.NoError(t, unix.Chmod(filepath.Join(base, "spool"), 0o1777))
	require.NoError(t, unix.Chmod(filepath.Join(run, "spool"), 0o755)) // chmod 755 /spool
	require.NoError(t, ClearRewritten(base, run))
	for _, d := range []string{"home", "spool", "plain"} {
		var cleared, ran unix.Stat_t
		require.NoError(t, unix.Lstat(filepath.Join(base, d), &cleared))
		require.NoError(t, unix.Lstat(filepath.Join(run, d), &ran))
		require.NotEqual(t, ran.Mode&0o7777, cleared.Mode&0o7777, "%s keeps the run's mode after the clear", d)
	}
}
