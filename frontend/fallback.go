package frontend

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"

	"github.com/org/optfrontend/llbopt"
)

// solveWithFallback solves the optimized request and, when it fails for a
// reason the passes may have caused, solves the request as the stock
// builder made it. The optimized solve is evaluated, not left lazy: a
// failure the frontend does not see (one at export) is one it cannot
// undo.
//
// There is nothing to retry when the build was cancelled, or when the
// failing vertex is in the original graph too: no pass changed it or
// anything it depends on, so the error is stock's already, and running the
// step again would only run a failing test twice. Otherwise the original
// request is solved; if it fails as well, its error is returned — stock's
// text, line and command, with no word about passes — and if it builds,
// the build succeeds with stock's result and one warning naming what the
// passes changed on the way to the failed step.
func (c *optClient) solveWithFallback(ctx context.Context, original, optimized gwclient.SolveRequest, g *llbopt.Graph, reports []llbopt.Report) (*gwclient.Result, bool, error) {
	optimized.Evaluate = true
	res, err := c.Client.Solve(ctx, optimized)
	if err == nil {
		return res, true, nil
	}
	if ctx.Err() != nil || errors.Is(err, context.Canceled) {
		return nil, false, err
	}
	failed := failedVertex(err)
	if failed != "" && inDefinition(original.Definition, failed) {
		return nil, false, err
	}
	original.Evaluate = true
	res, serr := c.Client.Solve(ctx, original)
	if serr != nil {
		return nil, false, serr
	}
	msg := "optfrontend: the optimized build failed, so this build is the stock one (please report it): " + culprit(g, reports, failed) + ": " + firstLine(err)
	if c.firstTime(msg) {
		if werr := c.Client.Warn(ctx, "", msg, gwclient.WarnOpts{Level: 1}); werr != nil {
			return nil, false, fmt.Errorf("reporting the fallback: %w", werr)
		}
	}
	return res, false, nil
}

// failedVertex is the digest of the vertex a solve error names, if any.
func failedVertex(err error) digest.Digest {
	var ve *errdefs.VertexError
	if errors.As(err, &ve) && ve.Vertex != nil {
		return digest.Digest(ve.Digest)
	}
	return ""
}

// inDefinition tells whether an op of the definition has the digest.
func inDefinition(def *pb.Definition, dgst digest.Digest) bool {
	if def == nil {
		return false
	}
	for _, dt := range def.Def {
		if digest.FromBytes(dt) == dgst {
			return true
		}
	}
	return false
}

// culprit names the failed step and the changes of the passes it depends
// on: the findings that changed an op the failed one reads from (all the
// changes, when the failing op is unknown).
func culprit(g *llbopt.Graph, reports []llbopt.Report, failed digest.Digest) string {
	var node *llbopt.Node
	if g != nil && failed != "" {
		for _, n := range g.Nodes() {
			if n.Digest() == failed {
				node = n
				break
			}
		}
	}
	above := ancestors(node)
	var changes []string
	for _, rep := range reports {
		for _, f := range rep.Findings {
			if !f.Changed || (node != nil && !above[f.Node]) {
				continue
			}
			s := rep.Pass
			if loc, ok := g.Location(f.Node); ok {
				s += " at " + loc.String()
			}
			if !slices.Contains(changes, s) {
				changes = append(changes, s)
			}
		}
	}
	where := "a step the passes added"
	if node != nil {
		if loc, ok := g.Location(node); ok {
			where = "the step at " + loc.String()
		}
		if node.Metadata != nil && node.Metadata.Description["llb.customname"] != "" {
			where += " (" + node.Metadata.Description["llb.customname"] + ")"
		}
	} else {
		where = "a step"
	}
	if len(changes) == 0 {
		return where + " failed"
	}
	return where + " failed after " + strings.Join(changes, ", ")
}

// ancestors is the set of a node and every node it reads from.
func ancestors(n *llbopt.Node) map[*llbopt.Node]bool {
	seen := map[*llbopt.Node]bool{}
	var walk func(*llbopt.Node)
	walk = func(n *llbopt.Node) {
		if n == nil || seen[n] {
			return
		}
		seen[n] = true
		for _, in := range n.Inputs {
			walk(in.Node)
		}
	}
	walk(n)
	return seen
}

// firstLine is an error's first line, for a one-line warning.
func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
