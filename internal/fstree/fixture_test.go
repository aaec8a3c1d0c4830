package fstree

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

// hdr is one entry of a test layer.
type hdr struct {
	tar.Header
	body string
}

func reg(name, body string) hdr {
	return hdr{Header: tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body))}, body: body}
}

func dir(name string) hdr {
	return hdr{Header: tar.Header{Name: name, Typeflag: tar.TypeDir, Mode: 0o755}}
}

func sym(name, target string) hdr {
	return hdr{Header: tar.Header{Name: name, Typeflag: tar.TypeSymlink, Linkname: target, Mode: 0o777}}
}

func hard(name, target string) hdr {
	return hdr{Header: tar.Header{Name: name, Typeflag: tar.TypeLink, Linkname: target}}
}

func dev(name string, typ byte, major, minor int64) hdr {
	return hdr{Header: tar.Header{Name: name, Typeflag: typ, Mode: 0o666, Devmajor: major, Devminor: minor}}
}

func fifo(name string) hdr {
	return hdr{Header: tar.Header{Name: name, Typeflag: tar.TypeFifo, Mode: 0o644}}
}

// wh is the whiteout of name in dir.
func wh(dir, name string) hdr { return reg(dir+"/.wh."+name, "") }

func opaque(dir string) hdr { return reg(dir+"/.wh..wh..opq", "") }

func (h hdr) mode(m int64) hdr { h.Mode = m; return h }

func (h hdr) owner(uid, gid int) hdr { h.Uid, h.Gid = uid, gid; return h }

func (h hdr) xattr(name, value string) hdr {
	r := map[string]string{}
	for k, v := range h.PAXRecords {
		r[k] = v
	}
	r[xattrPrefix+name] = value
	h.PAXRecords = r
	return h
}

// layerBytes writes the entries as an uncompressed layer tar.
func layerBytes(t testing.TB, entries ...hdr) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range entries {
		h := e.Header
		if h.PAXRecords != nil {
			h.Format = tar.FormatPAX
		}
		require.NoError(t, tw.WriteHeader(&h), e.Name)
		_, err := io.WriteString(tw, e.body)
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	return b.Bytes()
}

func layer(t testing.TB, entries ...hdr) io.Reader {
	return bytes.NewReader(layerBytes(t, entries...))
}

// treeOf applies layers, each a list of entries, and fails the test on
// an error.
func treeOf(t testing.TB, layers ...[]hdr) *Tree {
	t.Helper()
	var rs []io.Reader
	for _, l := range layers {
		rs = append(rs, layer(t, l...))
	}
	tree, err := FromLayers(rs...)
	require.NoError(t, err)
	return tree
}

// show lists a tree's entries one a line, all but times.
func show(t *Tree) []string {
	var out []string
	for _, e := range t.Entries() {
		line := fmt.Sprintf("%s %s %04o %d:%d", e.Path, e.Type, e.Mode, e.UID, e.GID)
		switch e.Type {
		case Regular:
			line += fmt.Sprintf(" %d", e.Size)
		case Symlink:
			line += " -> " + e.Link
		case CharDev, BlockDev:
			line += fmt.Sprintf(" %d:%d", e.Major, e.Minor)
		}
		if e.HardLink != "" {
			line += " link=" + e.HardLink
		}
		if len(e.Xattrs) > 0 {
			line += " xattrs=" + describeXattrs(e.Xattrs, differingXattrs(e.Xattrs, nil))
		}
		out = append(out, line)
	}
	return out
}

// showDiffs lists differences one a line: path, what, stock | optimized.
func showDiffs(diffs []Difference) []string {
	out := []string{}
	for _, d := range diffs {
		out = append(out, fmt.Sprintf("%s %s %s | %s", d.Path, d.What, d.Stock, d.Optimized))
	}
	return out
}
