package llbopt

import (
	"strings"

	"github.com/moby/buildkit/solver/pb"
)

// What the passes that read the build context (contextfilter, secretfilter,
// manifestfirst) know of it: the main context's source ops and their first
// reader.

// mainContext is the identifier of the build context's local source.
const mainContext = "local://context"

// mainSources returns the main context's local sources that keep accepts
// and that an op of the graph reads. A graph that only loads the context,
// as the frontend loads .dockerignore before it converts the Dockerfile,
// copies nothing into an image: it is left as it is, and reported nowhere.
func mainSources(g *Graph, keep func(*pb.SourceOp) bool) []*Node {
	used := map[*Node]bool{}
	for _, n := range g.Nodes() {
		if n.Op.Op == nil {
			continue // the terminal only names the result
		}
		for _, e := range n.Inputs {
			used[e.Node] = true
		}
	}
	var out []*Node
	for _, n := range g.Nodes() {
		if src := n.Op.GetSource(); src != nil && src.Identifier == mainContext && used[n] && keep(src) {
			out = append(out, n)
		}
	}
	return out
}

// firstUser is the first op that reads one of the sources (a COPY), whose
// line the report can name; a source itself has none.
func firstUser(g *Graph, sources []*Node) *Node {
	for _, n := range g.Nodes() {
		for _, e := range n.Inputs {
			for _, s := range sources {
				if e.Node == s && len(n.Locations) > 0 {
					return n
				}
			}
		}
	}
	return sources[0]
}

// copiesLocal tells whether a file op copies from a local source of the
// client (the build context or a named local context): files that change
// with the user's every edit.
func copiesLocal(n *Node) bool {
	f := n.Op.GetFile()
	if f == nil {
		return false
	}
	for _, a := range f.Actions {
		c := a.GetCopy()
		in := int(a.SecondaryInput)
		if c == nil || in < 0 || in >= len(n.Inputs) || n.Inputs[in].Node == nil {
			continue
		}
		if src := n.Inputs[in].Node.Op.GetSource(); src != nil && strings.HasPrefix(src.Identifier, "local://") {
			return true
		}
	}
	return false
}
