package llbopt

import (
	"bytes"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/solver/pb"
)

// step is one layer of an image as the graph makes it: an exec whose root
// filesystem is the state before it, or a file op working on that state,
// or a merge that puts the layer of an exec on a state (an install run
// before the source was copied, its layer then laid on the copy).
type step struct {
	node *Node // the op that makes the layer: the exec, for a merged one
	out  Edge  // the state the step makes
	prev Edge  // the state it works on; Node is nil for scratch
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
		prev, node, ok := rootInput(e)
		if !ok {
			break
		}
		s := step{node: node, out: e, prev: prev, stage: -1}
		if loc, ok := g.Location(node); ok {
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
// output is that state with one layer more, and the op that made the layer.
func rootInput(e Edge) (Edge, *Node, bool) {
	n := e.Node
	if op, ok := n.Op.Op.(*pb.Op_Merge); ok {
		if run := mergedRun(n, op.Merge); run != nil {
			return n.Inputs[0], run, true
		}
		return Edge{}, nil, false
	}
	prev, ok := opInput(e)
	return prev, n, ok
}

// mergedRun returns the exec whose layer a merge of two inputs puts on
// the first: the second is the diff of that exec's root filesystem over
// the state it ran on. Nil for any other merge.
func mergedRun(n *Node, m *pb.MergeOp) *Node {
	if len(m.Inputs) != 2 || len(n.Inputs) != 2 || m.Inputs[0].Input != 0 || m.Inputs[1].Input != 1 || n.Inputs[0].Node == nil {
		return nil
	}
	d := n.Inputs[1].Node
	diff := d.Op.GetDiff()
	if diff == nil || diff.Lower == nil || diff.Upper == nil || diff.Lower.Input < 0 || diff.Upper.Input < 0 ||
		int(diff.Lower.Input) >= len(d.Inputs) || int(diff.Upper.Input) >= len(d.Inputs) {
		return nil
	}
	lower, upper := d.Inputs[diff.Lower.Input], d.Inputs[diff.Upper.Input]
	if upper.Node == nil || upper.Node.Op.GetExec() == nil {
		return nil
	}
	if prev, ok := opInput(upper); !ok || prev != lower {
		return nil
	}
	return upper.Node
}

// rootAction returns the action of a file op that reads the state its
// output index out was made from: the action making out, followed through
// earlier actions of the same op (a COPY of several sources is one op of
// chained actions) down to one that reads one of the op's inputs or
// scratch (Input < 0). False when the chain goes nowhere.
func rootAction(n *Node, f *pb.FileOp, out int64) (int, bool) {
	idx := -1
	for i, a := range f.Actions {
		if int64(a.Output) == out {
			idx = i
		}
	}
	for seen := 0; idx >= 0 && seen <= len(f.Actions); seen++ {
		in := int(f.Actions[idx].Input)
		if in < len(n.Inputs) {
			return idx, true
		}
		idx = in - len(n.Inputs)
		if idx >= len(f.Actions) {
			return 0, false
		}
	}
	return 0, false
}

// opInput returns the state an exec's or a file op's output e was made
// from.
func opInput(e Edge) (Edge, bool) {
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
		idx, ok := rootAction(n, op.File, e.Index)
		if !ok {
			return Edge{}, false
		}
		if in := op.File.Actions[idx].Input; in >= 0 {
			return n.Inputs[in], true
		}
		return Edge{}, true // scratch
	}
	return Edge{}, false
}

// edgeUsers counts the ops that use each output, leaving out the ops that
// only make the layer of a merged run (the states the run was made on,
// off the chain of the image): they are part of that step, not other users
// of the state they start from.
func edgeUsers(g *Graph) map[Edge]int {
	side := mergedRunInputs(g)
	users := map[Edge]int{}
	for _, n := range g.Nodes() {
		if side[n] {
			continue
		}
		for _, e := range n.Inputs {
			users[e]++
		}
	}
	return users
}

// mergedRunInputs returns the ops a merged run ran on that are not on the
// chain of the state its layer is merged onto.
func mergedRunInputs(g *Graph) map[*Node]bool {
	side := map[*Node]bool{}
	for _, n := range g.Nodes() {
		m := n.Op.GetMerge()
		if m == nil || mergedRun(n, m) == nil {
			continue
		}
		base := map[*Node]bool{}
		steps, start := layerChain(g, n.Inputs[0])
		for _, s := range steps {
			base[s.out.Node] = true
		}
		base[start.Node] = true
		d := n.Inputs[1].Node
		e := d.Inputs[d.Op.GetDiff().Lower.Input]
		for e.Node != nil && !base[e.Node] {
			side[e.Node] = true
			prev, _, ok := rootInput(e)
			if !ok {
				break
			}
			e = prev
		}
	}
	return side
}

// stageLines returns, per Dockerfile name, the lines of its FROM
// instructions in order: the first line of each stage. The map is shared:
// callers read it.
func stageLines(g *Graph) map[string][]int {
	g.stagesOnce.Do(func() { g.stages = parseStageLines(g.infos) })
	return g.stages
}

// parseStageLines parses each source file once for stageLines.
func parseStageLines(infos []*pb.SourceInfo) map[string][]int {
	out := map[string][]int{}
	for _, info := range infos {
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

// setRootInput makes the op whose output is e work on prev instead of the
// state rootInput returns, every other input as it was: the root mount of
// an exec, the first action's input of a file op, the base of a merged
// run. An input slot the op also uses for something else is left alone
// and prev gets a slot of its own. It reports false when e is not a step
// rootInput knows.
func setRootInput(e Edge, prev Edge) bool {
	n := e.Node
	if _, _, ok := rootInput(e); !ok {
		return false
	}
	switch op := n.Op.Op.(type) {
	case *pb.Op_Merge:
		n.Inputs[0] = prev // mergedRun: input 0 is the base and nothing else
		return true
	case *pb.Op_Exec:
		for _, m := range op.Exec.Mounts {
			if int64(m.Output) == e.Index && m.Dest == pb.RootMount {
				m.Input = slotFor(n, m.Input, prev)
				return true
			}
		}
	case *pb.Op_File:
		idx, ok := rootAction(n, op.File, e.Index)
		if !ok || op.File.Actions[idx].Input < 0 {
			return false // scratch: the op has no slot to change
		}
		a := op.File.Actions[idx]
		a.Input = slotFor(n, a.Input, prev)
		return true
	}
	return false
}

// slotFor returns the input slot of n that should hold prev in place of
// slot i: i itself when nothing else of the op reads it, else a new one.
func slotFor(n *Node, i int64, prev Edge) int64 {
	if inputUses(n, i) == 1 {
		n.Inputs[i] = prev
		return i
	}
	n.Inputs = append(n.Inputs, prev)
	return int64(len(n.Inputs) - 1)
}

// inputUses counts the mounts or file actions of n that read input slot i.
func inputUses(n *Node, i int64) int {
	uses := 0
	switch op := n.Op.Op.(type) {
	case *pb.Op_Exec:
		for _, m := range op.Exec.Mounts {
			if m.Input == i {
				uses++
			}
		}
	case *pb.Op_File:
		for _, a := range op.File.Actions {
			if a.Input == i {
				uses++
			}
			if a.SecondaryInput == i {
				uses++
			}
		}
	default:
		uses = 2 // unknown readers: never share
	}
	return uses
}
