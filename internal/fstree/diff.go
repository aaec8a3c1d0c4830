package fstree

import (
	"fmt"
	"slices"
)

// The kinds of difference, the What of a Difference.
const (
	WhatMissing  = "missing" // only in stock's tree
	WhatAdded    = "added"   // only in the optimized tree
	WhatType     = "type"
	WhatContent  = "content" // of a regular file
	WhatLink     = "link"    // a symlink's target
	WhatDevice   = "device"  // a device's numbers
	WhatMode     = "mode"    // but of a symlink: Linux ignores it
	WhatOwner    = "owner"
	WhatXattrs   = "xattrs"
	WhatHardLink = "hardlink"
)

// Difference is one way a path differs between stock's tree and the
// optimized one.
type Difference struct {
	Path string `json:"path"`
	// What is the kind, one of the What constants.
	What string `json:"what"`
	// Stock and Optimized describe the two values ("0644", "1000:1000",
	// "sha256:... (12 bytes)", "-> target"); for WhatMissing and
	// WhatAdded, the type of the side that has the path, the other side
	// empty.
	Stock     string `json:"stock"`
	Optimized string `json:"optimized"`
	// Allowance is what explains the difference (set by Explain), nil if
	// nothing does.
	Allowance *Allowance `json:"allowance,omitempty"`

	// stockGroup is, for WhatHardLink, every path of stock's tree that
	// shares the path's inode, those the optimized tree lacks included:
	// a cache mount that takes the shared file out of the image explains
	// the paths left linked no more (see Allowance).
	stockGroup []string
}

// String shows the difference on one line.
func (d Difference) String() string {
	switch d.What {
	case WhatMissing:
		return fmt.Sprintf("%s: missing (stock has a %s)", d.Path, d.Stock)
	case WhatAdded:
		return fmt.Sprintf("%s: added (a %s stock does not have)", d.Path, d.Optimized)
	}
	return fmt.Sprintf("%s: %s differs (stock %s, optimized %s)", d.Path, d.What, d.Stock, d.Optimized)
}

// Diff lists every difference between stock's tree and the optimized one,
// in tree order of their paths, and for one path in the order of the
// constants above. A path under a directory only one tree has is listed
// too; where the types differ, only the type is (WhatType).
//
// Hard links are compared among the paths both trees have: a path whose
// partners among them differ (linked in one tree only, or with other
// paths) has a WhatHardLink difference. A partner missing from one tree is
// reported as missing, and not again as a link change of the paths that
// remain.
func Diff(stock, optimized *Tree) []Difference {
	sLinks, oLinks := commonLinks(stock, optimized), commonLinks(optimized, stock)
	sGroups := linkGroups(stock)
	var out []Difference
	s, o := stock.entries, optimized.entries
	for len(s) > 0 || len(o) > 0 {
		switch {
		case len(o) == 0 || len(s) > 0 && pathLess(s[0].Path, o[0].Path):
			out = append(out, Difference{Path: s[0].Path, What: WhatMissing, Stock: string(s[0].Type)})
			s = s[1:]
		case len(s) == 0 || pathLess(o[0].Path, s[0].Path):
			out = append(out, Difference{Path: o[0].Path, What: WhatAdded, Optimized: string(o[0].Type)})
			o = o[1:]
		default:
			ds := compareEntries(s[0], o[0], sLinks[s[0].Path], oLinks[o[0].Path])
			for i := range ds {
				if ds[i].What == WhatHardLink {
					ds[i].stockGroup = sGroups[s[0].HardLink]
				}
			}
			out = append(out, ds...)
			s, o = s[1:], o[1:]
		}
	}
	return out
}

// compareEntries lists how two entries of one path differ; sLink and oLink
// name their hard-link groups among the common paths.
func compareEntries(a, b Entry, sLink, oLink string) []Difference {
	if a.Type != b.Type {
		return []Difference{{Path: a.Path, What: WhatType, Stock: string(a.Type), Optimized: string(b.Type)}}
	}
	var out []Difference
	add := func(what, x, y string) {
		if x != y {
			out = append(out, Difference{Path: a.Path, What: what, Stock: x, Optimized: y})
		}
	}
	switch a.Type {
	case Regular:
		if a.Digest != b.Digest || a.Size != b.Size {
			add(WhatContent, describeContent(a), describeContent(b))
		}
	case Symlink:
		add(WhatLink, "-> "+a.Link, "-> "+b.Link)
	case CharDev, BlockDev:
		add(WhatDevice, describeDevice(a), describeDevice(b))
	}
	if a.Type != Symlink {
		add(WhatMode, describeMode(a.Mode), describeMode(b.Mode))
	}
	add(WhatOwner, describeOwner(a), describeOwner(b))
	if names := differingXattrs(a.Xattrs, b.Xattrs); len(names) > 0 {
		add(WhatXattrs, describeXattrs(a.Xattrs, names), describeXattrs(b.Xattrs, names))
	}
	add(WhatHardLink, describeLink(sLink), describeLink(oLink))
	return out
}

// describeLink shows a hard-link group by its first path.
func describeLink(first string) string {
	if first == "" {
		return noneValue
	}
	return "linked with " + first
}

// commonLinks maps each path of t that shares its inode with another path
// that other also has to the first such path: t's link groups cut down
// to the paths both trees have.
// linkGroups returns a tree's hard-link groups by their first path.
func linkGroups(t *Tree) map[string][]string {
	groups := map[string][]string{}
	for _, e := range t.entries {
		if e.HardLink != "" {
			groups[e.HardLink] = append(groups[e.HardLink], e.Path)
		}
	}
	return groups
}

func commonLinks(t, other *Tree) map[string]string {
	groups := map[string][]string{}
	for _, e := range t.entries {
		if _, ok := other.index[e.Path]; ok && e.HardLink != "" {
			groups[e.HardLink] = append(groups[e.HardLink], e.Path)
		}
	}
	out := map[string]string{}
	for _, paths := range groups {
		if len(paths) < 2 {
			continue
		}
		first := slices.MinFunc(paths, pathCompare)
		for _, p := range paths {
			out[p] = first
		}
	}
	return out
}
