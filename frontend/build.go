package frontend

import (
	"context"
	"fmt"

	"github.com/moby/buildkit/frontend/dockerfile/builder"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"

	"github.com/org/optfrontend/llbopt"
)

// BuildArgOpt is the build arg that selects the passes, for example
// BUILDKIT_OPT=off or BUILDKIT_OPT=-squash. See llbopt.Select for the syntax.
const BuildArgOpt = "BUILDKIT_OPT"

// Build is the gateway build function. Everything the stock Dockerfile
// frontend does (build args, targets, platforms, named contexts, secrets,
// ssh, subrequests, checks, attestations) is the stock code's own doing; this
// function only chooses the passes and hands the stock builder a client that
// runs them.
func Build(ctx context.Context, c gwclient.Client) (*gwclient.Result, error) {
	passes, err := SelectPasses(c.BuildOpts().Opts)
	if err != nil {
		return nil, err
	}
	return builder.Build(ctx, newOptClient(c, llbopt.NewPipeline(passes...)))
}

// SelectPasses returns the passes that the frontend options ask for, from
// the BUILDKIT_OPT build arg, configured by the other build args they
// follow (BUILDKIT_CACHE_MOUNT_NS).
func SelectPasses(opts map[string]string) ([]llbopt.Pass, error) {
	cfg := llbopt.Config{CacheNamespace: opts["build-arg:BUILDKIT_CACHE_MOUNT_NS"]}
	passes, err := llbopt.Select(llbopt.Passes(cfg), opts["build-arg:"+BuildArgOpt])
	if err != nil {
		return nil, fmt.Errorf("build arg %s: %w", BuildArgOpt, err)
	}
	return passes, nil
}
