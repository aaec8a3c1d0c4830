package fstree

import (
	"archive/tar"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"
)

// mapFS holds the same entries as a layer, for Expand to read.
func mapFS(entries ...hdr) fstest.MapFS {
	m := fstest.MapFS{}
	for _, e := range entries {
		name := strings.Trim(e.Name, "/")
		switch e.Typeflag {
		case tar.TypeDir:
			m[name] = &fstest.MapFile{Mode: fs.ModeDir | 0o755}
		case tar.TypeSymlink:
			m[name] = &fstest.MapFile{Mode: fs.ModeSymlink | 0o777, Data: []byte(e.Linkname)}
		default:
			m[name] = &fstest.MapFile{Mode: 0o644, Data: []byte(e.body)}
		}
	}
	return m
}

func TestIsDpkgDatabase(t *testing.T) {
	for _, tc := range []struct {
		path string
		want bool
	}{
		{"/var/lib/dpkg/status", true},
		{"/var/lib/dpkg/status-old", true},
		{"/var/lib/apt/extended_states", true},
		{"/var/log/dpkg.log", true},
		{"/var/log/apt", true},
		{"/var/log/apt/history.log", true},
		{"/var/cache/debconf/config.dat", true},
		{"/var/lib/dpkg/info/gcc-12.list", true},
		{"/var/lib/dpkg/info/gcc-12.md5sums", true},
		{"/var/lib/dpkg/info/gcc-12:amd64.postinst", true},
		{"/var/lib/dpkg/info/gcc-12-base.list", false},
		{"/var/lib/dpkg/info/gcc-12.x.list", false},
		{"/var/lib/dpkg/info/gcc-12", false},
		{"/var/lib/dpkg/info/gcc-12.", false},
		{"/var/lib/dpkg/info/gcc-12:.list", false},
		{"/var/lib/dpkg/info/sub/gcc-12.list", false},
		{"/var/lib/dpkg/statusx", false},
		{"/var/log/aptitude", false},
		{"/var/lib/dpkg/available", false},
	} {
		require.Equal(t, tc.want, isDpkgDatabase(tc.path, "gcc-12"), tc.path)
	}
}

// TestPackageAllowance removes package foo from a tree: its listed files,
// as listed or through the /lib symlink, and the database are explained;
// a listed directory that stays, another package's files and files dpkg
// does not list are not.
func TestPackageAllowance(t *testing.T) {
	common := []hdr{
		dir("usr/bin"), dir("usr/lib/x86_64-linux-gnu"), dir("usr/share"), dir("var/log"), sym("lib", "usr/lib"),
		reg("usr/bin/bar", "bar"),
		dir("var/lib/dpkg/info"),
		reg("var/lib/dpkg/info/foo-extra.list", "/usr/bin/bar\n"),
	}
	stockOnly := []hdr{
		reg("usr/bin/foo", "foo"),
		reg("usr/bin/foo-helper", "made by postinst"),
		reg("usr/lib/x86_64-linux-gnu/libfoo.so.1", "lib"),
		dir("usr/share/foo"), reg("usr/share/foo/README", "r"),
		reg("var/lib/dpkg/info/foo.list", "/.\n/usr\n/usr/bin\n/usr/bin/foo\n/usr/share/foo\n/usr/share/foo/README\n"),
		reg("var/lib/dpkg/info/foo.md5sums", "x"),
		reg("var/lib/dpkg/info/foo:amd64.list", "/lib/x86_64-linux-gnu/libfoo.so.1\n"),
		reg("var/lib/dpkg/status", "Package: foo\n\nPackage: bar\n"),
		reg("var/log/dpkg.log", "install foo\n"),
	}
	optimizedOnly := []hdr{
		dir("usr/bin").mode(0o775), // not a removal's doing
		reg("var/lib/dpkg/status", "Package: bar\n"),
	}
	stockFS := mapFS(append(common, stockOnly...)...)
	allow, err := Expand(stockFS, mapFS(append(common, optimizedOnly...)...), []Allowance{{Package: "foo", MissingOnly: true, Pass: "buildtools", Line: 9, Reason: "foo only builds"}})
	require.NoError(t, err)
	r, err := Compare(treeOf(t, common, stockOnly), treeOf(t, common, optimizedOnly), allow)
	require.NoError(t, err)
	require.Equal(t, []string{
		"/usr/bin/foo missing file | ",
		"/usr/lib/x86_64-linux-gnu/libfoo.so.1 missing file | ",
		"/usr/share/foo missing dir | ",
		"/usr/share/foo/README missing file | ",
		"/var/lib/dpkg/info/foo.list missing file | ",
		"/var/lib/dpkg/info/foo.md5sums missing file | ",
		"/var/lib/dpkg/info/foo:amd64.list missing file | ",
		"/var/lib/dpkg/status content " + content("Package: foo\n\nPackage: bar\n") + " | " + content("Package: bar\n"),
		"/var/log/dpkg.log missing file | ",
	}, showDiffs(r.FirstExplained))
	require.Equal(t, []string{
		"/usr/bin mode 0755 | 0775",
		"/usr/bin/foo-helper missing file | ",
	}, showDiffs(r.FirstUnexplained))
	require.Equal(t, 9, r.Allowances[0].Explained)
}

func TestExpand(t *testing.T) {
	stock := mapFS(
		dir("var/lib/dpkg/info"),
		reg("var/lib/dpkg/info/libc6:amd64.list", "/usr/lib/x86_64-linux-gnu/libc.so.6\n"),
		reg("var/lib/dpkg/info/libc6:i386.list", "/usr/lib/i386-linux-gnu/libc.so.6\n"),
		sym("loop", "loop/x"),
	)
	files := func(t *testing.T, pkg string) []string {
		t.Helper()
		allow, err := Expand(stock, fstest.MapFS{}, []Allowance{{Package: pkg}, {Pattern: "/x"}})
		require.NoError(t, err)
		require.Nil(t, allow[1].files)
		var out []string
		for p := range allow[0].files {
			out = append(out, p)
		}
		return out
	}
	t.Run("every architecture", func(t *testing.T) {
		require.ElementsMatch(t, []string{"/usr/lib/x86_64-linux-gnu/libc.so.6", "/usr/lib/i386-linux-gnu/libc.so.6"}, files(t, "libc6"))
	})
	t.Run("one architecture", func(t *testing.T) {
		require.ElementsMatch(t, []string{"/usr/lib/i386-linux-gnu/libc.so.6"}, files(t, "libc6:i386"))
	})
	t.Run("not installed", func(t *testing.T) {
		require.Empty(t, files(t, "gcc-12"))
	})
	t.Run("bad name", func(t *testing.T) {
		_, err := Expand(stock, fstest.MapFS{}, []Allowance{{Package: "libc6/../x"}})
		require.ErrorContains(t, err, "not a Debian package name")
	})
	t.Run("the input is not changed", func(t *testing.T) {
		in := []Allowance{{Package: "libc6"}}
		_, err := Expand(stock, fstest.MapFS{}, in)
		require.NoError(t, err)
		require.Nil(t, in[0].files)
	})
	t.Run("symlink loop", func(t *testing.T) {
		_, err := newResolver(stock).dir("/loop/y")
		require.ErrorContains(t, err, "too many levels")
	})
}

func TestResolver(t *testing.T) {
	stock := mapFS(
		dir("usr/lib"), sym("lib", "usr/lib"), sym("lib64", "/usr/lib"),
		dir("a/b"), sym("a/up", "../../../usr"), sym("a/b/c", "../b"),
	)
	r := newResolver(stock)
	for _, tc := range []struct{ in, want string }{
		{"/", "/"},
		{"/lib", "/usr/lib"},
		{"/lib64/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu"},
		{"/a/up/lib", "/usr/lib"}, // ".." stops at the root
		{"/a/b/c/c/c", "/a/b"},
		{"/none/lib", "/none/lib"},
	} {
		got, err := r.dir(tc.in)
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, got, tc.in)
	}
}
