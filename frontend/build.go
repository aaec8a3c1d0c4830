package frontend

import (
	"context"
	"slices"
	"strings"

	"github.com/moby/buildkit/exporter/containerimage/exptypes"
	bkfrontend "github.com/moby/buildkit/frontend"
	"github.com/moby/buildkit/frontend/dockerfile/builder"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/frontend/subrequests/lint"

	"github.com/org/optfrontend/llbopt"
)

// Build is the gateway build function. Everything the stock Dockerfile
// frontend does (build args, targets, platforms, named contexts, secrets,
// ssh, subrequests, checks, attestations) is the stock code's own doing; this
// function only chooses the passes and hands the stock builder a client that
// runs them.
func Build(ctx context.Context, c gwclient.Client) (*gwclient.Result, error) {
	res, err := build(ctx, c, nil)
	return res, keepContext(err)
}

// BuildWith is Build with more passes run after the selected ones. Tests
// use it to put a deliberately broken pass in the pipeline, which the
// safety nets (the fallback, the verify mode) must catch.
func BuildWith(extra ...llbopt.Pass) gwclient.BuildFunc {
	return func(ctx context.Context, c gwclient.Client) (*gwclient.Result, error) {
		res, err := build(ctx, c, extra)
		return res, keepContext(err)
	}
}

func build(ctx context.Context, c gwclient.Client, extra []llbopt.Pass) (*gwclient.Result, error) {
	bo := c.BuildOpts()
	opt, err := ParseOptions(bo.Opts)
	if err != nil {
		return nil, err
	}
	oc := newOptClient(c, nil)
	oc.fallback, oc.verify = opt.Fallback, opt.Verify
	oc.self = bo.Opts[bkfrontend.KeySource]
	// The verify mode's stock solve outlives the Solve call that starts
	// it (the Dockerfile builder cancels a call's context when it
	// returns): it lives as long as the build.
	oc.buildCtx = ctx
	cfg := passConfig(c, bo)
	cfg.Users, cfg.Read, cfg.List = oc.users, oc.readFile, oc.readDir
	passes := opt.passes(cfg)
	oc.pipeline = llbopt.NewPipeline(append(passes, extra...)...)
	req := bo.Opts["requestid"]
	checking := opt.Checks && (req == "" || req == lint.SubrequestLintDefinition.Name)
	// A normal build's checks only warn (or, with error=true, fail the
	// build): they run beside the stock builder rather than before it, so
	// that their reads of the Dockerfile, the context and the base image's
	// config cost no time of their own.
	checked := make(chan error, 1)
	var adv *advice
	switch {
	case checking && req == "":
		go func() { checked <- runChecks(ctx, c, passes) }()
	case checking:
		if adv = newAdvice(ctx, c); adv != nil {
			adv.keepOut(ctx, passes)
		}
		checked <- nil
	default:
		checked <- nil
	}
	if req == "" && (opt.Slim || opt.Pin) {
		extra, err := baseFixes(ctx, readDockerfile(ctx, c), opt.Slim, opt.Pin)
		if err != nil {
			<-checked
			return nil, err
		}
		oc.opts = extra
	}
	res, err := builder.Build(ctx, oc)
	// A check that fails the build fails it as it did when the checks ran
	// first, whatever the build did meanwhile.
	if cerr := <-checked; cerr != nil {
		return nil, cerr
	}
	if err != nil {
		return nil, err
	}
	if adv != nil && req != "" {
		return adv.lint(ctx, res)
	}
	configs := imageConfigs(res)
	if err := oc.followLayers(ctx, res); err != nil {
		return nil, err
	}
	if err := oc.verifyResult(ctx, res, configs); err != nil {
		return nil, err
	}
	return res, nil
}

// runChecks reads the Dockerfile as the stock builder does and runs the
// checks on it for a normal build; see advice.warn.
func runChecks(ctx context.Context, c gwclient.Client, passes []llbopt.Pass) error {
	adv := newAdvice(ctx, c)
	if adv == nil {
		return nil
	}
	adv.keepOut(ctx, passes)
	return adv.warn(ctx)
}

// imageConfigs copies the image configs of a result's metadata, as the
// stock builder made them.
func imageConfigs(res *gwclient.Result) map[string][]byte {
	out := map[string][]byte{}
	if res == nil {
		return out
	}
	for k, v := range res.Metadata {
		if strings.HasPrefix(k, exptypes.ExporterImageConfigKey) {
			out[k] = slices.Clone(v)
		}
	}
	return out
}
