package e2e

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"maps"
	"path"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/require"
)

// linkedEntry is what the squash fuzzer compares of a path: fileEntry's
// fields, the xattrs, and which other paths share the inode. A hard link
// reads as the file it links to. mutate.Extract, which filesystem uses,
// keeps neither hard-link identity across layers nor opaque directories,
// so exactFilesystem applies the layers itself.
type linkedEntry struct {
	Type     byte
	Mode     int64
	UID, GID int
	Size     int64
	Link     string // symlink target
	SHA256   string
	Xattrs   string // sorted name=value, hex values
	Peers    string // the other paths of its inode, sorted
}

func (e linkedEntry) String() string {
	s := fmt.Sprintf("type=%c mode=%o uid=%d gid=%d", e.Type, e.Mode, e.UID, e.GID)
	switch e.Type {
	case tar.TypeReg:
		s += fmt.Sprintf(" size=%d sha256=%.12s", e.Size, e.SHA256)
	case tar.TypeSymlink:
		s += " -> " + e.Link
	}
	if e.Xattrs != "" {
		s += " xattrs=" + e.Xattrs
	}
	if e.Peers != "" {
		peers := strings.Split(e.Peers, ",")
		s += fmt.Sprintf(" links=%d", len(peers))
		if len(peers) <= 4 {
			s += "(" + e.Peers + ")"
		}
	}
	return s
}

// peersDiff names the hard links only one side has, "" when none.
func peersDiff(stock, opt linkedEntry) string {
	a, b := strings.Split(stock.Peers, ","), strings.Split(opt.Peers, ",")
	var onlyA, onlyB []string
	for _, p := range a {
		if p != "" && !slices.Contains(b, p) {
			onlyA = append(onlyA, p)
		}
	}
	for _, p := range b {
		if p != "" && !slices.Contains(a, p) {
			onlyB = append(onlyB, p)
		}
	}
	if len(onlyA)+len(onlyB) == 0 {
		return ""
	}
	return fmt.Sprintf("hard links only stock has: %v; only optimized has: %v", abbrev(onlyA), abbrev(onlyB))
}

func abbrev(ps []string) []string {
	if len(ps) > 6 {
		return append(ps[:6:6], fmt.Sprintf("... %d more", len(ps)-6))
	}
	return ps
}

// inodeState is one inode of the filesystem being built from the layers.
type inodeState struct{ e linkedEntry }

// exactFilesystem applies an image's layers in order, with whiteouts,
// opaque directories and hard links, and returns every path's entry.
func exactFilesystem(t testing.TB, img v1.Image) map[string]linkedEntry {
	t.Helper()
	layers, err := img.Layers()
	require.NoError(t, err)
	fs := map[string]*inodeState{}
	for i, l := range layers {
		rc, err := l.Uncompressed()
		require.NoError(t, err)
		err = applyLayer(fs, tar.NewReader(rc))
		rc.Close()
		require.NoError(t, err, "layer %d", i)
	}
	groups := map[*inodeState][]string{}
	for p, n := range fs {
		groups[n] = append(groups[n], p)
	}
	out := make(map[string]linkedEntry, len(fs))
	for p, n := range fs {
		e := n.e
		if g := groups[n]; len(g) > 1 {
			peers := slices.DeleteFunc(slices.Clone(g), func(q string) bool { return q == p })
			slices.Sort(peers)
			e.Peers = strings.Join(peers, ",")
		}
		out[p] = e
	}
	return out
}

// applyLayer applies one layer tar to fs. Whiteouts remove only what the
// lower layers hold, never an entry of the same layer.
func applyLayer(fs map[string]*inodeState, tr *tar.Reader) error {
	added := map[string]bool{}
	removeLower := func(p string) {
		for q := range fs {
			if (q == p || strings.HasPrefix(q, strings.TrimSuffix(p, "/")+"/")) && !added[q] {
				delete(fs, q)
			}
		}
	}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		p := path.Clean("/" + h.Name)
		dir, base := path.Split(p)
		switch {
		case base == ".wh..wh..opq":
			for q := range fs {
				if strings.HasPrefix(q, dir) && q != path.Clean(dir) && !added[q] {
					delete(fs, q)
				}
			}
			continue
		case strings.HasPrefix(base, ".wh."):
			removeLower(path.Join(dir, strings.TrimPrefix(base, ".wh.")))
			continue
		}
		if old, ok := fs[p]; ok && (old.e.Type != tar.TypeDir || h.Typeflag != tar.TypeDir) {
			removeLower(p)
		}
		if h.Typeflag == tar.TypeLink {
			target, ok := fs[path.Clean("/"+h.Linkname)]
			if !ok {
				return fmt.Errorf("%s: hard link to %s, which is not there", p, h.Linkname)
			}
			fs[p] = target
			added[p] = true
			continue
		}
		e := linkedEntry{Type: h.Typeflag, Mode: h.Mode, UID: h.Uid, GID: h.Gid, Link: h.Linkname, Xattrs: xattrs(h)}
		if h.Typeflag == tar.TypeReg {
			sum := sha256.New()
			n, err := io.Copy(sum, tr)
			if err != nil {
				return err
			}
			e.Size, e.SHA256 = n, hex.EncodeToString(sum.Sum(nil))
		}
		fs[p] = &inodeState{e: e}
		added[p] = true
	}
}

func xattrs(h *tar.Header) string {
	var kv []string
	for _, k := range slices.Sorted(maps.Keys(h.PAXRecords)) {
		if name, ok := strings.CutPrefix(k, "SCHILY.xattr."); ok {
			kv = append(kv, name+"="+hex.EncodeToString([]byte(h.PAXRecords[k])))
		}
	}
	return strings.Join(kv, ",")
}

// exactDiff lists the paths in only one of a and b, or that differ, and
// apart the paths that differ only in having more hard links in b.
// Stock's exporter writes a link to a file of a lower layer as a copy
// (BuildKit's overlay differ leaves out the unchanged source), so a
// squashed layer that keeps the link the build made is not a difference;
// one that loses a link stock has is.
func exactDiff(a, b map[string]linkedEntry) (diff, moreLinks []string) {
	for p, ea := range a {
		eb, ok := b[p]
		switch {
		case !ok:
			diff = append(diff, p)
		case ea == eb:
		case withoutPeers(ea) == withoutPeers(eb) && subset(ea.Peers, eb.Peers):
			moreLinks = append(moreLinks, p)
		default:
			diff = append(diff, p)
		}
	}
	for p := range b {
		if _, ok := a[p]; !ok {
			diff = append(diff, p)
		}
	}
	slices.Sort(diff)
	slices.Sort(moreLinks)
	return diff, moreLinks
}

func withoutPeers(e linkedEntry) linkedEntry {
	e.Peers = ""
	return e
}

// subset tells whether every path of the comma-separated list a is in b.
func subset(a, b string) bool {
	if a == "" {
		return true
	}
	have := strings.Split(b, ",")
	for _, p := range strings.Split(a, ",") {
		if !slices.Contains(have, p) {
			return false
		}
	}
	return true
}
