package llbopt

import (
	"bytes"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/solver/pb"
)

// step is one layer of an image as the graph makes it: an exec whose root
// filesystem is the state before it, or a file op working on that state.
type step struct {
	node *Node
	out  Edge // the state the step makes
	prev Edge // the state it works on; Node is nil for scratch
	// stage is the index of the Dockerfile stage the step belongs to, -1
	// when the op has no location to tell.
	stage int
	loc   Location
}

// kind is the Dockerfile instruction family that makes such a layer, as the
// image history's created_by starts: RUN for an exec, COPY (or ADD,
// WORKDIR) for a file op.
func (s step) kind() string {
	if s.node.Op.GetExec() != nil {
		return "RUN"
	}
	return "COPY"
}

// layerChain follows the root filesystem back from top to where its layers
// start: an image, scratch, or an op that joins several filesystems (a
// merge from COPY --link, a diff, a nested build), which stays whole. The
// steps come base first; start is the state the first one works on.
func layerChain(g *Graph, top Edge) (steps []step, start Edge) {
	stages := stageLines(g)
	e := top
	for e.Node != nil {
		prev, ok := rootInput(e)
		if !ok {
			break
		}
		s := step{node: e.Node, out: e, prev: prev, stage: -1}
		if loc, ok := g.Location(e.Node); ok {
			s.loc = loc
			s.stage = stageOf(stages[loc.File], loc.Start)
		}
		steps = append(steps, s)
		e = prev
	}
	for i, j := 0, len(steps)-1; i < j; i, j = i+1, j-1 {
		steps[i], steps[j] = steps[j], steps[i]
	}
	return steps, e
}

// rootInput returns the state an op's output e was made from, when the
// output is that state with one layer more.
func rootInput(e Edge) (Edge, bool) {
	n := e.Node
	switch op := n.Op.Op.(type) {
	case *pb.Op_Exec:
		for _, m := range op.Exec.Mounts {
			if int64(m.Output) != e.Index {
				continue
			}
			if m.Dest != pb.RootMount || m.Input < 0 || int(m.Input) >= len(n.Inputs) || m.MountType != pb.MountType_BIND {
				return Edge{}, false
			}
			return n.Inputs[m.Input], true
		}
	case *pb.Op_File:
		actions := op.File.Actions
		idx := -1
		for i, a := range actions {
			if int64(a.Output) == e.Index {
				idx = i
			}
		}
		// Follow the action's input through earlier actions of the same op
		// (a COPY of several sources is one op of chained actions) down to
		// one of the op's inputs, or scratch.
		for seen := 0; idx >= 0 && seen <= len(actions); seen++ {
			in := int(actions[idx].Input)
			switch {
			case in < 0:
				return Edge{}, true
			case in < len(n.Inputs):
				return n.Inputs[in], true
			default:
				idx = in - len(n.Inputs)
				if idx >= len(actions) {
					return Edge{}, false
				}
			}
		}
	}
	return Edge{}, false
}

// stageLines returns, per Dockerfile name, the lines of its FROM
// instructions in order: the first line of each stage.
func stageLines(g *Graph) map[string][]int {
	out := map[string][]int{}
	for _, info := range g.infos {
		if info == nil || len(info.Data) == 0 {
			continue
		}
		res, err := parser.Parse(bytes.NewReader(info.Data))
		if err != nil {
			continue // no stages known: every step of this file is its own
		}
		var lines []int
		for _, n := range res.AST.Children {
			if strings.EqualFold(n.Value, "from") {
				lines = append(lines, n.StartLine)
			}
		}
		out[info.Filename] = lines
	}
	return out
}

// stageOf returns the index of the stage that line belongs to, -1 when the
// file's stages are unknown or the line comes before the first FROM.
func stageOf(froms []int, line int) int {
	stage := -1
	for i, l := range froms {
		if l <= line {
			stage = i
		}
	}
	return stage
}
