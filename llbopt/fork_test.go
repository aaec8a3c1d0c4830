package llbopt

import (
	"testing"

	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/apicaps"
	"github.com/org/optfrontend/internal/dftest"
	"github.com/stretchr/testify/require"
)

// TestFork: a forked step's op gets another digest, and so does every op
// after it; forking twice changes it once; what the op does is unchanged
// (the same command and mounts; the same actions then a mkdir of the
// existing root); a WORKDIR on scratch is forked as any file op.
func TestFork(t *testing.T) {
	for _, tc := range []struct {
		name, dockerfile string
		step             int // the step of the chain to fork
		ok               bool
		oldBuilder       bool // a builder without exec.validexitcode
	}{
		{"run", "FROM debian\nRUN echo a > /a\nRUN echo b > /b\n", 0, true, false},
		{"copy from a stage", "FROM debian AS b\nRUN echo x > /x\nFROM debian\nCOPY --from=b /x /x\nRUN rm /x\n", 0, true, false},
		{"workdir on scratch", "FROM scratch\nWORKDIR /app\nCOPY a /a\n", 0, true, false},
		{"run on a builder without valid exit codes", "FROM debian\nRUN echo a > /a\n", 0, false, true},
		{"copy on a builder without valid exit codes", "FROM debian AS b\nRUN echo x > /x\nFROM debian\nCOPY --from=b /x /x\n", 0, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			def, _ := dftest.Convert(t, tc.dockerfile, "")
			g, err := Decode(def)
			require.NoError(t, err)
			steps, _ := layerChain(g, g.Terminal().Inputs[0])
			s := steps[tc.step]
			before := map[*Node]string{}
			for _, st := range steps {
				before[st.node] = string(st.node.Digest())
			}
			op := s.node.Op.CloneVT()
			var caps *apicaps.CapSet
			if tc.oldBuilder {
				cs := pb.Caps.CapSet(nil)
				caps = &cs
			}
			require.Equal(t, tc.ok, fork(s, caps))
			_, err = g.Encode()
			require.NoError(t, err)
			require.NoError(t, g.Validate())
			if !tc.ok {
				require.Equal(t, before[s.node], string(s.node.Digest()), "a step that cannot be forked is left as it was")
				return
			}
			for _, st := range steps[tc.step:] {
				require.NotEqual(t, before[st.node], string(st.node.Digest()), "step %s keeps stock's digest", st.loc)
			}
			forked := string(s.node.Digest())
			require.True(t, fork(s, caps))
			_, err = g.Encode()
			require.NoError(t, err)
			require.Equal(t, forked, string(s.node.Digest()), "a second fork changes nothing")
			switch o := s.node.Op.Op.(type) {
			case *pb.Op_Exec:
				require.Equal(t, []int32{0}, o.Exec.Meta.ValidExitCodes)
				require.True(t, s.node.Metadata.Caps[string(pb.CapExecValidExitCode)], "the op says it needs the cap")
				o.Exec.Meta.ValidExitCodes = nil
				require.Equal(t, op.GetExec().String(), o.Exec.String(), "the exec is the Dockerfile's but for its valid exit codes")
			case *pb.Op_File:
				acts := o.File.Actions
				require.Len(t, acts, len(op.GetFile().Actions)+1)
				require.True(t, forkMark(acts[len(acts)-1]))
				require.Equal(t, int64(len(s.node.Inputs)+len(acts)-2), acts[len(acts)-1].Input, "the mkdir works on the last action's output")
				require.Equal(t, int64(-1), acts[len(acts)-2].Output)
				require.Len(t, s.node.Inputs, len(op.Inputs), "no input is added: the cache key stays by content")
			}
		})
	}
}
