package fstree

import (
	"slices"
	"sort"
)

// Tree is every entry of a flattened filesystem, in tree order: paths
// compare byte by byte with "/" below every other byte, so that a
// directory's entries follow it directly ("/a", "/a/b", "/a-b").
type Tree struct {
	entries []Entry
	index   map[string]int
}

// newTree orders entries and marks the hard links: each group of linked
// lists the paths that share one inode.
func newTree(entries []Entry, linked [][]string) *Tree {
	sort.Slice(entries, func(i, j int) bool { return pathLess(entries[i].Path, entries[j].Path) })
	t := &Tree{entries: entries, index: make(map[string]int, len(entries))}
	for i, e := range entries {
		t.index[e.Path] = i
	}
	for _, group := range linked {
		if len(group) < 2 {
			continue
		}
		first := slices.MinFunc(group, pathCompare)
		for _, p := range group {
			t.entries[t.index[p]].HardLink = first
		}
	}
	return t
}

// Len is the number of entries, the root included.
func (t *Tree) Len() int { return len(t.entries) }

// Entries returns a copy of the entries in tree order; their Xattrs maps
// are shared with the tree.
func (t *Tree) Entries() []Entry { return slices.Clone(t.entries) }

// Lookup returns the entry at path p.
func (t *Tree) Lookup(p string) (Entry, bool) {
	i, ok := t.index[p]
	if !ok {
		return Entry{}, false
	}
	return t.entries[i], true
}

// pathCompare orders paths as a tree walk does: "/" sorts before every
// other byte, so "/a/b" comes before "/a-b".
func pathCompare(a, b string) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		x, y := sepFirst(a[i]), sepFirst(b[i])
		if x != y {
			if x < y {
				return -1
			}
			return 1
		}
	}
	return len(a) - len(b)
}

func pathLess(a, b string) bool { return pathCompare(a, b) < 0 }

// sepFirst maps "/" to 0 and every other byte one up.
func sepFirst(c byte) int {
	if c == '/' {
		return 0
	}
	return int(c) + 1
}
