package frontend

import (
	"context"
	"fmt"
	"maps"
	"sync"

	"github.com/moby/buildkit/client/llb/sourceresolver"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	digest "github.com/opencontainers/go-digest"

	"github.com/org/optfrontend/llbopt"
)

// optClient is the gateway client the stock builder sees. It forwards every
// call to the real client and rewrites only the definitions the builder
// solves itself (not those it forwards to another frontend).
type optClient struct {
	gwclient.Client
	pipeline *llbopt.Pipeline
	// fallback is whether a failed optimized graph is solved again as the
	// stock builder made it (BUILDKIT_OPT_FALLBACK).
	fallback bool

	mu     sync.Mutex
	warned map[string]bool
	// opts are build options the frontend adds for the stock builder (a
	// named context from a fix).
	opts map[string]string
	// verify is the BUILDKIT_OPT_VERIFY mode.
	verify verifyMode
	// self is the frontend's own image (the gateway's source option), whose
	// binary the verify mode runs in the build.
	self string
	// buildCtx is the context of the whole build, for the verify mode's
	// stock solve (see Build); nil outside a build.
	buildCtx context.Context
	// plans remembers, per result the builder got from an optimized graph,
	// what the passes did, so that Build can make the image's history
	// follow the layers and the verify mode can compare it with stock's.
	plans map[gwclient.Reference]plan
	// solved remembers the passes' reads' solves by definition: a pass
	// reading several files of one state (the manifests of a COPY) solves
	// it once.
	solved map[digest.Digest]gwclient.Reference
}

// plan is what the passes did to one solved result, and the request as the
// builder made it, to solve again without the layer changes should the
// history not match, or to solve stock's result for the verify mode.
type plan struct {
	edits []llbopt.LayerEdit
	// passes are the passes that changed the layers: the history fallback
	// runs every pass but these.
	passes   []string
	original gwclient.SolveRequest
	// graph and reports are the passes' work, whose findings name the
	// differences from stock's image they explain.
	graph   *llbopt.Graph
	reports []llbopt.Report
	// stock is the original request being solved for the verify mode,
	// beside the optimized one; nil when verify is off.
	stock *stockSolve
}

func newOptClient(c gwclient.Client, p *llbopt.Pipeline) *optClient {
	return &optClient{Client: c, pipeline: p, fallback: true, warned: map[string]bool{}, plans: map[gwclient.Reference]plan{}, solved: map[digest.Digest]gwclient.Reference{}}
}

// ResolveImageConfig resolves an image as the daemon's built-in frontend
// does (its bridge client reads the source metadata and wraps a failure
// with the image name), so that a missing image reads as stock's error,
// not as the shorter one a gateway frontend gets.
func (c *optClient) ResolveImageConfig(ctx context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	return sourceresolver.NewImageMetaResolver(c.Client).ResolveImageConfig(ctx, ref, opt)
}

// BuildOpts is the real client's, with the options the frontend added.
func (c *optClient) BuildOpts() gwclient.BuildOpts {
	return withOpts(c.Client.BuildOpts(), c.opts)
}

// Solve runs the passes over the request's definition, reports their
// findings as build warnings at their Dockerfile lines, and solves the result.
// When the passes fail, or the graph they made fails to solve, the request
// is solved as the stock builder made it (see solveWithFallback), unless
// BUILDKIT_OPT_FALLBACK=off.
func (c *optClient) Solve(ctx context.Context, req gwclient.SolveRequest) (*gwclient.Result, error) {
	if req.Definition == nil || req.Frontend != "" {
		return c.Client.Solve(ctx, req)
	}
	def, g, reports, err := c.pipeline.Run(ctx, req.Definition)
	if err != nil {
		if !c.fallback {
			return nil, fmt.Errorf("optimizing build graph: %w", err)
		}
		msg := "optfrontend: the passes could not optimize this graph, so it is built as the stock frontend made it (please report it): " + err.Error()
		if c.firstTime(msg) {
			if werr := c.Client.Warn(ctx, "", msg, gwclient.WarnOpts{Level: 1}); werr != nil {
				return nil, fmt.Errorf("reporting the passes' failure: %w", werr)
			}
		}
		return c.Client.Solve(ctx, req)
	}
	if err := c.warn(ctx, g, reports); err != nil {
		return nil, err
	}
	if def == req.Definition {
		return c.Client.Solve(ctx, req) // nothing changed: stock's request, as lazy as stock's
	}
	original := req
	req.Definition = def
	var stock *stockSolve
	if c.verify != verifyOff {
		bctx := c.buildCtx
		if bctx == nil {
			bctx = context.WithoutCancel(ctx)
		}
		stock = c.solveAside(bctx, original)
	}
	var res *gwclient.Result
	optimized := true
	if c.fallback {
		res, optimized, err = c.solveWithFallback(ctx, original, req, g, reports)
	} else {
		// Evaluated, as with the fallback: a failure at export would
		// reach the client without passing here, naming the command as
		// the passes rewrote it.
		req.Evaluate = true
		res, err = c.Client.Solve(ctx, req)
		err = asWritten(err, g)
	}
	if err != nil || res == nil || !optimized {
		return res, err
	}
	p := plan{original: original, graph: g, reports: reports, stock: stock}
	for _, rep := range reports {
		p.edits = append(p.edits, rep.Layers...)
		if len(rep.Layers) > 0 {
			p.passes = append(p.passes, rep.Pass)
		}
	}
	if len(p.edits) > 0 || c.verify != verifyOff {
		c.remember(res, p)
	}
	return res, nil
}

// remember keeps what the passes did for every reference of a result.
func (c *optClient) remember(res *gwclient.Result, p plan) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if res.Ref != nil {
		c.plans[res.Ref] = p
	}
	for _, ref := range res.Refs {
		if ref != nil {
			c.plans[ref] = p
		}
	}
}

// planOf is what the passes did to the result a reference belongs to.
func (c *optClient) planOf(ref gwclient.Reference) (plan, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	p, ok := c.plans[ref]
	return p, ok
}

// warn sends each finding once, even when a multi-platform build produces the
// same finding for every platform.
func (c *optClient) warn(ctx context.Context, g *llbopt.Graph, reports []llbopt.Report) error {
	for _, rep := range reports {
		for _, f := range rep.Findings {
			msg := fmt.Sprintf("optfrontend %s: %s", rep.Pass, f.Message)
			opts := gwclient.WarnOpts{Level: 1}
			if info, loc := g.Source(f.Node); loc != nil {
				opts.SourceInfo, opts.Range = info, loc.Ranges
				msg = fmt.Sprintf("%s (line %d)", msg, loc.Ranges[0].GetStart().GetLine())
			}
			if !c.firstTime(msg) {
				continue
			}
			if err := c.Client.Warn(ctx, f.Node.Digest(), msg, opts); err != nil {
				return fmt.Errorf("reporting %s finding: %w", rep.Pass, err)
			}
		}
	}
	return nil
}

func (c *optClient) firstTime(msg string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.warned[msg] {
		return false
	}
	c.warned[msg] = true
	return true
}

// withOpts returns the build options with extra ones added where the build
// does not set them already: a user's own option always wins.
func withOpts(bo gwclient.BuildOpts, extra map[string]string) gwclient.BuildOpts {
	opts := maps.Clone(bo.Opts)
	if opts == nil {
		opts = map[string]string{}
	}
	for k, v := range extra {
		if _, ok := opts[k]; !ok {
			opts[k] = v
		}
	}
	bo.Opts = opts
	return bo
}

// optsClient is a gateway client whose build options carry extra ones, as
// withOpts adds them.
type optsClient struct {
	gwclient.Client
	extra map[string]string
}

// BuildOpts is the client's, with the extra options.
func (c optsClient) BuildOpts() gwclient.BuildOpts {
	return withOpts(c.Client.BuildOpts(), c.extra)
}
