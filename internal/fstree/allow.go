package fstree

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/moby/patternmatcher"
)

// Allowance is a difference from stock's image that a report line of the
// build explains: what may differ, and the pass, Dockerfile line and
// words that say why.
//
// A Pattern explains every difference on the paths it matches and on
// everything under them: "/app/.git" explains "/app/.git/HEAD". It
// explains the matched directory itself too, so a cache mount target left
// in the optimized image as the empty directory BuildKit made for the
// mount point, with its own mode and owner, is explained where stock had
// the full directory. The directories above a match are not explained:
// a pass that moves a directory out of the image changes nothing above
// it, and a difference there is something else. Parents widens that for
// a change whose mount point BuildKit made and removed again (see
// Parents).
//
// A Pattern that is not MissingOnly or ContentOnly also explains a path
// whose hard links differ when stock linked it with a path the pattern
// matches: a cache mount takes that shared file (a package store's) out of
// the image, and the tool, unable to link across filesystems, copies it
// instead, so the paths that were links of it become files of their own
// with the same content (pnpm's node_modules, uv's environments).
//
// A Package explains the dpkg database that the package's removal
// changes (see Expand) and, once Expand has read its file list from
// stock's tree, each listed path that the optimized image lacks.
type Allowance struct {
	// Pattern is an absolute path pattern in moby/patternmatcher syntax
	// ("*", "?", "[...]" within a name, "**" for any number of
	// directories): "/app/.git", "/root/.cache/pip",
	// "/app/**/node_modules/.cache". Exclusions ("!") are refused.
	Pattern string `json:"pattern,omitempty"`
	// Package is a Debian package a pass left out of the image, as
	// "name" or "name:arch".
	Package string `json:"package,omitempty"`
	// MissingOnly narrows the allowance to paths the optimized image
	// lacks: a change that only leaves files out explains nothing else.
	MissingOnly bool `json:"missingOnly,omitempty"`
	// Parents also explains the directories above Pattern's literal
	// prefix (the names before its first wildcard) that only one image
	// has: a cache mount's target made by BuildKit, with the directories
	// above it, and removed again if empty after the step. Only their
	// being missing or added is explained, never a mode or an owner:
	// BuildKit makes a mount point only where nothing was, so it never
	// changes a directory that exists. Every entry under such a directory
	// is reported on its own, so this cannot hide content.
	Parents bool `json:"parents,omitempty"`
	// ContentOnly narrows the allowance to a path both images have as a
	// regular file whose content alone differs: a file that records when
	// or in which order steps ran (a log, a cache of the dynamic linker)
	// may hold other bytes, but not go missing or change mode or owner.
	ContentOnly bool `json:"contentOnly,omitempty"`
	// Pass, Line and Reason say which pass made the change, at which
	// Dockerfile line, and the report line's words.
	Pass   string `json:"pass"`
	Line   int    `json:"line"`
	Reason string `json:"reason"`

	// Dependencies are, for a Package, the packages it depends on that
	// left the image with it, as Expand found them in the two trees'
	// dpkg status (set by Expand, shown in the result).
	Dependencies []string `json:"dependencies,omitempty"`

	// files are the paths dpkg lists for Package, read by Expand.
	files map[string]bool
	// only, when set, are the only differences the allowance explains:
	// the kinds of difference (What) at each path, as the comparer
	// checked them (noise it found by reading both files, or where
	// stock's own build varies).
	only map[string]map[string]bool
	// shapes, when set, also explains a path that appears in one tree
	// only (added, missing) when a path of the same shape (its digit runs
	// as #) did so between stock's own two runs: a name its build makes
	// anew each time (yarn's /tmp/yarn--<ms>-<random> script shims).
	shapes map[string]map[string]bool
}

// rule is an allowance made ready to match.
type rule struct {
	a *Allowance
	// pattern matches Pattern, nil if there is none.
	pattern *patternmatcher.PatternMatcher
	// above are the directories Parents explains.
	above map[string]bool
	// pkgs are Package without its architecture and its Dependencies.
	pkgs []string
}

// Explain sets, on each difference, the first allowance of allow that
// explains it (a pointer into allow), nil where none does. It fails on an
// allowance it cannot use (a relative pattern, a bad package name) and
// then sets nothing.
func Explain(diffs []Difference, allow []Allowance) error {
	by, err := explain(diffs, allow)
	if err != nil {
		return err
	}
	for i, j := range by {
		diffs[i].Allowance = nil
		if j >= 0 {
			diffs[i].Allowance = &allow[j]
		}
	}
	return nil
}

// explain returns, for each difference, the index of the first
// allowance that explains it, -1 if none.
func explain(diffs []Difference, allow []Allowance) ([]int, error) {
	rules, err := compile(allow)
	if err != nil {
		return nil, err
	}
	by := make([]int, len(diffs))
	for i, d := range diffs {
		by[i] = slices.IndexFunc(rules, func(r rule) bool { return r.explains(d) })
	}
	return by, nil
}

// compile readies the allowances, or says every one that is unusable.
func compile(allow []Allowance) ([]rule, error) {
	rules := make([]rule, len(allow))
	var errs []error
	for i := range allow {
		r, err := compileOne(&allow[i])
		if err != nil {
			errs = append(errs, fmt.Errorf("allowance %d (pass %s, line %d): %w", i, allow[i].Pass, allow[i].Line, err))
		}
		rules[i] = r
	}
	return rules, errors.Join(errs...)
}

func compileOne(a *Allowance) (rule, error) {
	r := rule{a: a}
	if a.Pattern == "" && a.Package == "" {
		return r, errors.New("names neither a pattern nor a package")
	}
	if a.Package != "" {
		name, _, err := parsePackage(a.Package)
		if err != nil {
			return r, err
		}
		r.pkgs = append([]string{name}, a.Dependencies...)
	}
	if a.Pattern == "" {
		return r, nil
	}
	if !strings.HasPrefix(a.Pattern, "/") {
		return r, fmt.Errorf("pattern %q is not absolute", a.Pattern)
	}
	if path.Clean(a.Pattern) == rootPath {
		return r, fmt.Errorf("pattern %q would explain the whole image", a.Pattern)
	}
	pm, err := patternmatcher.New([]string{strings.TrimLeft(a.Pattern, "/")})
	if err != nil {
		return r, fmt.Errorf("pattern %q: %w", a.Pattern, err)
	}
	r.pattern = pm
	if a.Parents {
		r.above = literalParents(a.Pattern)
	}
	return r, nil
}

// explains tells whether the rule explains d. The dpkg database of a
// package is explained whatever the difference (its status file changes
// content, not only goes missing), and a package's listed files only when
// missing, MissingOnly or not: removing a package does nothing else to
// them (see Expand).
func (r rule) explains(d Difference) bool {
	switch {
	case slices.ContainsFunc(r.pkgs, func(p string) bool { return isDpkgDatabase(d.Path, p) }):
		return true
	case r.a.files[d.Path] && d.What == WhatMissing:
		return true
	case r.a.only != nil:
		return r.a.only[d.Path][d.What] || r.a.shapes[pathShape(d.Path)][d.What]
	case r.a.MissingOnly && d.What != WhatMissing:
		return false
	case r.a.ContentOnly && d.What != WhatContent:
		return false
	case d.What == WhatHardLink && r.pattern != nil && slices.ContainsFunc(d.stockGroup, r.matches):
		return true
	case r.pattern != nil && r.matches(d.Path):
		return true
	}
	return r.above[d.Path] && (d.What == WhatMissing && d.Stock == string(Dir) || d.What == WhatAdded && d.Optimized == string(Dir))
}

// matches tells whether the pattern matches p or a directory above it.
// The matcher is given both without their leading slash, the relative form
// .dockerignore patterns have.
func (r rule) matches(p string) bool {
	rel := strings.TrimLeft(p, "/")
	if rel == "" {
		return false
	}
	ok, err := r.pattern.MatchesOrParentMatches(rel)
	return err == nil && ok
}

// literalParents are the directories, but the root, above every path the
// pattern p can match: the prefixes of the names before its first
// wildcard, that whole literal part too if a wildcard follows it.
func literalParents(p string) map[string]bool {
	names := strings.Split(strings.Trim(p, "/"), "/")
	literal := len(names)
	for i, n := range names {
		if strings.ContainsAny(n, `*?[\`) {
			literal = i
			break
		}
	}
	last := literal - 1 // a wholly literal pattern: its own path is no parent
	if literal < len(names) {
		last = literal
	}
	out := map[string]bool{}
	for i := 1; i <= last; i++ {
		out["/"+strings.Join(names[:i], "/")] = true
	}
	return out
}
