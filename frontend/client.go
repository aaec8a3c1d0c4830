package frontend

import (
	"context"
	"fmt"
	"sync"

	gwclient "github.com/moby/buildkit/frontend/gateway/client"

	"github.com/org/optfrontend/llbopt"
)

// optClient is the gateway client the stock builder sees. It forwards every
// call to the real client and rewrites only the definitions the builder
// solves itself (not those it forwards to another frontend).
type optClient struct {
	gwclient.Client
	pipeline *llbopt.Pipeline

	mu     sync.Mutex
	warned map[string]bool
	// opts are build options the frontend adds for the stock builder (a
	// named context from a fix).
	opts map[string]string
	// layers remembers, per result the builder got, how the passes changed
	// its layers, so that Build can make the image's history follow.
	layers map[gwclient.Reference]layerPlan
}

// layerPlan is what the passes did to the layers of one solved result, and
// the request as the builder made it, to solve again should the history not
// match.
type layerPlan struct {
	edits    []llbopt.LayerEdit
	original gwclient.SolveRequest
}

func newOptClient(c gwclient.Client, p *llbopt.Pipeline) *optClient {
	return &optClient{Client: c, pipeline: p, warned: map[string]bool{}, layers: map[gwclient.Reference]layerPlan{}}
}

// BuildOpts is the real client's, with the options the frontend added.
func (c *optClient) BuildOpts() gwclient.BuildOpts {
	return withOpts(c.Client.BuildOpts(), c.opts)
}

// Solve runs the passes over the request's definition, reports their
// findings as build warnings at their Dockerfile lines, and solves the result.
func (c *optClient) Solve(ctx context.Context, req gwclient.SolveRequest) (*gwclient.Result, error) {
	if req.Definition == nil || req.Frontend != "" {
		return c.Client.Solve(ctx, req)
	}
	def, g, reports, err := c.pipeline.Run(ctx, req.Definition)
	if err != nil {
		return nil, fmt.Errorf("optimizing build graph: %w", err)
	}
	if err := c.warn(ctx, g, reports); err != nil {
		return nil, err
	}
	original := req
	req.Definition = def
	res, err := c.Client.Solve(ctx, req)
	if err != nil || res == nil {
		return res, err
	}
	var edits []llbopt.LayerEdit
	for _, rep := range reports {
		edits = append(edits, rep.Layers...)
	}
	if len(edits) > 0 {
		c.mu.Lock()
		defer c.mu.Unlock()
		if res.Ref != nil {
			c.layers[res.Ref] = layerPlan{edits: edits, original: original}
		}
		for _, ref := range res.Refs {
			if ref != nil {
				c.layers[ref] = layerPlan{edits: edits, original: original}
			}
		}
	}
	return res, nil
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
