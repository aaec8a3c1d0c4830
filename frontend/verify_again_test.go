package frontend

import (
	"slices"
	"testing"

	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/stretchr/testify/require"

	"github.com/org/optfrontend/internal/dftest"
	"github.com/org/optfrontend/llbopt"
)

// TestRunAgain: every RUN of stock's second run has a digest of its own
// and ignores the cache; file ops that do not depend on a RUN keep their
// digests, and the request given is left as it was.
func TestRunAgain(t *testing.T) {
	def, _ := dftest.Convert(t, "FROM busybox\nCOPY a /a\nRUN echo one > /one\nRUN echo two > /two\nCOPY b /b\n", "")
	before := def.CloneVT()
	req := gwclient.SolveRequest{Definition: def}

	again, err := runAgain(req)
	require.NoError(t, err)
	require.True(t, before.EqualVT(req.Definition), "the stock request is not changed")

	orig, err := llbopt.Decode(def)
	require.NoError(t, err)
	g, err := llbopt.Decode(again.Definition)
	require.NoError(t, err)
	origDigests := map[string]bool{}
	for _, n := range orig.Nodes() {
		origDigests[string(n.Digest())] = true
	}
	execs, keptFiles := 0, 0
	for _, n := range g.Nodes() {
		if exec := n.Op.GetExec(); exec != nil {
			execs++
			require.True(t, slices.Contains(exec.Meta.Env, againEnv))
			require.NotNil(t, n.Metadata)
			require.True(t, n.Metadata.IgnoreCache)
			require.False(t, origDigests[string(n.Digest())], "a RUN of the second run is a step of its own")
		} else if n.Op.GetFile() != nil && origDigests[string(n.Digest())] {
			keptFiles++
		}
	}
	require.Equal(t, 2, execs)
	require.Equal(t, 1, keptFiles, "COPY a, before any RUN, is shared with the first run")
	for _, n := range orig.Nodes() {
		if n.Metadata != nil {
			require.False(t, n.Metadata.IgnoreCache, "the first run's metadata is its own")
		}
	}
}

// TestChangedBy: a verify failure names the passes that changed the
// build, each with the lines of its changes, and no pass that only
// reported.
func TestChangedBy(t *testing.T) {
	def, _ := dftest.Convert(t, "FROM busybox\nRUN echo one\nRUN echo two\nRUN echo three\n", "")
	g, err := llbopt.Decode(def)
	require.NoError(t, err)
	var execs []*llbopt.Node
	for _, n := range g.Nodes() {
		if n.Op.GetExec() != nil {
			execs = append(execs, n)
		}
	}
	require.Len(t, execs, 3)
	p := plan{graph: g, reports: []llbopt.Report{
		{Pass: "cachemount", Findings: []llbopt.Finding{{Node: execs[2], Changed: true}, {Node: execs[0], Changed: true}, {Node: execs[2], Changed: true}}},
		{Pass: "leftovers", Findings: []llbopt.Finding{{Node: execs[1], Message: "left alone"}}},
		{Pass: "squash", Findings: []llbopt.Finding{{Node: execs[1], Changed: true}}},
	}}
	require.Equal(t, "cachemount (lines 2, 4), squash (line 3)", changedBy(p))
	require.Equal(t, "", changedBy(plan{}))
}
