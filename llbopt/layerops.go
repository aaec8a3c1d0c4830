package llbopt

import (
	"fmt"

	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/apicaps"
)

// The ops the passes that change the exported layers (squash, buildtools)
// add to a graph, and what they read of it.

// diffMergeMissing says why the builder cannot take diff and merge ops, ""
// when it can.
func diffMergeMissing(caps *apicaps.CapSet) string {
	if caps == nil {
		return "the builder's capabilities are unknown"
	}
	for _, c := range []apicaps.CapID{pb.CapDiffOp, pb.CapMergeOp} {
		if err := caps.Supports(c); err != nil {
			return fmt.Sprintf("the builder lacks %s (%v); the layers are as the Dockerfile makes them", c, err)
		}
	}
	return ""
}

// addDiff adds a diff op of upper over lower.
func addDiff(g *Graph, lower, upper Edge, name string) Edge {
	op := &pb.Op{Op: &pb.Op_Diff{Diff: &pb.DiffOp{Lower: &pb.LowerDiffInput{Input: 0}, Upper: &pb.UpperDiffInput{Input: 1}}}}
	n := &Node{Op: op, Inputs: []Edge{lower, upper}, Metadata: internalMeta(name, pb.CapDiffOp)}
	g.Add(n)
	return Edge{Node: n}
}

// addMerge adds a merge op of parts, in order.
func addMerge(g *Graph, parts []Edge, name string) Edge {
	m := &pb.MergeOp{}
	for i := range parts {
		m.Inputs = append(m.Inputs, &pb.MergeInput{Input: int64(i)})
	}
	n := &Node{Op: &pb.Op{Op: &pb.Op_Merge{Merge: m}}, Inputs: parts, Metadata: internalMeta(name, pb.CapMergeOp)}
	g.Add(n)
	return Edge{Node: n}
}

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

// internalMeta is the metadata of an op a pass adds: a step name that
// says so, and the capabilities it needs.
func internalMeta(name string, caps ...apicaps.CapID) *pb.OpMetadata {
	md := &pb.OpMetadata{
		Description: map[string]string{"llb.customname": "[internal] optfrontend: " + name},
		Caps:        map[string]bool{},
	}
	for _, c := range caps {
		md.Caps[string(c)] = true
	}
	return md
}

// Mount points of the netchange helper's exec.
const (
	netTarget = "/target"
	netRun    = "/run-layers"
	netAfter  = "/after"
)

// addImage adds a source op of image ref, for the platform BuildKit runs
// on.
func addImage(g *Graph, ref, name string) Edge {
	n := &Node{
		Op:       &pb.Op{Op: &pb.Op_Source{Source: &pb.SourceOp{Identifier: "docker-image://" + ref}}},
		Metadata: internalMeta(name, pb.CapSourceImage),
	}
	g.Add(n)
	return Edge{Node: n}
}

// addHelper adds an exec of the frontend binary in image helper, with no
// network, that runs a netchange command on a writable mount of target
// (scratch when its Node is nil) at netTarget, reading the run's layers,
// merged, at netRun and, when after.Node is set, the run's result at
// netAfter. The exec's second output is the target mount.
func addHelper(g *Graph, helper Edge, command string, target, layers, after Edge, name string) Edge {
	inputs := []Edge{helper, layers}
	mounts := []*pb.Mount{
		// Writable, for runc's mount points: the image is FROM scratch.
		// BuildKit numbers outputs in the order of the mounts.
		{Input: 0, Dest: pb.RootMount, Output: 0, MountType: pb.MountType_BIND},
		{Input: 1, Dest: netRun, Output: int64(pb.SkipOutput), Readonly: true, MountType: pb.MountType_BIND},
	}
	args := []string{"/bin/optfrontend", command, netTarget, netRun}
	if after.Node != nil {
		mounts = append(mounts, &pb.Mount{Input: int64(len(inputs)), Dest: netAfter, Output: int64(pb.SkipOutput), Readonly: true, MountType: pb.MountType_BIND})
		inputs = append(inputs, after)
		args = append(args, netAfter)
	}
	t := &pb.Mount{Input: int64(pb.Empty), Dest: netTarget, Output: 1, MountType: pb.MountType_BIND}
	if target.Node != nil {
		t.Input = int64(len(inputs))
		inputs = append(inputs, target)
	}
	exec := &pb.ExecOp{
		Meta:    &pb.Meta{Args: args, Cwd: "/"},
		Network: pb.NetMode_NONE,
		Mounts:  append(mounts, t),
	}
	n := &Node{
		Op:       &pb.Op{Op: &pb.Op_Exec{Exec: exec}, Constraints: &pb.WorkerConstraints{}},
		Inputs:   inputs,
		Metadata: internalMeta(name, pb.CapExecMetaBase, pb.CapExecMetaNetwork, pb.CapExecMountBind),
	}
	g.Add(n)
	return Edge{Node: n, Index: 1}
}
