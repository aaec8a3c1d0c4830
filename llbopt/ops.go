package llbopt

import (
	"context"
	"fmt"
	"slices"
	"strings"

	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"google.golang.org/protobuf/proto"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/apicaps"
	"github.com/org/optfrontend/llbopt/pkgcache"
)

// The ops the passes add to a graph and the edits they make to an op's
// mounts and capabilities. Every op a pass adds is made here, with
// internalMeta's step name, so that a reader finds in one file what a
// rewritten graph can hold beyond what the Dockerfile builder made. The
// small scratch states a step mounts (a cache directory's owner, a config
// file) are written with client/llb and imported, so that Graph.Import can
// reuse one the graph already has; every other op is built here as
// BuildKit's pb types.

// rootMount is the exec's mount of its root filesystem; nil for none.
func rootMount(exec *pb.ExecOp) *pb.Mount {
	for _, m := range exec.Mounts {
		if m.Dest == pb.RootMount {
			return m
		}
	}
	return nil
}

// execOf is the exec as the shell model (pkgcache) reads a step.
func execOf(exec *pb.ExecOp) pkgcache.Exec {
	return pkgcache.Exec{Args: exec.Meta.Args, Env: exec.Meta.Env, User: exec.Meta.User, Cwd: exec.Meta.Cwd}
}

// within tells whether path p lies strictly inside directory dir.
func within(p, dir string) bool {
	return strings.HasPrefix(p, strings.TrimSuffix(dir, "/")+"/")
}

// mountInput imports st, built for the exec's platform, into the graph and
// returns its index among the exec's inputs.
func mountInput(ctx context.Context, g *Graph, n *Node, st llb.State) (int64, error) {
	var opts []llb.ConstraintsOpt
	if p := n.Op.Platform; p != nil {
		opts = append(opts, llb.Platform(ocispecs.Platform{OS: p.OS, Architecture: p.Architecture, Variant: p.Variant, OSVersion: p.OSVersion, OSFeatures: p.OSFeatures}))
	}
	def, err := st.Marshal(ctx, opts...)
	if err != nil {
		return 0, fmt.Errorf("marshalling a mount source: %w", err)
	}
	e, err := g.Import(def.ToPB())
	if err != nil {
		return 0, err
	}
	if i := slices.Index(n.Inputs, e); i >= 0 {
		return int64(i), nil
	}
	n.Inputs = append(n.Inputs, e)
	return int64(len(n.Inputs) - 1), nil
}

// insertMount keeps the mounts sorted by destination, as client/llb emits
// them, so that a parent directory is mounted before what lies inside it.
func insertMount(exec *pb.ExecOp, m *pb.Mount) {
	i, _ := slices.BinarySearchFunc(exec.Mounts, m.Dest, func(a *pb.Mount, dest string) int {
		return strings.Compare(a.Dest, dest)
	})
	exec.Mounts = slices.Insert(exec.Mounts, i, m)
}

// addCaps marks the op as needing the builder's capabilities caps.
func addCaps(n *Node, caps ...string) {
	if n.Metadata == nil {
		n.Metadata = &pb.OpMetadata{}
	}
	if n.Metadata.Caps == nil {
		n.Metadata.Caps = map[string]bool{}
	}
	for _, c := range caps {
		n.Metadata.Caps[c] = true
	}
}

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

// addDiff adds a diff op of upper over lower, scratch when lower's Node is
// nil (the first step of a stage FROM scratch).
func addDiff(g *Graph, lower, upper Edge, name string) Edge {
	op := &pb.Op{Op: &pb.Op_Diff{Diff: &pb.DiffOp{Lower: &pb.LowerDiffInput{Input: 0}, Upper: &pb.UpperDiffInput{Input: 1}}}}
	n := &Node{Op: op, Inputs: []Edge{lower, upper}, Metadata: internalMeta(name, pb.CapDiffOp)}
	if lower.Node == nil {
		op.GetDiff().Lower.Input, op.GetDiff().Upper.Input = int64(pb.Empty), 0
		n.Inputs = []Edge{upper}
	}
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

// addFileChain adds a file op whose actions run one after the other on
// the state in, each on the previous one's result; the last one's result
// is the op's output.
func addFileChain(g *Graph, in Edge, platform *pb.Platform, name string, actions []*pb.FileAction, caps ...apicaps.CapID) *Node {
	for i, a := range actions {
		// Input 0 is the op's one input; i > 0 is action i-1's output,
		// numbered after the op's inputs.
		a.Input, a.SecondaryInput, a.Output = int64(i), -1, -1
	}
	actions[len(actions)-1].Output = 0
	n := &Node{
		Op:       &pb.Op{Op: &pb.Op_File{File: &pb.FileOp{Actions: actions}}, Platform: platform, Constraints: &pb.WorkerConstraints{}},
		Inputs:   []Edge{in},
		Metadata: internalMeta(name, caps...),
	}
	g.Add(n)
	return n
}

// addCopyOnto adds a file op that copies everything in src onto dest, as
// it is there (owners, modes, times, links), and returns its output: one
// layer on dest's, whatever layers src's files came from.
func addCopyOnto(g *Graph, dest, src Edge, platform *pb.Platform, name string) Edge {
	cp := &pb.FileActionCopy{Src: "/", Dest: "/", DirCopyContents: true, Mode: -1, Timestamp: -1}
	n := &Node{
		Op: &pb.Op{Op: &pb.Op_File{File: &pb.FileOp{Actions: []*pb.FileAction{
			{Input: 0, SecondaryInput: 1, Output: 0, Action: &pb.FileAction_Copy{Copy: cp}},
		}}}, Platform: platform, Constraints: &pb.WorkerConstraints{}},
		Inputs:   []Edge{dest, src},
		Metadata: internalMeta(name, pb.CapFileBase),
	}
	g.Add(n)
	return Edge{Node: n}
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

// execSpec is an exec op a pass adds: its command, mounts (input i of a
// mount is Inputs[i]), network and step name.
type execSpec struct {
	Meta     *pb.Meta
	Mounts   []*pb.Mount
	Inputs   []Edge
	Network  pb.NetMode
	Platform *pb.Platform
	Name     string
	Caps     []apicaps.CapID
}

// addExec adds the exec op of spec and returns its node, whose outputs are
// numbered in the order of the mounts that have one.
func addExec(g *Graph, spec execSpec) *Node {
	exec := &pb.ExecOp{Meta: spec.Meta, Mounts: spec.Mounts, Network: spec.Network}
	n := &Node{
		Op:       &pb.Op{Platform: spec.Platform, Op: &pb.Op_Exec{Exec: exec}, Constraints: &pb.WorkerConstraints{}},
		Inputs:   spec.Inputs,
		Metadata: internalMeta(spec.Name, spec.Caps...),
	}
	g.Add(n)
	return n
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
	n := addExec(g, execSpec{
		Meta:    &pb.Meta{Args: args, Cwd: "/"},
		Network: pb.NetMode_NONE,
		Mounts:  append(mounts, t),
		Inputs:  inputs,
		Name:    name,
		Caps:    []apicaps.CapID{pb.CapExecMetaBase, pb.CapExecMetaNetwork, pb.CapExecMountBind},
	})
	return Edge{Node: n, Index: 1}
}

// Mount points of the netchange helper's exec.
const (
	netTarget = "/target"
	netRun    = "/run-layers"
	netAfter  = "/after"
)

// cloneNode copies a node's op, metadata and locations into a new node
// with the same inputs, for a pass that needs a variant of an op whose
// original other ops still use.
func cloneNode(n *Node) *Node {
	c := &Node{
		Op:        proto.Clone(n.Op).(*pb.Op),
		Inputs:    slices.Clone(n.Inputs),
		Locations: n.Locations,
	}
	if n.Metadata != nil {
		c.Metadata = proto.Clone(n.Metadata).(*pb.OpMetadata)
	}
	return c
}

// envValue is the value a key has in an op's environment list ("K=V", the
// last one counting, as for an exec), and whether it is there.
func envValue(env []string, key string) (string, bool) {
	val, ok := "", false
	for _, kv := range env {
		if v, found := strings.CutPrefix(kv, key+"="); found {
			val, ok = v, true
		}
	}
	return val, ok
}
