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
	var adv *advice
	if opt.Checks && (req == "" || req == lint.SubrequestLintDefinition.Name) {
		adv = newAdvice(ctx, c)
	}
	if adv != nil {
		adv.keepOut(ctx, passes)
	}
	if adv != nil && req == "" {
		if err := adv.warn(ctx); err != nil {
			return nil, err
		}
	}
	if req == "" && (opt.Slim || opt.Pin) {
		df := adv // the Dockerfile the checks read, when they ran
		if df == nil {
			df = readDockerfile(ctx, c)
		}
		extra, err := baseFixes(ctx, df, opt.Slim, opt.Pin)
		if err != nil {
			return nil, err
		}
		oc.opts = extra
	}
	res, err := builder.Build(ctx, oc)
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
