package frontend

import (
	"context"
	"fmt"
	"strconv"

	"github.com/moby/buildkit/frontend/dockerfile/builder"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"

	"github.com/org/optfrontend/llbopt"
)

// BuildArgOpt is the build arg that selects the passes, for example
// BUILDKIT_OPT=off or BUILDKIT_OPT=-squash. See llbopt.Select for the syntax.
const BuildArgOpt = "BUILDKIT_OPT"

// BuildArgSquash is the build arg that asks the squash pass for one layer
// per run of the target stage's steps, whether or not they waste bytes.
const BuildArgSquash = "BUILDKIT_OPT_SQUASH"

// Build is the gateway build function. Everything the stock Dockerfile
// frontend does (build args, targets, platforms, named contexts, secrets,
// ssh, subrequests, checks, attestations) is the stock code's own doing; this
// function only chooses the passes and hands the stock builder a client that
// runs them.
func Build(ctx context.Context, c gwclient.Client) (*gwclient.Result, error) {
	passes, err := SelectPasses(c.BuildOpts())
	if err != nil {
		return nil, err
	}
	oc := newOptClient(c, llbopt.NewPipeline(passes...))
	res, err := builder.Build(ctx, oc)
	if err != nil {
		return nil, err
	}
	if err := oc.followLayers(ctx, res); err != nil {
		return nil, err
	}
	return res, nil
}

// SelectPasses returns the passes that the frontend options ask for, from
// the BUILDKIT_OPT build arg, configured by the other build args they
// follow (BUILDKIT_CACHE_MOUNT_NS, BUILDKIT_OPT_SQUASH) and by what the
// builder can do.
func SelectPasses(bo gwclient.BuildOpts) ([]llbopt.Pass, error) {
	opts := bo.Opts
	cfg := llbopt.Config{CacheNamespace: opts["build-arg:BUILDKIT_CACHE_MOUNT_NS"], LLBCaps: &bo.LLBCaps}
	if v, ok := opts["build-arg:"+BuildArgSquash]; ok && v != "" {
		all, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("build arg %s: %q is not a boolean (true, false, 1, 0)", BuildArgSquash, v)
		}
		cfg.SquashAll = all
	}
	passes, err := llbopt.Select(llbopt.Passes(cfg), opts["build-arg:"+BuildArgOpt])
	if err != nil {
		return nil, fmt.Errorf("build arg %s: %w", BuildArgOpt, err)
	}
	return passes, nil
}
