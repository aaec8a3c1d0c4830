package llbopt

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// What the image that ships may hold of the build context. A default pass
// may leave a directory out of the context only where no step reads it;
// one that reaches the image that ships may also be read by its program
// when it runs, which nothing in the graph shows, so it counts as read.
//
// Where the context's files are is followed as path prefixes per state:
// the context itself holds them under /; a copy moves the ones under (or
// above) its source to its destination; an op that joins states keeps
// every input's. A RUN keeps its root's and adds none: a RUN that could
// copy or move the directories in question reads them, and then the pass
// keeps them for that reason already (readsVCS, readsNoise), before this
// is asked.

// shipsContext says why the image that ships may hold files of the given
// context sources (the step that puts them there, with its line), ""
// when it cannot.
func shipsContext(g *Graph, sources []*Node) string {
	term := g.Terminal()
	if term == nil || len(sources) == 0 {
		return ""
	}
	w := contextWhere{at: map[Edge][]string{}}
	for _, s := range sources {
		w.at[Edge{Node: s}] = []string{"/"}
	}
	if term.Op.Op != nil || len(term.Inputs) != 1 {
		for _, e := range term.Inputs {
			if len(w.of(e)) > 0 {
				return "the build's result holds it"
			}
		}
		return ""
	}
	steps, start := layerChain(g, term.Inputs[0])
	if start.Node != nil && len(w.of(start)) > 0 {
		return "the stage is built on a state that holds it"
	}
	for _, s := range steps {
		if p := w.of(s.out); len(p) > 0 {
			what := fmt.Sprintf("%s puts it in %s", s.kind(), strings.Join(p, " "))
			if loc, ok := g.Location(s.node); ok {
				what += fmt.Sprintf(" at line %d", loc.Start)
			}
			return what
		}
	}
	return ""
}

// contextWhere remembers, per state, the path prefixes under which the
// context's files may be.
type contextWhere struct {
	at map[Edge][]string
}

// of returns where the context's files may be in state e.
func (w contextWhere) of(e Edge) []string {
	if e.Node == nil {
		return nil
	}
	if p, ok := w.at[e]; ok {
		return p
	}
	w.at[e] = nil // a graph has no cycles; this only stops a revisit
	p := w.compute(e)
	w.at[e] = p
	return p
}

func (w contextWhere) compute(e Edge) []string {
	n := e.Node
	switch {
	case n.Op.GetSource() != nil:
		return nil
	case n.Op.GetExec() != nil:
		for _, m := range n.Op.GetExec().Mounts {
			if m.Output == e.Index && m.Input >= 0 && int(m.Input) < len(n.Inputs) {
				return w.of(n.Inputs[m.Input])
			}
		}
		return nil
	case n.Op.GetFile() != nil:
		return w.fileOut(n, e.Index)
	}
	// A merge, a diff, a nested build, anything else: every input's,
	// anywhere it may put them.
	var out []string
	for _, in := range n.Inputs {
		if len(w.of(in)) > 0 {
			if n.Op.GetMerge() != nil {
				out = addPrefixes(out, w.of(in)...)
			} else {
				return []string{"/"}
			}
		}
	}
	return out
}

// fileOut follows a file op's actions to its output index.
func (w contextWhere) fileOut(n *Node, index int64) []string {
	actions := n.Op.GetFile().Actions
	memo := map[int][]string{}
	var input func(i int64) []string
	var action func(k int) []string
	input = func(i int64) []string {
		switch {
		case i < 0:
			return nil // scratch
		case int(i) < len(n.Inputs):
			return w.of(n.Inputs[i])
		case int(i)-len(n.Inputs) < len(actions):
			return action(int(i) - len(n.Inputs))
		}
		return []string{"/"}
	}
	action = func(k int) []string {
		if p, ok := memo[k]; ok {
			return p
		}
		memo[k] = nil
		a := actions[k]
		out := slices.Clone(input(a.Input))
		if cp := a.GetCopy(); cp != nil {
			out = addPrefixes(out, copied(input(a.SecondaryInput), cp.Src, cp.Dest)...)
		}
		memo[k] = out
		return out
	}
	for k, a := range actions {
		if a.Output == index {
			return action(k)
		}
	}
	return nil
}

// copied is where a copy of src to dest puts the context's files that were
// under the prefixes of its source: anywhere under dest, for a source in
// or above one of them.
func copied(prefixes []string, src, dest string) []string {
	if len(prefixes) == 0 {
		return nil
	}
	s := clean(src)
	if i := strings.IndexAny(s, "*?[\\"); i >= 0 {
		s = path.Dir(clean(s[:i] + "x")) // the directory the pattern starts in
	}
	for _, p := range prefixes {
		if overlaps(s, p) {
			return []string{clean(dest)}
		}
	}
	return nil
}

// addPrefixes adds prefixes to a set, once each.
func addPrefixes(set []string, ps ...string) []string {
	for _, p := range ps {
		if !slices.Contains(set, p) {
			set = append(set, p)
		}
	}
	return set
}
