package llbopt

import (
	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/apicaps"
)

// A pass that reads a step's layer through Diff(step.prev, step.out) meets
// a BuildKit v0.34.2 defect (docs/buildkit-diff-chain.md): once anything
// asks for that diff's blobs — the image exporter when the diff is
// exported, and the max-mode provenance that every build's history record
// takes (solver/llbsolver/history.go) for every vertex, even a diff only
// mounted into a helper — the diff's record gets the chain of the step's
// whole image. A later pull of an image with that chain (the stock image
// of the same Dockerfile, on the same builder) may then take the diff's
// record and run on one layer. The record takes the chain of the step's
// own record, so the passes give the steps whose layers they read records
// of their own: ops that do exactly what the Dockerfile's do, under another
// cache key. No image with their chain exists, so no pull can find the
// diffs' records.

// fork gives the op that makes step s's layer, and so every op after it in
// the chain, a cache key of its own without changing what it does: an exec
// lists its one valid exit code, 0, which is what BuildKit allows when
// the list is empty; a file op ends with one more action, a mkdir of "/"
// without parents, which BuildKit's file backend returns from at once when
// the directory exists, as the root always does (solver/llbsolver/file
// mkdir). Neither touches the key's inputs, so the forked ops stay cached
// by content as the Dockerfile's are. It reports false when the op has
// neither form, or the builder (caps; nil in tests) cannot run an exec's,
// and the caller leaves the layers as they are.
//
// The cost: the forked steps do not share cache with the same Dockerfile
// built without the frontend on the same builder, so the first optimized
// build after a stock one runs them again.
func fork(s step, caps *apicaps.CapSet) bool {
	n := s.node
	switch op := n.Op.Op.(type) {
	case *pb.Op_Exec:
		if op.Exec.Meta == nil || caps != nil && caps.Supports(pb.CapExecValidExitCode) != nil {
			return false
		}
		if op.Exec.Meta.ValidExitCodes == nil {
			op.Exec.Meta.ValidExitCodes = []int32{0}
			if n.Metadata == nil {
				n.Metadata = &pb.OpMetadata{}
			}
			if n.Metadata.Caps == nil {
				n.Metadata.Caps = map[string]bool{}
			}
			n.Metadata.Caps[string(pb.CapExecValidExitCode)] = true
		}
		return true
	case *pb.Op_File:
		out := s.out.Index
		if s.out.Node != n {
			out = 0 // a merged run's layer is an exec's, not a file op's
		}
		last := -1
		for i, a := range op.File.Actions {
			if int64(a.Output) == out {
				last = i
			}
		}
		if last < 0 {
			return false
		}
		if forkMark(op.File.Actions[last]) {
			return true
		}
		op.File.Actions[last].Output = -1
		op.File.Actions = append(op.File.Actions, &pb.FileAction{
			Input:          int64(len(n.Inputs) + last),
			SecondaryInput: -1,
			Output:         out,
			Action:         &pb.FileAction_Mkdir{Mkdir: &pb.FileActionMkDir{Path: "/", Mode: 0o755, Timestamp: -1}},
		})
		return true
	}
	return false
}

// forkMark tells whether a file action is the mkdir fork adds, so that
// two passes forking one step change it once.
func forkMark(a *pb.FileAction) bool {
	m := a.GetMkdir()
	return m != nil && m.Path == "/" && !m.MakeParents && m.Owner == nil && m.Timestamp == -1
}
