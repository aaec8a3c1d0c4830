package pkgcache

import (
	"cmp"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
)

// walker collects what the commands of one exec use.
type walker struct {
	exec       Exec
	lookup     Lookup
	caches     []found[Cache]
	defeats    []found[Defeat]
	rms        []rmCall
	unresolved []error
	unknown    []string // the kinds of the unresolved caches
	unparsed   []error
	seq        int
	commands   []Command // non-nil only for Commands
	unnamed    bool      // record commands whose name is not literal
}

// found is a finding with the order of the command it came from.
type found[T any] struct {
	v   T
	seq int
}

// Analyze finds the package-manager commands an exec runs, the cache
// directories they use and what keeps those caches from being reused.
// lookup may be nil; see Lookup.
func Analyze(e Exec, lookup Lookup) Result {
	if len(e.Args) == 0 {
		return Result{}
	}
	w := &walker{exec: e, lookup: lookup}
	sc := w.initialScope()
	c := &call{argv: argWords(e.Args, 0), sc: sc, text: strings.Join(e.Args, " "), line: 1, seq: w.next()}
	w.dispatch(c, false)
	return w.result()
}

// initialScope is what the exec's process starts with: its environment,
// HOME set as runc sets it when the environment has none, its user and
// working directory.
func (w *walker) initialScope() *scope {
	sc := &scope{vars: envVars(w.exec.Env), funcs: map[string]bool{}}
	sc.id = resolveUser(w.exec.User, w.lookup)
	if home, ok := sc.vars["HOME"]; (!ok || home.val == "") && sc.id.home != "" {
		sc.vars["HOME"] = variable{val: sc.id.home, known: true, exported: true}
	}
	sc.cwd = path.Join("/", w.exec.Cwd)
	return sc
}

// next numbers commands in the order they are written.
func (w *walker) next() int {
	w.seq++
	return w.seq
}

// addCache resolves a cache directory for a command and records it, once
// per directory.
func (w *walker) addCache(c *call, k *kind, args []word, offline bool) {
	dir, err := resolveDir(c, k, args)
	if err != nil {
		w.unresolved = append(w.unresolved, fmt.Errorf("line %d, %q: %w", c.line, c.text, err))
		if !slices.Contains(w.unknown, k.tool) {
			w.unknown = append(w.unknown, k.tool)
		}
		return
	}
	owner := c.sc.id.owner()
	for i := range w.caches {
		if have := &w.caches[i].v; have.Dir == dir {
			if have.Owner == nil {
				have.Owner = owner // root writes anywhere; the user needs the mount
			}
			return
		}
	}
	cache := Cache{Tool: k.tool, Dir: dir, Sharing: k.sharing, Owner: owner, Offline: offline, Runtime: k.runsFrom(c.sc), Links: k.links, Command: c.text, Line: c.line}
	w.caches = append(w.caches, found[Cache]{cache, c.seq})
}

// addDefeat records a defeat found in a command.
func (w *walker) addDefeat(c *call, d Defeat) {
	d.Command, d.Line = c.text, c.line
	w.defeats = append(w.defeats, found[Defeat]{d, c.seq})
}

// result orders and completes the findings.
func (w *walker) result() Result {
	if len(w.unparsed) > 0 {
		return Result{Unparsed: errors.Join(w.unparsed...)}
	}
	slices.SortStableFunc(w.caches, func(a, b found[Cache]) int {
		return cmp.Or(cmp.Compare(a.seq, b.seq), cmp.Compare(a.v.Tool, b.v.Tool))
	})
	r := Result{Unresolved: errors.Join(w.unresolved...), UnresolvedTools: w.unknown}
	for _, c := range w.caches {
		r.Caches = append(r.Caches, c.v)
	}
	w.aptClean()
	w.rmDefeats(r.Caches)
	r.Defeats = w.relevantDefeats(r.Caches)
	return r
}

// relevantDefeats keeps, in order and once each, the defeats of caches
// this exec uses.
func (w *walker) relevantDefeats(caches []Cache) []Defeat {
	slices.SortStableFunc(w.defeats, func(a, b found[Defeat]) int {
		return cmp.Or(cmp.Compare(a.seq, b.seq), cmp.Compare(a.v.Tool, b.v.Tool))
	})
	used := map[string]bool{}
	for _, c := range caches {
		used[c.Tool] = true
	}
	seen := map[string]bool{}
	var out []Defeat
	for _, d := range w.defeats {
		key := defeatKey(d.v)
		if !used[d.v.Tool] || seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, d.v)
	}
	return out
}

// defeatKey identifies a defeat by what its fix does, so that a variable
// two commands see, or an edit two commands share, is reported once.
func defeatKey(d Defeat) string {
	switch {
	case d.Fix.UnsetEnv != "":
		return fmt.Sprint(d.Tool, " env ", d.Fix.UnsetEnv)
	case len(d.Fix.Edits) > 0:
		return fmt.Sprint(d.Tool, " edits ", d.Fix.Edits)
	}
	return fmt.Sprint(d.Tool, " at ", d.Line, " ", d.What)
}

// aptConf is what the apt defeat mounts over docker-clean: apt keeps the
// packages it downloads, the apt binary included.
const aptConf = "Binary::apt::APT::Keep-Downloaded-Packages \"true\";\n"

// aptClean adds the defeat of Debian and Ubuntu images'
// /etc/apt/apt.conf.d/docker-clean, whose hooks delete every downloaded
// package after dpkg runs, to an exec that caches apt's archives.
func (w *walker) aptClean() {
	for _, c := range w.caches {
		if c.v.Tool != "apt-archives" {
			continue
		}
		note := "The image's docker-clean deletes downloaded packages after every dpkg run, whatever APT::Keep-Downloaded-Packages says; " +
			"mounting this file over it, for this exec only, keeps them in the cache and leaves the image's file as it is."
		d := Defeat{Tool: c.v.Tool, What: "/etc/apt/apt.conf.d/docker-clean", Command: c.v.Command, Line: c.v.Line,
			Fix: Fix{Mount: &FileMount{Path: "/etc/apt/apt.conf.d/docker-clean", Content: aptConf}, Note: note}}
		w.defeats = append(w.defeats, found[Defeat]{d, c.seq})
		return
	}
}
