package frontend

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/moby/buildkit/exporter/containerimage/exptypes"
	bkfrontend "github.com/moby/buildkit/frontend"
	"github.com/moby/buildkit/frontend/dockerfile/builder"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/frontend/subrequests/lint"

	"github.com/org/optfrontend/llbopt"
)

// BuildArgOpt is the build arg that selects the passes, for example
// BUILDKIT_OPT=off or BUILDKIT_OPT=-squash. See llbopt.Select for the syntax.
const BuildArgOpt = "BUILDKIT_OPT"

// BuildArgFix is the build arg that asks for fixes that change what the
// image holds, which no pass applies unless asked: a list of fix names
// (norecommends), each run as the pass of that name.
const BuildArgFix = "BUILDKIT_OPT_FIX"

// fixes are the fixes BUILDKIT_OPT_FIX may name: passes of the same name,
// and slim and pin, which the frontend applies itself. buildtools is a fix,
// not a default pass: what it leaves out of the image (a runtime package a
// -dev package pulled in, a library a program dlopens by its unversioned
// name, a compiler the program runs) is more than its in-build proof
// covers, and dpkg's records of the image would no longer match its files.
var fixes = []string{"norecommends", "nodevdeps", "buildtools", fixSlim, fixPin}

// BuildArgSquash is the build arg that asks the squash pass for one layer
// per run of the target stage's steps, whether or not they waste bytes.
const BuildArgSquash = "BUILDKIT_OPT_SQUASH"

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
	oc := newOptClient(c, nil)
	fallback, err := fallbackEnabled(bo.Opts)
	if err != nil {
		return nil, err
	}
	oc.fallback = fallback
	if oc.verify, err = verifyModeOf(bo.Opts); err != nil {
		return nil, err
	}
	oc.self = bo.Opts[bkfrontend.KeySource]
	// The verify mode's stock solve outlives the Solve call that starts
	// it (the Dockerfile builder cancels a call's context when it
	// returns): it lives as long as the build.
	oc.buildCtx = ctx
	passes, err := selectPasses(bo, oc.users, oc.readFile, oc.readDir)
	if err != nil {
		return nil, err
	}
	oc.pipeline = llbopt.NewPipeline(append(passes, extra...)...)
	req := bo.Opts["requestid"]
	var adv *advice
	if ChecksEnabled(bo.Opts) && (req == "" || req == lint.SubrequestLintDefinition.Name) {
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
	if slim, pin := fixRequested(bo.Opts, fixSlim), fixRequested(bo.Opts, fixPin); req == "" && (slim || pin) {
		df := adv // the Dockerfile the checks read, when they ran
		if df == nil {
			df = readDockerfile(ctx, c)
		}
		extra, err := baseFixes(ctx, df, slim, pin)
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

// fixRequested tells whether BUILDKIT_OPT_FIX names a fix.
func fixRequested(opts map[string]string, fix string) bool {
	return slices.Contains(strings.FieldsFunc(opts["build-arg:"+BuildArgFix], func(r rune) bool { return r == ',' || r == ' ' }), fix)
}

// checksWord is the BUILDKIT_OPT word for the build checks (package
// checks), which run beside the passes but change no graph.
const checksWord = "checks"

// ChecksEnabled tells whether the build checks run: unless BUILDKIT_OPT
// says off or none (without naming checks again after it) or -checks.
func ChecksEnabled(opts map[string]string) bool {
	_, on := splitChecks(opts["build-arg:"+BuildArgOpt])
	return on
}

// splitChecks takes the words about the checks out of a BUILDKIT_OPT value
// and says whether they end up on; off, none, all and default apply to
// them as to the passes.
func splitChecks(spec string) (passes string, on bool) {
	on = true
	var rest []string
	for _, w := range strings.FieldsFunc(spec, func(r rune) bool { return r == ',' || r == ' ' }) {
		switch strings.ToLower(w) {
		case "off", "none":
			on = false
		case "all", "default":
			on = true
		case checksWord, "+" + checksWord:
			on = true
			continue
		case "-" + checksWord:
			on = false
			continue
		}
		rest = append(rest, w)
	}
	return strings.Join(rest, ","), on
}

// SelectPasses returns the passes that the frontend options ask for, from
// the BUILDKIT_OPT build arg, configured by the other build args they
// follow (BUILDKIT_CACHE_MOUNT_NS, BUILDKIT_OPT_SQUASH) and by what the
// builder can do.
func SelectPasses(bo gwclient.BuildOpts) ([]llbopt.Pass, error) {
	return selectPasses(bo, nil, nil, nil)
}

func selectPasses(bo gwclient.BuildOpts, users llbopt.UserDB, read llbopt.FileReader, list llbopt.DirReader) ([]llbopt.Pass, error) {
	opts := bo.Opts
	cfg := llbopt.Config{CacheNamespace: opts["build-arg:BUILDKIT_CACHE_MOUNT_NS"], LLBCaps: &bo.LLBCaps, Users: users, Read: read, List: list, Self: opts[bkfrontend.KeySource]}
	if v, ok := opts["build-arg:"+BuildArgSquash]; ok && v != "" {
		all, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("build arg %s: %q is not a boolean (true, false, 1, 0)", BuildArgSquash, v)
		}
		cfg.SquashAll = all
	}
	spec, _ := splitChecks(opts["build-arg:"+BuildArgOpt])
	for _, fix := range strings.FieldsFunc(opts["build-arg:"+BuildArgFix], func(r rune) bool { return r == ',' || r == ' ' }) {
		if !slices.Contains(fixes, fix) {
			return nil, fmt.Errorf("build arg %s: unknown fix %q; known fixes: %s", BuildArgFix, fix, strings.Join(fixes, ", "))
		}
		if fix != fixSlim && fix != fixPin {
			spec += ",+" + fix
		}
	}
	passes, err := llbopt.Select(llbopt.Passes(cfg), spec)
	if err != nil {
		return nil, fmt.Errorf("build arg %s: %w", BuildArgOpt, err)
	}
	return passes, nil
}
