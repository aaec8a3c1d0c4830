package llbopt

import (
	"fmt"

	"github.com/moby/buildkit/solver/pb"
)

// The layer model's questions about a chain of steps (chain.go) that the
// passes changing the exported layers (squash, buildtools) ask: each
// step's own layer, its instruction kind, where two steps may not share a
// layer, and whether a copy reads a tree a command built.

// stepLayers returns one diff per step from first to last, inclusive: each
// the layer of one step, taken from its op's own snapshot. One diff over
// several steps would do in a plain solve, but through a frontend BuildKit
// may compute it as one layer, and the image's history must know how many
// layers there are.
func stepLayers(g *Graph, steps []step, first, last int) []Edge {
	var out []Edge
	for i := first; i <= last; i++ {
		out = append(out, addDiff(g, steps[i].prev, steps[i].out, "the layer of "+steps[i].loc.String()))
	}
	return out
}

// kindsFrom lists the instruction kinds of steps from i to the last, as a
// LayerEdit wants them.
func kindsFrom(steps []step, i int) []string {
	var kinds []string
	for _, s := range steps[i:] {
		kinds = append(kinds, s.kind())
	}
	return kinds
}

// builtByRun tells whether a copy action reads a tree another stage built by
// running commands: not a source as it is (the build context, which
// .dockerignore governs, an image, a Git checkout whose .git the user may
// have asked to keep, a URL) nor a stage that only copied files together.
func builtByRun(g *Graph, n *Node, a *pb.FileAction) bool {
	in := int(a.SecondaryInput)
	if in < 0 || in >= len(n.Inputs) {
		return false
	}
	steps, _ := layerChain(g, n.Inputs[in])
	for _, s := range steps {
		if s.node.Op.GetExec() != nil {
			return true
		}
	}
	return false
}

// boundary says why steps j and j+1 cannot share a layer, "" when they can.
func boundary(steps []step, j int, users map[Edge]int) string {
	a, b := steps[j], steps[j+1]
	switch {
	case a.stage < 0 || b.stage < 0:
		return fmt.Sprintf("the step before line %d has no Dockerfile line", b.loc.Start)
	case a.stage != b.stage:
		return fmt.Sprintf("a stage starts between lines %d and %d", a.loc.Start, b.loc.Start)
	case users[a.out] > 1:
		return fmt.Sprintf("another step uses the result of line %d", a.loc.Start)
	}
	return ""
}

// makesOnlyDirs tells whether a file op only makes directories, as WORKDIR
// does.
func makesOnlyDirs(n *Node) bool {
	f := n.Op.GetFile()
	if f == nil || len(f.Actions) == 0 {
		return false
	}
	for _, a := range f.Actions {
		if a.GetMkdir() == nil {
			return false
		}
	}
	return true
}
