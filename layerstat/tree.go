package layerstat

import (
	"maps"
	"path"
	"slices"
	"strings"
)

// inode is one regular file's content, shared by the hard links naming it.
type inode struct {
	path  string
	size  int64
	layer int
	links int
}

// node is one path of the merged filesystem.
type node struct {
	dir      bool
	ino      *inode // nil unless the node names a regular file
	children map[string]*node
}

func newDir() *node {
	return &node{dir: true, children: map[string]*node{}}
}

// tree is the filesystem as the layers applied so far leave it, with the
// waste they have caused.
type tree struct {
	root  *node
	waste []Waste
}

func newTree() *tree {
	return &tree{root: newDir()}
}

// apply lays c over the tree: whiteouts hide lower content first, then the
// layer's own entries go in, parents before children.
func (t *tree) apply(c *change, index int) {
	for _, p := range c.deleted {
		t.remove(p, index)
	}
	for _, p := range c.opaque {
		t.clear(p, index)
	}
	for _, p := range slices.Sorted(maps.Keys(c.entries)) {
		t.put(p, c.entries[p], index)
	}
}

// lookup returns the node at the absolute path p, or nil.
func (t *tree) lookup(p string) *node {
	n := t.root
	for _, name := range split(p) {
		if !n.dir {
			return nil
		}
		if n = n.children[name]; n == nil {
			return nil
		}
	}
	return n
}

// remove deletes p and everything under it.
func (t *tree) remove(p string, index int) {
	parent := t.lookup(path.Dir(p))
	if parent == nil || !parent.dir {
		return
	}
	name := path.Base(p)
	if n, ok := parent.children[name]; ok {
		delete(parent.children, name)
		t.release(n, index)
	}
}

// clear deletes everything under the directory p, keeping p.
func (t *tree) clear(p string, index int) {
	n := t.lookup(p)
	if n == nil || !n.dir {
		return
	}
	for _, c := range n.children {
		t.release(c, index)
	}
	clear(n.children)
}

// put places n at p. A directory merges into a directory; anything else
// replaces what was there, subtree included. Missing parents are created and
// non-directory parents replaced by directories.
func (t *tree) put(p string, n *node, index int) {
	names := split(p)
	parent := t.root
	for _, name := range names[:len(names)-1] {
		parent = t.dirAt(parent, name, index)
	}
	name := names[len(names)-1]
	old, ok := parent.children[name]
	if ok && old.dir && n.dir {
		return
	}
	if ok {
		t.release(old, index)
	}
	parent.children[name] = n
}

// dirAt returns parent's child directory name, creating it if needed.
func (t *tree) dirAt(parent *node, name string, index int) *node {
	if c, ok := parent.children[name]; ok {
		if c.dir {
			return c
		}
		t.release(c, index)
	}
	c := newDir()
	parent.children[name] = c
	return c
}

// release drops n and its subtree, as layer index hides them.
func (t *tree) release(n *node, index int) {
	if n.ino != nil {
		t.unlink(n.ino, index)
	}
	for _, c := range n.children {
		t.release(c, index)
	}
}

// unlink drops one name of ino; losing the last one wastes its bytes.
func (t *tree) unlink(ino *inode, index int) {
	ino.links--
	if ino.links > 0 || ino.size == 0 {
		return
	}
	t.waste = append(t.waste, Waste{Path: ino.path, Bytes: ino.size, AddedIn: ino.layer, RemovedIn: index})
}

// split turns "/a/b" into ["a", "b"].
func split(p string) []string {
	if p == "/" {
		return nil
	}
	return strings.Split(strings.TrimPrefix(p, "/"), "/")
}
