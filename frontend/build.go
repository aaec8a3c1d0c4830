package frontend

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/moby/buildkit/exporter/containerimage/exptypes"
	bkfrontend "github.com/moby/buildkit/frontend"
	"github.com/moby/buildkit/frontend/dockerfile/builder"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/frontend/subrequests/lint"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	digest "github.com/opencontainers/go-digest"

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
	cfg.Users, cfg.Read, cfg.List, cfg.Entries = oc.users, oc.readFile, oc.readDir, oc.readEntries
	req := bo.Opts["requestid"]
	var df *advice // the Dockerfile, read once for the base image's fixes
	if req == "" && (opt.Slim || opt.Pin) {
		df = readDockerfile(ctx, c)
	}
	if req == "" && opt.Slim {
		cfg.Slim = slimPlan(ctx, df, opt.Pin)
	}
	passes := opt.passes(cfg)
	oc.pipeline = llbopt.NewPipeline(append(passes, extra...)...)
	checking := opt.Checks && (req == "" || req == lint.SubrequestLintDefinition.Name)
	// A normal build's checks only warn (or, with error=true, fail the
	// build): they run beside the stock builder rather than before it, so
	// that their reads of the Dockerfile, the context and the base image's
	// config cost no time of their own.
	checked := make(chan error, 1)
	var adv *advice
	var held *heldWarnings
	var built *builtUser
	switch {
	case checking && req == "":
		// Their warnings wait for the build, so that they come in one
		// order every time, after the stock builder's and the passes'.
		held = &heldWarnings{Client: c}
		built = &builtUser{done: make(chan struct{})}
		go func() { checked <- runChecks(ctx, held, passes, built) }()
	case checking:
		if adv = newAdvice(ctx, c); adv != nil {
			adv.keepOut(ctx, passes)
		}
		checked <- nil
	default:
		checked <- nil
	}
	if req == "" && (opt.Slim || opt.Pin) {
		extra, err := baseFixes(ctx, df, opt.Slim && cfg.Slim == nil, opt.Pin)
		if err != nil {
			built.set(nil, err)
			<-checked // its warnings are dropped with the build
			return nil, err
		}
		oc.opts = extra
	}
	res, err := builder.Build(ctx, oc)
	built.set(res, err)
	// A check that fails the build fails it as it did when the checks ran
	// first, whatever the build did meanwhile.
	cerr := <-checked
	if held != nil {
		if werr := held.send(ctx); werr != nil && cerr == nil {
			cerr = werr
		}
	}
	if cerr != nil {
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
	if opt.Static && req == "" {
		// After verify: the passes are proven on the image they made;
		// the fix then changes it on purpose, and says so.
		return applyStatic(ctx, c, res)
	}
	return res, nil
}

// runChecks reads the Dockerfile as the stock builder does and runs the
// checks on it for a normal build; see advice.warn.
func runChecks(ctx context.Context, c gwclient.Client, passes []llbopt.Pass, built *builtUser) error {
	adv := newAdvice(ctx, c)
	if adv == nil {
		return nil
	}
	// The user the target's base image runs as is asked only when no USER
	// of the target's stages sets one: it is then the user of the image
	// the build makes, which the build resolves anyway.
	adv.opt.ImageUser = built.get
	adv.keepOut(ctx, passes)
	return adv.warn(ctx)
}

// builtUser is the user the image a build makes runs as, once the build
// has made it.
type builtUser struct {
	done chan struct{}
	user string
	err  error
}

// set records the build's outcome; on a nil builtUser it does nothing.
func (b *builtUser) set(res *gwclient.Result, err error) {
	if b == nil {
		return
	}
	defer close(b.done)
	if err != nil {
		b.err = fmt.Errorf("the build failed: %w", err)
		return
	}
	configs := imageConfigs(res)
	keys := slices.Sorted(maps.Keys(configs))
	if len(keys) == 0 {
		b.err = errors.New("the build made no image config")
		return
	}
	var img dockerspec.DockerOCIImage
	if err := json.Unmarshal(configs[keys[0]], &img); err != nil {
		b.err = fmt.Errorf("reading the image config: %w", err)
		return
	}
	b.user = img.Config.User
}

// get waits for the build and returns the user its image runs as.
func (b *builtUser) get(ctx context.Context, _ string) (string, error) {
	select {
	case <-b.done:
		return b.user, b.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// heldWarnings is a client whose warnings are kept until send, in the
// order they were made.
type heldWarnings struct {
	gwclient.Client
	mu    sync.Mutex
	calls []heldWarning
}

type heldWarning struct {
	dgst digest.Digest
	msg  string
	opts gwclient.WarnOpts
}

// Warn keeps the warning for send.
func (h *heldWarnings) Warn(_ context.Context, dgst digest.Digest, msg string, opts gwclient.WarnOpts) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls = append(h.calls, heldWarning{dgst, msg, opts})
	return nil
}

// send gives the kept warnings to the real client.
func (h *heldWarnings) send(ctx context.Context) error {
	h.mu.Lock()
	calls := h.calls
	h.calls = nil
	h.mu.Unlock()
	for _, w := range calls {
		if err := h.Client.Warn(ctx, w.dgst, w.msg, w.opts); err != nil {
			return fmt.Errorf("reporting the checks' findings: %w", err)
		}
	}
	return nil
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
