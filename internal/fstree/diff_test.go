package fstree

import (
	"crypto/sha256"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDiff(t *testing.T) {
	base := []hdr{dir("app"), reg("app/main", "code"), dir("etc"), reg("etc/conf", "a=1")}
	for _, tc := range []struct {
		name             string
		stock, optimized [][]hdr
		want             []string
	}{{
		name:      "same",
		stock:     [][]hdr{base},
		optimized: [][]hdr{base, {reg("etc/conf", "a=1")}},
		want:      []string{},
	}, {
		name:      "missing and added, each path under a directory too",
		stock:     [][]hdr{base, {dir("app/.git"), reg("app/.git/HEAD", "ref")}},
		optimized: [][]hdr{base, {reg("app/new", "")}},
		want: []string{
			"/app/.git missing dir | ",
			"/app/.git/HEAD missing file | ",
			"/app/new added  | file",
		},
	}, {
		name:      "mode, owner and content of one path",
		stock:     [][]hdr{base},
		optimized: [][]hdr{base, {reg("etc/conf", "a=2").mode(0o600).owner(1000, 1000)}},
		want: []string{
			"/etc/conf content " + content("a=1") + " | " + content("a=2"),
			"/etc/conf mode 0644 | 0600",
			"/etc/conf owner 0:0 | 1000:1000",
		},
	}, {
		name:      "setuid and sticky bits",
		stock:     [][]hdr{{reg("bin/su", "").mode(0o4755), dir("tmp").mode(0o1777)}},
		optimized: [][]hdr{{reg("bin/su", "").mode(0o755), dir("tmp").mode(0o777)}},
		want: []string{
			"/bin/su mode 4755 | 0755",
			"/tmp mode 1777 | 0777",
		},
	}, {
		name:      "same size, same-looking content",
		stock:     [][]hdr{{reg("f", "abc")}},
		optimized: [][]hdr{{reg("f", "abd")}},
		want: []string{
			"/f content " + content("abc") + " | " + content("abd"),
		},
	}, {
		name:      "directory swapped for a file is a type change, its entries missing",
		stock:     [][]hdr{{dir("d"), reg("d/x", "")}},
		optimized: [][]hdr{{reg("d", "").mode(0o600)}},
		want: []string{
			"/d type dir | file",
			"/d/x missing file | ",
		},
	}, {
		name:      "symlink target",
		stock:     [][]hdr{{sym("lib", "usr/lib")}},
		optimized: [][]hdr{{sym("lib", "/usr/lib")}},
		want:      []string{"/lib link -> usr/lib | -> /usr/lib"},
	}, {
		name:      "device numbers",
		stock:     [][]hdr{{dev("dev/null", '3', 1, 3)}},
		optimized: [][]hdr{{dev("dev/null", '3', 1, 5)}},
		want:      []string{"/dev/null device 1:3 | 1:5"},
	}, {
		name:      "char device against fifo",
		stock:     [][]hdr{{dev("dev/x", '3', 1, 3)}},
		optimized: [][]hdr{{fifo("dev/x").mode(0o666)}},
		want:      []string{"/dev/x type char | fifo"},
	}, {
		name:      "fifo mode",
		stock:     [][]hdr{{fifo("f")}},
		optimized: [][]hdr{{fifo("f").mode(0o600)}},
		want:      []string{"/f mode 0644 | 0600"},
	}, {
		name:      "file capability lost",
		stock:     [][]hdr{{reg("ping", "").xattr("security.capability", "\x01\x00\x00\x02")}},
		optimized: [][]hdr{{reg("ping", "").xattr("user.x", "1")}},
		want:      []string{`/ping xattrs security.capability=0x01000002 | user.x="1"`},
	}, {
		name:      "hard link broken",
		stock:     [][]hdr{{reg("a", "x"), hard("b", "a")}},
		optimized: [][]hdr{{reg("a", "x"), reg("b", "x")}},
		want: []string{
			"/a hardlink linked with /a | none",
			"/b hardlink linked with /a | none",
		},
	}, {
		name:      "hard links alike, named from other paths",
		stock:     [][]hdr{{reg("b", "x"), hard("c", "b")}},
		optimized: [][]hdr{{reg("c", "x"), hard("b", "c")}},
		want:      []string{},
	}, {
		name:      "hard link partner missing is reported once",
		stock:     [][]hdr{{reg("a", "x"), hard("b", "a"), hard("c", "a")}},
		optimized: [][]hdr{{reg("b", "x"), hard("c", "b")}},
		want:      []string{"/a missing file | "},
	}, {
		name:      "hard link partners changed",
		stock:     [][]hdr{{reg("a", "x"), hard("b", "a"), reg("c", "x")}},
		optimized: [][]hdr{{reg("a", "x"), reg("b", "x"), hard("c", "b")}},
		want: []string{
			"/a hardlink linked with /a | none",
			"/b hardlink linked with /a | linked with /b",
			"/c hardlink none | linked with /b",
		},
	}, {
		name:      "symlink mode is not compared",
		stock:     [][]hdr{{sym("l", "t")}},
		optimized: [][]hdr{{sym("l", "t").owner(1, 1)}},
		want:      []string{"/l owner 0:0 | 1:1"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got := showDiffs(Diff(treeOf(t, tc.stock...), treeOf(t, tc.optimized...)))
			require.Equal(t, tc.want, got)
		})
	}
}

// content describes a file's content as a difference shows it.
func content(s string) string {
	return fmt.Sprintf("sha256:%x (%d bytes)", sha256.Sum256([]byte(s)), len(s))
}

func TestContentDigest(t *testing.T) {
	e, ok := treeOf(t, []hdr{reg("f", "abc")}).Lookup("/f")
	require.True(t, ok)
	require.Equal(t, "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", e.Digest)
}

func TestDifferenceString(t *testing.T) {
	for _, tc := range []struct {
		d    Difference
		want string
	}{
		{Difference{Path: "/a", What: WhatMissing, Stock: "file"}, "/a: missing (stock has a file)"},
		{Difference{Path: "/a", What: WhatAdded, Optimized: "dir"}, "/a: added (a dir stock does not have)"},
		{Difference{Path: "/a", What: WhatMode, Stock: "0644", Optimized: "0600"}, "/a: mode differs (stock 0644, optimized 0600)"},
	} {
		require.Equal(t, tc.want, tc.d.String())
	}
}
