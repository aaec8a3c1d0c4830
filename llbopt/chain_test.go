package llbopt

import (
	"testing"

	"github.com/moby/buildkit/solver/pb"
	"github.com/stretchr/testify/require"
)

// TestSetRootInput checks that moving a step onto another state changes
// only the input its root filesystem comes from: another mount or action
// that reads the same slot keeps reading the old state.
func TestSetRootInput(t *testing.T) {
	old := Edge{Node: &Node{Op: &pb.Op{Op: &pb.Op_Source{Source: &pb.SourceOp{Identifier: "docker-image://old"}}}}}
	ctx := Edge{Node: &Node{Op: &pb.Op{Op: &pb.Op_Source{Source: &pb.SourceOp{Identifier: "local://context"}}}}}
	next := Edge{Node: &Node{Op: &pb.Op{Op: &pb.Op_Source{Source: &pb.SourceOp{Identifier: "docker-image://new"}}}}}
	exec := func(mounts ...*pb.Mount) *Node {
		return &Node{Op: &pb.Op{Op: &pb.Op_Exec{Exec: &pb.ExecOp{Meta: &pb.Meta{Args: []string{"true"}}, Mounts: mounts}}}}
	}
	copyFrom := func(in, from int64, out int64) *pb.FileAction {
		return &pb.FileAction{Input: in, SecondaryInput: from, Output: out, Action: &pb.FileAction_Copy{Copy: &pb.FileActionCopy{Src: "/", Dest: "/"}}}
	}
	for _, tc := range []struct {
		name   string
		node   *Node
		inputs []Edge
		out    int64
		// root returns the input slot the step's root now reads; others
		// the slots that must still read the old state.
		root   func(*Node) int64
		others func(*Node) []int64
		ok     bool
	}{
		{
			name:   "exec, root alone in its slot",
			node:   exec(&pb.Mount{Input: 0, Dest: "/", Output: 0}, &pb.Mount{Input: 1, Dest: "/src", Output: -1, Readonly: true}),
			inputs: []Edge{old, ctx},
			root:   func(n *Node) int64 { return n.Op.GetExec().Mounts[0].Input },
			ok:     true,
		},
		{
			name:   "exec, a bind of the same state keeps it",
			node:   exec(&pb.Mount{Input: 0, Dest: "/", Output: 0}, &pb.Mount{Input: 0, Dest: "/before", Output: -1, Readonly: true}),
			inputs: []Edge{old},
			root:   func(n *Node) int64 { return n.Op.GetExec().Mounts[0].Input },
			others: func(n *Node) []int64 { return []int64{n.Op.GetExec().Mounts[1].Input} },
			ok:     true,
		},
		{
			name: "file op, chained actions down to the first",
			node: &Node{Op: &pb.Op{Op: &pb.Op_File{File: &pb.FileOp{Actions: []*pb.FileAction{
				copyFrom(0, 1, -1), copyFrom(2, 1, 0)}}}}},
			inputs: []Edge{old, ctx},
			root:   func(n *Node) int64 { return n.Op.GetFile().Actions[0].Input },
			ok:     true,
		},
		{
			name: "file op copying from the state it works on keeps the source",
			node: &Node{Op: &pb.Op{Op: &pb.Op_File{File: &pb.FileOp{Actions: []*pb.FileAction{
				copyFrom(0, 0, 0)}}}}},
			inputs: []Edge{old},
			root:   func(n *Node) int64 { return n.Op.GetFile().Actions[0].Input },
			others: func(n *Node) []int64 { return []int64{n.Op.GetFile().Actions[0].SecondaryInput} },
			ok:     true,
		},
		{
			name: "file op on scratch has no slot to move",
			node: &Node{Op: &pb.Op{Op: &pb.Op_File{File: &pb.FileOp{Actions: []*pb.FileAction{
				copyFrom(-1, 0, 0)}}}}},
			inputs: []Edge{ctx},
		},
		{
			name:   "exec whose output is not the root",
			node:   exec(&pb.Mount{Input: 0, Dest: "/", Output: 0}, &pb.Mount{Input: 0, Dest: "/out", Output: 1}),
			inputs: []Edge{old},
			out:    1,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.node.Inputs = tc.inputs
			require.Equal(t, tc.ok, setRootInput(Edge{Node: tc.node, Index: tc.out}, next))
			if !tc.ok {
				require.Equal(t, tc.inputs, tc.node.Inputs, "a refused move changes nothing")
				return
			}
			require.Equal(t, next, tc.node.Inputs[tc.root(tc.node)])
			if tc.others != nil {
				for _, i := range tc.others(tc.node) {
					require.Equal(t, old, tc.node.Inputs[i])
				}
			}
			prev, _, ok := rootInput(Edge{Node: tc.node, Index: tc.out})
			require.True(t, ok)
			require.Equal(t, next, prev, "rootInput reads back the new state")
		})
	}
}
