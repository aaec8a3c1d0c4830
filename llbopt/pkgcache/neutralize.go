package pkgcache

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Neutralize returns e with the edits and unset variables of the defeats'
// fixes applied; e itself is left as it is. Fix.Mount is the caller's to
// act on. Identical edits are applied once; overlapping ones are an error.
func Neutralize(e Exec, ds []Defeat) (Exec, error) {
	edits, unset := collectFixes(ds)
	args, err := applyEdits(e.Args, edits)
	if err != nil {
		return e, fmt.Errorf("neutralizing defeats: %w", err)
	}
	out := Exec{Args: args, User: e.User, Cwd: e.Cwd}
	for _, kv := range e.Env {
		if k, _, _ := strings.Cut(kv, "="); !unset[k] {
			out.Env = append(out.Env, kv)
		}
	}
	return out, nil
}

// collectFixes gathers the distinct edits and the variables to unset.
func collectFixes(ds []Defeat) ([]Edit, map[string]bool) {
	var edits []Edit
	unset := map[string]bool{}
	for _, d := range ds {
		for _, ed := range d.Fix.Edits {
			if !slices.Contains(edits, ed) {
				edits = append(edits, ed)
			}
		}
		if d.Fix.UnsetEnv != "" {
			unset[d.Fix.UnsetEnv] = true
		}
	}
	return edits, unset
}

// applyEdits applies edits to a copy of args, from the last to the first
// within each argument, then removes the arguments edits left empty.
func applyEdits(args []string, edits []Edit) ([]string, error) {
	out := slices.Clone(args)
	slices.SortFunc(edits, func(a, b Edit) int {
		return cmp.Or(cmp.Compare(a.Arg, b.Arg), cmp.Compare(b.Start, a.Start))
	})
	removed := map[int]bool{}
	for i, ed := range edits {
		if err := checkEdit(out, edits, i); err != nil {
			return nil, err
		}
		s := out[ed.Arg]
		out[ed.Arg] = s[:ed.Start] + ed.Text + s[ed.End:]
		if out[ed.Arg] == "" {
			removed[ed.Arg] = true
		}
	}
	kept := out[:0]
	for i, a := range out {
		if !removed[i] {
			kept = append(kept, a)
		}
	}
	return kept, nil
}

// checkEdit rejects an edit out of range or overlapping the one applied
// before it (which lies after it in the same argument).
func checkEdit(args []string, edits []Edit, i int) error {
	ed := edits[i]
	if ed.Arg < 0 || ed.Arg >= len(args) || ed.Start < 0 || ed.Start > ed.End || ed.End > len(args[ed.Arg]) {
		return fmt.Errorf("edit %+v is out of range", ed)
	}
	if i > 0 && edits[i-1].Arg == ed.Arg && edits[i-1].Start < ed.End {
		return fmt.Errorf("edits %+v and %+v overlap", ed, edits[i-1])
	}
	return nil
}
