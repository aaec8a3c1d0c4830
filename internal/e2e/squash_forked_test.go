package e2e

import (
	"context"
	"testing"

	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/frontend/dockerfile/builder"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/apicaps"
	"github.com/stretchr/testify/require"
	"github.com/tonistiigi/fsutil"
	"google.golang.org/protobuf/proto"

	"github.com/org/optfrontend/llbopt"
)

// forkedStockBuild builds dir as the stock frontend makes it, with the
// steps the squash pass forks (llbopt/fork.go: the same ops under a cache
// key of their own) forked the same way, and pushes it as image. The
// optimized build of dir then reuses those steps' results, so the two
// images must agree on every byte and time of every file: the stock
// image itself cannot, as its steps ran separately.
func forkedStockBuild(t *testing.T, dir, image string, squashAll bool) {
	t.Helper()
	ctx := t.Context()
	c, err := client.New(ctx, bed.host)
	require.NoError(t, err)
	defer c.Close()
	attrs := map[string]string{"filename": "Dockerfile", "cmdline": "in-process"}
	_, err = c.Build(ctx, client.SolveOpt{
		LocalMounts:   map[string]fsutil.FS{"context": mustFS(t, dir), "dockerfile": mustFS(t, dir)},
		FrontendAttrs: attrs,
		Exports:       []client.ExportEntry{{Type: client.ExporterImage, Attrs: map[string]string{"name": image, "push": "true"}}},
	}, "", func(ctx context.Context, gc gwclient.Client) (*gwclient.Result, error) {
		res, err := builder.Build(ctx, gc)
		if err != nil {
			return nil, err
		}
		ref, err := res.SingleRef()
		if err != nil {
			return nil, err
		}
		st, err := ref.ToState()
		if err != nil {
			return nil, err
		}
		def, err := st.Marshal(ctx)
		if err != nil {
			return nil, err
		}
		caps := gc.BuildOpts().LLBCaps
		forked, err := forkedDefinition(ctx, def.ToPB(), &caps, squashAll)
		if err != nil {
			return nil, err
		}
		r, err := gc.Solve(ctx, gwclient.SolveRequest{Definition: forked, Evaluate: true})
		if err != nil {
			return nil, err
		}
		r.Metadata = res.Metadata
		return r, nil
	}, nil)
	require.NoError(t, err, "building %s with the squash pass's steps forked", dir)
}

// forkedDefinition returns def with the ops the squash pass forks changed
// as it changes them, and nothing else: the pass runs on one copy of the
// graph, and each op whose body (all but its input digests) or number of
// inputs it changed is copied into another, untouched copy.
func forkedDefinition(ctx context.Context, def *pb.Definition, caps *apicaps.CapSet, all bool) (*pb.Definition, error) {
	squashed, err := llbopt.Decode(def)
	if err != nil {
		return nil, err
	}
	if _, err := (llbopt.Squash{All: all, Caps: caps, Helper: "org/optfrontend"}).Apply(ctx, squashed); err != nil {
		return nil, err
	}
	plain, err := llbopt.Decode(def)
	if err != nil {
		return nil, err
	}
	var orig []*llbopt.Node
	index := map[*llbopt.Node]int{}
	for _, n := range squashed.Nodes() {
		if n.Decoded() != nil {
			index[n] = len(orig)
			orig = append(orig, n)
		}
	}
	nodes := plain.Nodes()
	for i, n := range orig {
		was := n.Decoded()
		body, wasBody := n.Op.CloneVT(), was.CloneVT()
		body.Inputs, wasBody.Inputs = nil, nil
		if proto.Equal(body, wasBody) && len(n.Inputs) == len(was.Inputs) {
			continue
		}
		nodes[i].Op = n.Op.CloneVT()
		nodes[i].Inputs = nil
		for _, in := range n.Inputs {
			j, ok := index[in.Node]
			if !ok {
				return nil, errFork
			}
			nodes[i].Inputs = append(nodes[i].Inputs, llbopt.Edge{Node: nodes[j], Index: in.Index})
		}
	}
	return plain.Encode()
}

var errFork = errorString("a forked op reads a state the squash pass made")

type errorString string

func (e errorString) Error() string { return string(e) }
