package fstree

import (
	"archive/tar"
	"bytes"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestFromLayers(t *testing.T) {
	for _, tc := range []struct {
		name   string
		layers [][]hdr
		want   []string
	}{{
		name:   "implied parents",
		layers: [][]hdr{{reg("a/b/c", "x")}},
		want: []string{
			"/ dir 0755 0:0",
			"/a dir 0755 0:0",
			"/a/b dir 0755 0:0",
			"/a/b/c file 0644 0:0 1",
		},
	}, {
		name:   "tree order puts a directory's entries after it",
		layers: [][]hdr{{reg("a-b", ""), reg("a/b", ""), dir("a")}},
		want: []string{
			"/ dir 0755 0:0",
			"/a dir 0755 0:0",
			"/a/b file 0644 0:0 0",
			"/a-b file 0644 0:0 0",
		},
	}, {
		name: "whiteout deletes a lower file and a lower directory with its entries",
		layers: [][]hdr{
			{reg("etc/a", "1"), reg("etc/b", "2"), dir("opt/d"), reg("opt/d/x", "3")},
			{wh("etc", "a"), wh("opt", "d")},
		},
		want: []string{
			"/ dir 0755 0:0",
			"/etc dir 0755 0:0",
			"/etc/b file 0644 0:0 1",
			"/opt dir 0755 0:0",
		},
	}, {
		name: "whiteout does not hide its own layer's entry",
		layers: [][]hdr{
			{reg("a", "lower")},
			{reg("b", "same"), wh("", "b"), wh("", "a")},
		},
		want: []string{
			"/ dir 0755 0:0",
			"/b file 0644 0:0 4",
		},
	}, {
		name: "opaque directory keeps only its own layer's entries",
		layers: [][]hdr{
			{dir("d"), reg("d/old", "1"), dir("d/sub"), reg("d/sub/old", "2")},
			{dir("d").mode(0o700), reg("d/before", "3"), opaque("d"), reg("d/sub/new", "4")},
		},
		want: []string{
			"/ dir 0755 0:0",
			"/d dir 0700 0:0",
			"/d/before file 0644 0:0 1",
			"/d/sub dir 0755 0:0",
			"/d/sub/new file 0644 0:0 1",
		},
	}, {
		name:   "a file over a directory replaces it and its entries",
		layers: [][]hdr{{reg("d/x", "1")}, {reg("d", "file")}},
		want: []string{
			"/ dir 0755 0:0",
			"/d file 0644 0:0 4",
		},
	}, {
		name:   "a directory over a directory keeps the entries and takes the new mode",
		layers: [][]hdr{{reg("d/x", "1")}, {dir("d").mode(0o1777).owner(1, 2)}},
		want: []string{
			"/ dir 0755 0:0",
			"/d dir 1777 1:2",
			"/d/x file 0644 0:0 1",
		},
	}, {
		name: "hard links group by their first path",
		layers: [][]hdr{
			{reg("z", "data").mode(0o4755), hard("b", "z")},
			{hard("a", "b")},
		},
		want: []string{
			"/ dir 0755 0:0",
			"/a file 4755 0:0 4 link=/a",
			"/b file 4755 0:0 4 link=/a",
			"/z file 4755 0:0 4 link=/a",
		},
	}, {
		name:   "rewriting a linked path breaks its link",
		layers: [][]hdr{{reg("a", "1"), hard("b", "a")}, {reg("b", "1")}},
		want: []string{
			"/ dir 0755 0:0",
			"/a file 0644 0:0 1",
			"/b file 0644 0:0 1",
		},
	}, {
		name: "symlinks, devices, fifo, xattrs",
		layers: [][]hdr{{
			sym("bin", "usr/bin"),
			dev("dev/null", '3', 1, 3),
			dev("dev/sda", '4', 8, 0),
			fifo("run/f"),
			reg("ping", "").xattr("security.capability", "\x01\x00").xattr("user.note", "hi"),
		}},
		want: []string{
			"/ dir 0755 0:0",
			"/bin symlink 0777 0:0 -> usr/bin",
			"/dev dir 0755 0:0",
			"/dev/null char 0666 0:0 1:3",
			"/dev/sda block 0666 0:0 8:0",
			"/ping file 0644 0:0 0 xattrs=security.capability=0x0100, user.note=\"hi\"",
			"/run dir 0755 0:0",
			"/run/f fifo 0644 0:0",
		},
	}, {
		name:   "names with dots and slashes that stay inside",
		layers: [][]hdr{{reg("./a/../b", "1"), reg("/c", "2"), dir(".")}},
		want: []string{
			"/ dir 0755 0:0",
			"/b file 0644 0:0 1",
			"/c file 0644 0:0 1",
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, show(treeOf(t, tc.layers...)))
		})
	}
}

func TestFromLayersErrors(t *testing.T) {
	for _, tc := range []struct {
		name   string
		layers [][]hdr
		want   string
	}{
		{"dotdot escape", [][]hdr{{reg("../etc/passwd", "x")}}, "path leaves the root"},
		{"deep dotdot escape", [][]hdr{{reg("a/../../x", "x")}}, "path leaves the root"},
		{"hard link escape", [][]hdr{{hard("a", "../../etc/shadow")}}, "path leaves the root"},
		{"hard link to nothing", [][]hdr{{hard("a", "b")}}, "which no layer holds"},
		{"hard link to a directory", [][]hdr{{dir("d"), hard("a", "d")}}, "hard link to directory"},
		{"hard link to itself", [][]hdr{{reg("a", ""), hard("a", "a")}}, "itself"},
		{"parent is a file", [][]hdr{{reg("a", ""), reg("a/b", "")}}, "not a directory"},
		{"parent is a symlink", [][]hdr{{sym("a", "b"), reg("a/c", "")}}, "not a directory"},
		{"bad whiteout", [][]hdr{{reg(".wh.", "")}}, "not a name"},
		{"unsupported type", [][]hdr{{{Header: tar.Header{Name: "x", Typeflag: 'Z'}}}}, "unsupported tar entry type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rs []io.Reader
			for _, l := range tc.layers {
				rs = append(rs, layer(t, l...))
			}
			_, err := FromLayers(rs...)
			require.ErrorContains(t, err, tc.want)
		})
	}
	_, err := FromLayers(bytes.NewReader([]byte("not a tar, and too short")))
	require.Error(t, err)
	_, err = FromLayers(layer(t, reg("../x", "")))
	require.ErrorIs(t, err, ErrUnsafePath)
}

// TestSparseRefused feeds inodeOf headers as the tar reader returns them
// for sparse files, which image tools never write: a sparse file's
// logical size is unbounded by the layer's bytes.
func TestSparseRefused(t *testing.T) {
	for _, h := range []*tar.Header{
		{Name: "s", Typeflag: tar.TypeGNUSparse, Size: 1 << 40},
		{Name: "s", Typeflag: tar.TypeReg, Size: 1 << 40, PAXRecords: map[string]string{"GNU.sparse.major": "1", "GNU.sparse.minor": "0"}},
	} {
		_, err := inodeOf(h, bytes.NewReader(nil))
		require.ErrorContains(t, err, "sparse files are not supported")
	}
}
