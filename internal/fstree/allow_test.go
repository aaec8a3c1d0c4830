package fstree

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestExplain(t *testing.T) {
	git := Allowance{Pattern: "/app/.git", Pass: "contextfilter", Line: 3, Reason: "VCS dir left out"}
	nodeCache := Allowance{Pattern: "/app/**/node_modules/.cache", Pass: "leftovers", Line: 7, Reason: "tool cache"}
	anyGit := Allowance{Pattern: "/**/.git", MissingOnly: true, Pass: "contextfilter", Line: 1, Reason: "anywhere"}
	pip := Allowance{Pattern: "/root/.cache/pip", Parents: true, Pass: "cachemount", Line: 5, Reason: "cache mount"}
	pipNoParents := Allowance{Pattern: "/root/.cache/pip", Pass: "cachemount", Line: 5, Reason: "cache mount"}
	logs := Allowance{Pattern: "/var/log/dpkg.log", ContentOnly: true, Pass: "verify", Reason: "records when steps ran"}
	for _, tc := range []struct {
		name  string
		allow []Allowance
		diff  Difference
		want  int // index into allow, -1 for none
	}{
		{"pattern itself", []Allowance{git}, Difference{Path: "/app/.git", What: WhatMissing, Stock: "dir"}, 0},
		{"under the pattern", []Allowance{git}, Difference{Path: "/app/.git/refs/HEAD", What: WhatContent}, 0},
		{"a sibling with the same prefix", []Allowance{git}, Difference{Path: "/app/.gitignore", What: WhatMissing, Stock: "file"}, -1},
		{"the directory above", []Allowance{git}, Difference{Path: "/app", What: WhatMode}, -1},
		{"double star, deep", []Allowance{nodeCache}, Difference{Path: "/app/web/ui/node_modules/.cache/x/y", What: WhatMissing, Stock: "file"}, 0},
		{"double star, no directory between", []Allowance{nodeCache}, Difference{Path: "/app/node_modules/.cache", What: WhatAdded, Optimized: "dir"}, 0},
		{"double star, elsewhere", []Allowance{nodeCache}, Difference{Path: "/srv/node_modules/.cache", What: WhatMissing, Stock: "dir"}, -1},
		{"leading double star", []Allowance{anyGit}, Difference{Path: "/src/lib/.git/config", What: WhatMissing, Stock: "file"}, 0},
		{"missing only refuses a content change", []Allowance{anyGit}, Difference{Path: "/src/.git/config", What: WhatContent}, -1},
		{"missing only refuses an added path", []Allowance{anyGit}, Difference{Path: "/src/.git", What: WhatAdded, Optimized: "dir"}, -1},
		{"mount point's own mode", []Allowance{pipNoParents}, Difference{Path: "/root/.cache/pip", What: WhatMode, Stock: "0700", Optimized: "0755"}, 0},
		{"parents: missing directory above", []Allowance{pip}, Difference{Path: "/root/.cache", What: WhatMissing, Stock: "dir"}, 0},
		{"parents: added directory above", []Allowance{pip}, Difference{Path: "/root/.cache", What: WhatAdded, Optimized: "dir"}, 0},
		{"parents: up to the top", []Allowance{pip}, Difference{Path: "/root", What: WhatMissing, Stock: "dir"}, 0},
		{"parents: never a mode above", []Allowance{pip}, Difference{Path: "/root/.cache", What: WhatMode, Stock: "0700", Optimized: "0755"}, -1},
		{"parents: never a file above", []Allowance{pip}, Difference{Path: "/root/.cache", What: WhatMissing, Stock: "file"}, -1},
		{"parents: not a sibling", []Allowance{pip}, Difference{Path: "/root/.cache/npm", What: WhatMissing, Stock: "dir"}, -1},
		{"no parents: directory above", []Allowance{pipNoParents}, Difference{Path: "/root/.cache", What: WhatMissing, Stock: "dir"}, -1},
		{"content only: the content", []Allowance{logs}, Difference{Path: "/var/log/dpkg.log", What: WhatContent}, 0},
		{"content only: not missing", []Allowance{logs}, Difference{Path: "/var/log/dpkg.log", What: WhatMissing, Stock: "file"}, -1},
		{"content only: not added", []Allowance{logs}, Difference{Path: "/var/log/dpkg.log", What: WhatAdded, Optimized: "file"}, -1},
		{"content only: not the mode", []Allowance{logs}, Difference{Path: "/var/log/dpkg.log", What: WhatMode, Stock: "0644", Optimized: "0666"}, -1},
		{"first allowance wins", []Allowance{nodeCache, git, anyGit}, Difference{Path: "/app/.git/x", What: WhatMissing, Stock: "file"}, 1},
		{"root is never matched", []Allowance{{Pattern: "/**", Pass: "p"}}, Difference{Path: "/", What: WhatMode}, -1},
		{"double star matches the rest", []Allowance{{Pattern: "/**", Pass: "p"}}, Difference{Path: "/x", What: WhatMode}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			diffs := []Difference{tc.diff}
			require.NoError(t, Explain(diffs, tc.allow))
			if tc.want < 0 {
				require.Nil(t, diffs[0].Allowance)
				return
			}
			require.Same(t, &tc.allow[tc.want], diffs[0].Allowance)
		})
	}
}

func TestExplainRefuses(t *testing.T) {
	for _, tc := range []struct {
		name  string
		allow Allowance
		want  string
	}{
		{"relative pattern", Allowance{Pattern: "app/.git"}, "not absolute"},
		{"exclusion", Allowance{Pattern: "!/app/.git"}, "not absolute"},
		{"the root", Allowance{Pattern: "/"}, "whole image"},
		{"bad pattern", Allowance{Pattern: "/app/[", Pass: "p", Line: 2}, "allowance 0 (pass p, line 2)"},
		{"nothing named", Allowance{Pass: "p"}, "neither"},
		{"bad package", Allowance{Package: "../../etc/passwd"}, "not a Debian package name"},
		{"glob in package", Allowance{Package: "gcc*"}, "not a Debian package name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			diffs := []Difference{{Path: "/app/.git", What: WhatMissing, Stock: "dir"}}
			require.ErrorContains(t, Explain(diffs, []Allowance{tc.allow}), tc.want)
			require.Nil(t, diffs[0].Allowance)
		})
	}
}

func TestLiteralParents(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		want    []string
	}{
		{"/root/.cache/pip", []string{"/root", "/root/.cache"}},
		{"/root/.cache/pip/", []string{"/root", "/root/.cache"}},
		{"/app/*/cache", []string{"/app"}},
		{"/app/**/node_modules", []string{"/app"}},
		{"/**/node_modules", []string{}},
		{"/tmp", []string{}},
	} {
		got := []string{}
		for p := range literalParents(tc.pattern) {
			got = append(got, p)
		}
		require.ElementsMatch(t, tc.want, got, tc.pattern)
	}
}

// TestCacheMountTarget compares a stock tree that filled a cache
// directory with an optimized one where the mount point is an empty
// directory BuildKit made: the pattern explains the directory and its
// former content, nothing above it.
func TestCacheMountTarget(t *testing.T) {
	stock := treeOf(t, []hdr{dir("root").mode(0o700), dir("root/.cache/pip").mode(0o700), reg("root/.cache/pip/wheel", "w")})
	optimized := treeOf(t, []hdr{dir("root").mode(0o700), dir("root/.cache").mode(0o755), dir("root/.cache/pip")})
	allow := []Allowance{{Pattern: "/root/.cache/pip", Parents: true, Pass: "cachemount", Line: 4, Reason: "cache mount"}}
	r, err := Compare(stock, optimized, allow)
	require.NoError(t, err)
	require.Equal(t, 2, r.Explained)
	require.Equal(t, []string{"/root/.cache/pip mode 0700 | 0755", "/root/.cache/pip/wheel missing file | "}, showDiffs(r.FirstExplained))
	require.Equal(t, 0, r.Unexplained)
}

// TestCacheMountLinks compares a stock tree where a package store (pnpm's)
// in the image and the project's node_modules share inodes with one where
// the store is a cache mount and the tool copied the files instead: the
// store's pattern explains the links gone from node_modules, and nothing
// explains links that never involved the store, nor a change of content.
func TestCacheMountLinks(t *testing.T) {
	store := "/root/.local/share/pnpm/store"
	allow := []Allowance{{Pattern: store, Parents: true, Pass: "cachemount", Line: 6, Reason: "cache mount"}}
	stock := treeOf(t, []hdr{dir("app"), dir("app/nm"), dir("app/nm/a"), dir("app/nm/b"),
		reg("app/nm/a/LICENSE", "MIT"), hard("app/nm/b/LICENSE", "app/nm/a/LICENSE"),
		reg("app/x", "x"), hard("app/y", "app/x"),
		dir("root"), dir("root/.local"), dir("root/.local/share"), dir("root/.local/share/pnpm"), dir("root/.local/share/pnpm/store"),
		hard("root/.local/share/pnpm/store/f1", "app/nm/a/LICENSE")})
	for _, tc := range []struct {
		name        string
		optimized   *Tree
		unexplained []string
	}{
		{"copies of the store's file", treeOf(t, []hdr{dir("app"), dir("app/nm"), dir("app/nm/a"), dir("app/nm/b"),
			reg("app/nm/a/LICENSE", "MIT"), reg("app/nm/b/LICENSE", "MIT"), reg("app/x", "x"), hard("app/y", "app/x"),
			dir("root"), dir("root/.local"), dir("root/.local/share"), dir("root/.local/share/pnpm"), dir("root/.local/share/pnpm/store")}), []string{}},
		{"a link that never involved the store", treeOf(t, []hdr{dir("app"), dir("app/nm"), dir("app/nm/a"), dir("app/nm/b"),
			reg("app/nm/a/LICENSE", "MIT"), reg("app/nm/b/LICENSE", "MIT"), reg("app/x", "x"), reg("app/y", "x"),
			dir("root"), dir("root/.local"), dir("root/.local/share"), dir("root/.local/share/pnpm"), dir("root/.local/share/pnpm/store")}),
			[]string{"/app/x hardlink", "/app/y hardlink"}},
		{"other content", treeOf(t, []hdr{dir("app"), dir("app/nm"), dir("app/nm/a"), dir("app/nm/b"),
			reg("app/nm/a/LICENSE", "MIT"), reg("app/nm/b/LICENSE", "GPL"), reg("app/x", "x"), hard("app/y", "app/x"),
			dir("root"), dir("root/.local"), dir("root/.local/share"), dir("root/.local/share/pnpm"), dir("root/.local/share/pnpm/store")}),
			[]string{"/app/nm/b/LICENSE content"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Compare(stock, tc.optimized, allow)
			require.NoError(t, err)
			got := []string{}
			for _, d := range r.FirstUnexplained {
				got = append(got, d.Path+" "+d.What)
			}
			require.Equal(t, tc.unexplained, got)
			require.Equal(t, len(tc.unexplained), r.Unexplained)
		})
	}
}
