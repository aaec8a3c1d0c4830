package llbopt

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// editPass runs a graph edit as a pass, to test the pipeline's contract.
type editPass struct {
	name string
	edit func(*Graph) []Finding
}

func (p editPass) Name() string { return p.name }
func (p editPass) Apply(_ context.Context, g *Graph) (Report, error) {
	return Report{Findings: p.edit(g)}, nil
}

func TestPipelineWithoutChangesReturnsTheSameDefinition(t *testing.T) {
	def := sampleDefinitions(t)["copy"]
	noop := editPass{name: "noop", edit: func(*Graph) []Finding { return nil }}
	out, _, reports, err := NewPipeline(noop).Run(context.Background(), def)
	require.NoError(t, err)
	require.Same(t, def, out)
	require.Equal(t, []Report{{Pass: "noop"}}, reports)

	out, g, reports, err := NewPipeline().Run(context.Background(), def)
	require.NoError(t, err)
	require.Same(t, def, out)
	require.Nil(t, g)
	require.Nil(t, reports)
}

func TestPipelineRunsPassesInOrderAndReports(t *testing.T) {
	def := sampleDefinitions(t)["run"]
	var seen []string
	setCwd := func(name, cwd string) Pass {
		return editPass{name: name, edit: func(g *Graph) []Finding {
			seen = append(seen, name)
			n := findExec(t, g)
			n.Op.GetExec().Meta.Cwd = cwd
			return []Finding{{Node: n, Message: "cwd is " + cwd, Changed: true}}
		}}
	}
	out, g, reports, err := NewPipeline(setCwd("a", "/a"), setCwd("b", "/b")).Run(context.Background(), def)
	require.NoError(t, err)
	require.Equal(t, []string{"a", "b"}, seen)
	require.NotSame(t, def, out)
	require.Len(t, reports, 2)
	require.Equal(t, "b", reports[1].Pass)

	// Findings point at the node as the daemon will see it.
	n := reports[1].Findings[0].Node
	require.Contains(t, out.Metadata, string(n.Digest()))
	loc, ok := g.Location(n)
	require.True(t, ok)
	require.Equal(t, 2, loc.Start)

	again, err := Decode(out)
	require.NoError(t, err)
	require.Equal(t, "/b", findExec(t, again).Op.GetExec().Meta.Cwd)
}

func TestPipelineRejectsAnInvalidGraph(t *testing.T) {
	breaks := editPass{name: "breaks", edit: func(g *Graph) []Finding {
		findExec(t, g).Inputs[0].Node = nil
		return nil
	}}
	_, _, _, err := NewPipeline(breaks).Run(context.Background(), sampleDefinitions(t)["run"])
	require.ErrorContains(t, err, "pass breaks left an invalid graph")
}
