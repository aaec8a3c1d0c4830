package frontend

import (
	"fmt"

	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/solver/pb"

	"github.com/org/optfrontend/llbopt"
)

// againEnv is set in every RUN of stock's second run. BuildKit joins a
// step to one already running in the build when their digests match,
// even where the second asks to ignore the cache and the first ran with
// --no-cache; a variable no program reads gives each RUN a digest of its
// own, so it runs again.
const againEnv = "OPTFRONTEND_VERIFY_RUN=again"

// runAgain returns stock's request with every RUN made to run again,
// ignoring the cache: its result is what stock's own build gives on a
// second run, and where that differs from the first, stock's build
// varies (a compiled extension, a time written into a file). File ops
// (COPY, ADD, WORKDIR) give the same result from the same inputs and are
// left as they are. req is not changed.
func runAgain(req gwclient.SolveRequest) (gwclient.SolveRequest, error) {
	g, err := llbopt.Decode(req.Definition)
	if err != nil {
		return req, fmt.Errorf("reading the stock graph: %w", err)
	}
	for _, n := range g.Nodes() {
		exec := n.Op.GetExec()
		if exec == nil || exec.Meta == nil {
			continue
		}
		exec.Meta.Env = append(exec.Meta.Env, againEnv)
		md := &pb.OpMetadata{}
		if n.Metadata != nil {
			md = n.Metadata.CloneVT() // the map entry is req's
		}
		md.IgnoreCache = true
		n.Metadata = md
	}
	def, err := g.Encode()
	if err != nil {
		return req, fmt.Errorf("writing the stock graph's second run: %w", err)
	}
	out := req
	out.Definition = def
	return out, nil
}
