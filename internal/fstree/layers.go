package fstree

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"strings"
)

// The names by which a layer deletes what the layers below it hold (OCI
// image spec, "Whiteouts").
const (
	whiteoutPrefix = ".wh."
	whiteoutOpaque = ".wh..wh..opq"
	xattrPrefix    = "SCHILY.xattr."
	sparsePrefix   = "GNU.sparse."
)

// ErrUnsafePath is returned for a layer entry whose name or hard link
// target leaves the root.
var ErrUnsafePath = errors.New("path leaves the root")

// inode is what the paths of one file share: hard links point to one.
type inode struct {
	typ          Type
	mode         uint32
	uid, gid     int
	size         int64
	digest       string
	link         string
	major, minor uint32
	xattrs       map[string]string
}

// node is one path of the tree being built.
type node struct {
	ino *inode
	// layer is the index of the layer that wrote or implied the path: a
	// whiteout hides only what a lower layer wrote.
	layer int
	kids  map[string]*node // nil unless a directory
}

// FromLayers applies uncompressed image layer tars in order, as an
// unpacker does, and returns the filesystem they make: whiteouts delete
// lower entries, an opaque marker hides a directory's lower contents,
// hard links share an inode, missing parents are made as 0755 root-owned
// directories. A header for the root itself is ignored, as containerd's
// applier ignores it. It fails on a name that leaves the root, on a parent
// that is not a directory (it does not resolve symlinks in parents, which
// the layers of a real image never need), on a hard link to a missing
// entry or a directory, on sparse files (image tools never write them)
// and on types an unpacker refuses.
func FromLayers(layers ...io.Reader) (*Tree, error) {
	root := &node{ino: &inode{typ: Dir, mode: 0o755}, kids: map[string]*node{}}
	for i, l := range layers {
		if err := applyLayer(root, i, l); err != nil {
			return nil, fmt.Errorf("applying layer %d: %w", i, err)
		}
	}
	return flatten(root), nil
}

// applyLayer applies one layer tar onto root.
func applyLayer(root *node, layer int, r io.Reader) error {
	tr := tar.NewReader(r)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading the tar: %w", err)
		}
		if err := applyHeader(root, layer, hdr, tr); err != nil {
			return fmt.Errorf("entry %q: %w", hdr.Name, err)
		}
	}
}

// applyHeader applies one tar entry, content read from r.
func applyHeader(root *node, layer int, hdr *tar.Header, r io.Reader) error {
	names, err := split(hdr.Name)
	if err != nil || len(names) == 0 {
		return err
	}
	parent, err := parentOf(root, names[:len(names)-1], layer)
	if err != nil {
		return err
	}
	base := names[len(names)-1]
	switch {
	case base == whiteoutOpaque:
		hideLower(parent, layer)
		return nil
	case strings.HasPrefix(base, whiteoutPrefix):
		return whiteout(parent, strings.TrimPrefix(base, whiteoutPrefix), layer)
	case hdr.Typeflag == tar.TypeLink:
		return hardLink(root, parent, base, hdr.Linkname, layer)
	}
	ino, err := inodeOf(hdr, r)
	if err != nil {
		return err
	}
	old := parent.kids[base]
	if old != nil && old.kids != nil && ino.typ == Dir {
		// A directory over a directory keeps the lower one's entries.
		old.ino, old.layer = ino, layer
		return nil
	}
	n := &node{ino: ino, layer: layer}
	if ino.typ == Dir {
		n.kids = map[string]*node{}
	}
	parent.kids[base] = n
	return nil
}

// split turns a tar name into the names of its path components, none for
// the root; it refuses names that climb out of the root.
func split(name string) ([]string, error) {
	rel := path.Clean(strings.TrimLeft(name, "/"))
	if rel == ".." || strings.HasPrefix(rel, "../") {
		return nil, fmt.Errorf("%q: %w", name, ErrUnsafePath)
	}
	if rel == "." {
		return nil, nil
	}
	return strings.Split(rel, "/"), nil
}

// parentOf walks to the directory holding a path, making the missing
// directories on the way as a layer's unpacker does.
func parentOf(root *node, names []string, layer int) (*node, error) {
	dir := root
	for i, name := range names {
		next := dir.kids[name]
		if next == nil {
			next = &node{ino: &inode{typ: Dir, mode: 0o755}, layer: layer, kids: map[string]*node{}}
			dir.kids[name] = next
		}
		if next.kids == nil {
			return nil, fmt.Errorf("parent /%s is a %s, not a directory", strings.Join(names[:i+1], "/"), next.ino.typ)
		}
		dir = next
	}
	return dir, nil
}

// whiteout deletes the entry name of dir, with everything under it, when
// a lower layer wrote it: a whiteout never hides its own layer's entries.
func whiteout(dir *node, name string, layer int) error {
	if name == "" || name == "." || name == ".." || strings.Contains(name, "/") {
		return fmt.Errorf("whiteout of %q: not a name", name)
	}
	if n := dir.kids[name]; n != nil && n.layer < layer {
		delete(dir.kids, name)
	}
	return nil
}

// hideLower makes dir opaque: every entry a lower layer wrote under it
// goes, and a lower directory stays only to hold this layer's entries.
func hideLower(dir *node, layer int) {
	for name, kid := range dir.kids {
		if kid.kids != nil {
			hideLower(kid, layer)
		}
		if kid.layer != layer && len(kid.kids) == 0 {
			delete(dir.kids, name)
		}
	}
}

// hardLink makes parent's entry base share the inode of target.
func hardLink(root, parent *node, base, target string, layer int) error {
	names, err := split(target)
	if err != nil {
		return fmt.Errorf("hard link target: %w", err)
	}
	t := lookup(root, names)
	switch {
	case t == nil:
		return fmt.Errorf("hard link to %q, which no layer holds", target)
	case t.kids != nil:
		return fmt.Errorf("hard link to directory %q", target)
	case t == parent.kids[base]:
		return fmt.Errorf("hard link to itself")
	}
	parent.kids[base] = &node{ino: t.ino, layer: layer}
	return nil
}

// lookup finds the node of a path, nil if there is none.
func lookup(root *node, names []string) *node {
	n := root
	for _, name := range names {
		if n = n.kids[name]; n == nil {
			return nil
		}
	}
	return n
}

// inodeOf reads the metadata and content of a tar entry that is not a hard
// link or a whiteout.
func inodeOf(hdr *tar.Header, r io.Reader) (*inode, error) {
	ino := &inode{mode: uint32(hdr.Mode) & modeMask, uid: hdr.Uid, gid: hdr.Gid, xattrs: paxXattrs(hdr.PAXRecords)}
	switch hdr.Typeflag {
	case tar.TypeReg:
		if isSparse(hdr) {
			return nil, errors.New("sparse files are not supported")
		}
		ino.typ = Regular
		return ino, hashContent(ino, r)
	case tar.TypeDir:
		ino.typ = Dir
	case tar.TypeSymlink:
		ino.typ, ino.link, ino.mode = Symlink, hdr.Linkname, 0o777
	case tar.TypeChar, tar.TypeBlock:
		ino.typ = CharDev
		if hdr.Typeflag == tar.TypeBlock {
			ino.typ = BlockDev
		}
		if hdr.Devmajor < 0 || hdr.Devmajor > math.MaxUint32 || hdr.Devminor < 0 || hdr.Devminor > math.MaxUint32 {
			return nil, fmt.Errorf("device numbers %d:%d out of range", hdr.Devmajor, hdr.Devminor)
		}
		ino.major, ino.minor = uint32(hdr.Devmajor), uint32(hdr.Devminor)
	case tar.TypeFifo:
		ino.typ = Fifo
	case tar.TypeGNUSparse:
		return nil, errors.New("sparse files are not supported")
	default:
		return nil, fmt.Errorf("unsupported tar entry type %q", hdr.Typeflag)
	}
	return ino, nil
}

// isSparse tells whether a regular entry is a GNU sparse file in PAX form.
func isSparse(hdr *tar.Header) bool {
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, sparsePrefix) {
			return true
		}
	}
	return false
}

// hashContent streams a regular file's content into its digest and size.
func hashContent(ino *inode, r io.Reader) error {
	h := sha256.New()
	n, err := io.Copy(h, r)
	if err != nil {
		return fmt.Errorf("reading the content: %w", err)
	}
	ino.size, ino.digest = n, "sha256:"+hex.EncodeToString(h.Sum(nil))
	return nil
}

// paxXattrs picks the extended attributes out of a PAX header.
func paxXattrs(records map[string]string) map[string]string {
	var x map[string]string
	for k, v := range records {
		if name, ok := strings.CutPrefix(k, xattrPrefix); ok && name != "" {
			if x == nil {
				x = map[string]string{}
			}
			x[name] = v
		}
	}
	return x
}

// flatten lists the tree under root as entries, and its hard links.
func flatten(root *node) *Tree {
	var entries []Entry
	byInode := map[*inode][]string{}
	var walk func(p string, n *node)
	walk = func(p string, n *node) {
		entries = append(entries, entryOf(p, n.ino))
		if n.kids == nil {
			byInode[n.ino] = append(byInode[n.ino], p)
		}
		for name, kid := range n.kids {
			walk(path.Join(p, name), kid)
		}
	}
	walk(rootPath, root)
	var linked [][]string
	for _, paths := range byInode {
		linked = append(linked, paths)
	}
	return newTree(entries, linked)
}

// entryOf is the entry of path p with the metadata of ino.
func entryOf(p string, ino *inode) Entry {
	return Entry{
		Path: p, Type: ino.typ, Mode: ino.mode, UID: ino.uid, GID: ino.gid,
		Size: ino.size, Digest: ino.digest, Link: ino.link,
		Major: ino.major, Minor: ino.minor, Xattrs: ino.xattrs,
	}
}
