package pkgcache

import (
	"fmt"
	"slices"
)

// match records the caches a tool invocation uses and what defeats them.
func (w *walker) match(c *call, t *tool) {
	if c == nil {
		return
	}
	args := c.argv[1:]
	if hasOption(args, t.skip) {
		return
	}
	pos := positionals(args, t.valueOpts)
	w.cmdDefeats(c, t, args, pos)
	u := t.use(args, pos)
	if u == nil {
		return
	}
	if cmd := w.last(); cmd != nil {
		cmd.Uses = true
	}
	offline := t.offlineIn(c.sc, args)
	for _, name := range u.caches {
		w.addCache(c, kinds[name], args, offline)
	}
	w.flagDefeats(c, t, args)
	w.envDefeats(c, t)
}

// positionals returns the words that are not options nor option values.
func positionals(args []word, valueOpts []string) []word {
	var out []word
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a.plain && a.val == "--":
			return append(out, args[i+1:]...)
		case a.lit && len(a.val) > 1 && a.val[0] == '-':
			if slices.Contains(valueOpts, a.val) {
				i++
			}
		default:
			out = append(out, a)
		}
	}
	return out
}

// hasOption reports whether any of opts is given, before any "--".
func hasOption(args []word, opts []string) bool {
	for _, a := range args {
		if a.plain && a.val == "--" {
			return false
		}
		if a.lit && slices.Contains(opts, a.val) {
			return true
		}
	}
	return false
}

// hasSub reports whether the positional words start with sub.
func hasSub(pos []word, sub []string) bool {
	if len(pos) < len(sub) {
		return false
	}
	for i, s := range sub {
		if !pos[i].plain || pos[i].val != s {
			return false
		}
	}
	return true
}

// use returns the first use the invocation matches, or nil.
func (t *tool) use(args, pos []word) *use {
	for i := range t.uses {
		u := &t.uses[i]
		var ok bool
		switch {
		case u.always:
			ok = true
		case u.bare:
			ok = len(pos) == 0
		case u.minArgs > 0:
			ok = len(pos) >= u.minArgs
		default:
			ok = hasSub(pos, u.sub)
		}
		if ok && (len(u.needs) == 0 || hasOption(args, u.needs)) {
			return u
		}
	}
	return nil
}

// offlineIn reports whether the invocation forbids the network.
func (t *tool) offlineIn(sc *scope, args []word) bool {
	if hasOption(args, t.offline) {
		return true
	}
	for _, e := range t.offEnvs {
		if v, ok := sc.env(e.name); ok && v.known && e.holds(v.val) {
			return true
		}
	}
	return false
}

// cmdDefeats records the tool's commands that empty a cache.
func (w *walker) cmdDefeats(c *call, t *tool, args, pos []word) {
	for _, d := range t.cmds {
		if !hasSub(pos, d.sub) || d.flag != "" && !hasOption(args, []string{d.flag}) {
			continue
		}
		if d.breaks {
			note := "It may delete the cache directory itself, which fails on a mount point, and may clear caches that are not mounted: it cannot be neutralized."
			w.addDefeat(c, Defeat{Tool: d.cache, What: c.text, Breaks: true, Fix: Fix{Note: note}})
			continue
		}
		note := "With the cache mounted this only empties the cache, and the image gets none of its files either way: replace the command with true."
		w.addDefeat(c, Defeat{Tool: d.cache, What: c.text, Fix: dropCommand(c, note)})
	}
}

// flagDefeats records the options that turn a cache off.
func (w *walker) flagDefeats(c *call, t *tool, args []word) {
	for _, f := range t.flags {
		for _, a := range args {
			if a.plain && a.val == "--" {
				break
			}
			if !a.lit || a.val != f.flag {
				continue
			}
			w.addDefeat(c, Defeat{Tool: f.cache, What: a.text, Fix: flagFix(a, f)})
		}
	}
}

// flagFix drops the option, or writes its replacement.
func flagFix(a word, f flagDefeat) Fix {
	note := fmt.Sprintf("%s turns the %s cache off; with the cache mounted the image gets none of its files either way, so it can go.", f.flag, f.cache)
	if f.replace != "" {
		note = fmt.Sprintf("%s turns the %s cache off; %s still fetches a fresh index, and keeps it and the packages in the mounted cache.", f.flag, f.cache, f.replace)
	}
	return editFix(a.span.edit(f.replace), note)
}

// envDefeats records the variables that turn a cache off.
func (w *walker) envDefeats(c *call, t *tool) {
	for _, e := range t.envs {
		v, ok := c.sc.env(e.name)
		if !ok || !v.known || !e.holds(v.val) {
			continue
		}
		note := fmt.Sprintf("%s turns the %s cache off; with the cache mounted the image gets none of its files either way, so it can go.", e.name, e.cache)
		fix := editFix(v.from.edit, note)
		if v.from.env {
			fix = Fix{UnsetEnv: e.name, Note: note}
		}
		what := v.from.text
		if what == "" {
			what = e.name + "=" + v.val
		}
		w.addDefeat(c, Defeat{Tool: e.cache, What: what, Fix: fix})
	}
}

// dropCommand is the fix that turns a whole command into true.
func dropCommand(c *call, note string) Fix {
	return editFix(c.span.edit("true"), note)
}

// editFix is a fix made of one edit, or only a note when the text cannot
// be edited in place (it sits inside a quoted string with escapes).
func editFix(e *Edit, note string) Fix {
	if e == nil {
		return Fix{Note: note + " It cannot be edited in place here."}
	}
	return Fix{Edits: []Edit{*e}, Note: note}
}
