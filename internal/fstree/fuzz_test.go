package fstree

import (
	"bytes"
	"path"
	"testing"
)

// FuzzFromLayers applies two arbitrary layers: FromLayers must return a
// tree or an error, never panic, and a tree it returns must hold together.
func FuzzFromLayers(f *testing.F) {
	f.Add(layerBytes(f, dir("a"), reg("a/b", "x"), hard("a/c", "a/b"), sym("l", "a"), fifo("p")),
		layerBytes(f, wh("a", "b"), opaque("a"), reg("a/d", "y").xattr("user.x", "1")))
	f.Add(layerBytes(f, dev("dev/null", '3', 1, 3), reg("../x", "")), []byte{})
	f.Add(layerBytes(f, reg("a", "1"), reg("a/b", "")), layerBytes(f, hard("z", "a"), wh("", "a")))
	f.Add([]byte("not a tar"), []byte{})
	f.Fuzz(func(t *testing.T, lower, upper []byte) {
		tree, err := FromLayers(bytes.NewReader(lower), bytes.NewReader(upper))
		if err != nil {
			return
		}
		checkTree(t, tree)
		if d := Diff(tree, tree); len(d) != 0 {
			t.Fatalf("a tree differs from itself: %v", d)
		}
	})
}

// checkTree checks what every tree must be: the root first, paths in
// order and unique, every parent a directory of the tree, hard links
// naming a path of the tree.
func checkTree(t *testing.T, tree *Tree) {
	t.Helper()
	entries := tree.Entries()
	if len(entries) == 0 || entries[0].Path != "/" || entries[0].Type != Dir {
		t.Fatalf("the tree does not start with its root: %v", entries)
	}
	for i, e := range entries[1:] {
		if !pathLess(entries[i].Path, e.Path) {
			t.Fatalf("%q after %q", e.Path, entries[i].Path)
		}
		if parent, ok := tree.Lookup(path.Dir(e.Path)); !ok || parent.Type != Dir {
			t.Fatalf("%q has no parent directory", e.Path)
		}
		if e.HardLink != "" {
			if first, ok := tree.Lookup(e.HardLink); !ok || first.HardLink != e.HardLink || pathLess(e.Path, e.HardLink) {
				t.Fatalf("%q links to %q, not the first of its group", e.Path, e.HardLink)
			}
		}
	}
}
