package pkgcache

import (
	"path"
	"strings"
)

// rmCall is an rm command and the paths it removes.
type rmCall struct {
	c        *call
	targets  []rmTarget
	operands int // all operands, literal or not
}

// rmTarget is one literal operand of rm, made absolute.
type rmTarget struct {
	w    word
	path string // may hold glob characters
}

// rm records what an rm removes; whether that touches a cache is known
// once the whole exec has been walked.
func (w *walker) rm(c *call) {
	r := rmCall{c: c}
	opts := true
	for _, a := range c.argv[1:] {
		if opts && a.plain && a.val == "--" {
			opts = false
			continue
		}
		if opts && a.lit && len(a.val) > 1 && a.val[0] == '-' {
			continue
		}
		r.operands++
		if p := joinDir(c.sc.cwd, a.val); a.lit && a.val != "" && p != "" {
			r.targets = append(r.targets, rmTarget{w: a, path: p})
		}
	}
	w.rms = append(w.rms, r)
}

// rmDefeats records the rm commands that remove a cache's contents, or
// its mount point, which fails the build once it is a mount.
func (w *walker) rmDefeats(caches []Cache) {
	for _, r := range w.rms {
		hits := make([]rmHit, len(caches))
		gone := map[int]bool{}
		for i, cache := range caches {
			hits[i] = r.hit(cache.Dir)
			for _, t := range hits[i].targets {
				gone[t] = true
			}
		}
		for i, cache := range caches {
			if len(hits[i].targets) > 0 {
				w.addDefeat(r.c, r.defeat(cache.Tool, hits[i], len(gone) == r.operands))
			}
		}
	}
}

// rmHit is what one rm removes of one cache: the indexes of the targets.
type rmHit struct {
	targets []int
	breaks  bool
}

// hit returns the targets that touch dir.
func (r rmCall) hit(dir string) rmHit {
	var h rmHit
	for i, t := range r.targets {
		switch relation(t.path, dir) {
		case relMountPoint:
			h.breaks = true
			h.targets = append(h.targets, i)
		case relInside:
			h.targets = append(h.targets, i)
		}
	}
	return h
}

// defeat is the defeat of one cache by an rm: its operands go, or, when
// the rm removes nothing else, the whole command.
func (r rmCall) defeat(tool string, h rmHit, whole bool) Defeat {
	note := "With the cache mounted this only empties the cache, and the image gets none of its files either way, so it can go."
	if h.breaks {
		note = "This removes the cache's mount point: rm fails with \"Device or resource busy\" once the directory is a cache mount, so it must go."
	}
	var (
		what  []string
		edits []Edit
	)
	editable := true
	for _, i := range h.targets {
		what = append(what, r.targets[i].w.text)
		if e := r.targets[i].w.span.edit(""); e != nil {
			edits = append(edits, *e)
		} else {
			editable = false
		}
	}
	fix := Fix{Edits: edits, Note: note}
	switch {
	case whole:
		fix = dropCommand(r.c, note)
	case !editable:
		fix = editFix(nil, note)
	}
	return Defeat{Tool: tool, What: strings.Join(what, " "), Breaks: h.breaks, Fix: fix}
}

// rel is how a removed path relates to a cache directory.
type rel int

const (
	relNone       rel = iota
	relInside         // it removes files in the cache
	relMountPoint     // it removes the cache directory or one of its parents
)

// relation tells how removing target affects dir. target may be a glob
// pattern; as in the shell, * and ? do not match a leading dot.
func relation(target, dir string) rel {
	if !strings.ContainsAny(target, "*?[") {
		switch {
		case target == dir || target == "/" || strings.HasPrefix(dir, target+"/"):
			return relMountPoint
		case strings.HasPrefix(target, dir+"/"):
			return relInside
		}
		return relNone
	}
	for a := dir; a != "/" && a != "."; a = path.Dir(a) {
		if globMatch(target, a) {
			return relMountPoint
		}
	}
	if strings.HasPrefix(target, dir+"/") {
		return relInside
	}
	return relNone
}

// globMatch matches a path against a pattern the way the shell expands
// it: a name starting with a dot needs a pattern starting with a dot.
func globMatch(pattern, name string) bool {
	if ok, err := path.Match(pattern, name); !ok || err != nil {
		return false
	}
	ps, ns := strings.Split(pattern, "/"), strings.Split(name, "/")
	for i := range ns {
		if strings.HasPrefix(ns[i], ".") && !strings.HasPrefix(ps[i], ".") {
			return false
		}
	}
	return true
}
