package frontend

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	bkfrontend "github.com/moby/buildkit/frontend"
	"github.com/moby/buildkit/frontend/dockerui"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"

	"github.com/org/optfrontend/llbopt"
)

// The frontend's own build args. Every other option (targets, platforms,
// named contexts, BUILDKIT_CACHE_MOUNT_NS, ...) is the stock builder's, read
// by dockerui.Config.
const (
	// BuildArgOpt selects the passes and the build checks, for example
	// BUILDKIT_OPT=off or BUILDKIT_OPT=-squash (see Options).
	BuildArgOpt = "BUILDKIT_OPT"
	// BuildArgFix asks for fixes that change what the image holds, which
	// nothing applies unless asked: a list of fix names (norecommends,
	// slim, ...).
	BuildArgFix = "BUILDKIT_OPT_FIX"
	// BuildArgSquash asks the squash pass for one layer per run of the
	// target stage's steps, whether or not they waste bytes.
	BuildArgSquash = "BUILDKIT_OPT_SQUASH"
	// BuildArgFallback turns the safety net off: BUILDKIT_OPT_FALLBACK=off
	// makes a failure of the optimized graph the build's failure, as the
	// tests that must see pass defects need. By default a failed optimized
	// graph is solved again as the stock frontend made it.
	BuildArgFallback = "BUILDKIT_OPT_FALLBACK"
	// BuildArgVerify is the verify mode: BUILDKIT_OPT_VERIFY=1 (or strict)
	// solves, beside the optimized graph, the graph the stock builder made,
	// compares the two images inside the build, and fails the build on any
	// difference no report line of the build explains;
	// BUILDKIT_OPT_VERIFY=warn warns instead.
	BuildArgVerify = "BUILDKIT_OPT_VERIFY"
)

// ErrUnknownPass is returned for a BUILDKIT_OPT word that names no pass.
var ErrUnknownPass = errors.New("unknown pass")

// checksWord is the BUILDKIT_OPT word for the build checks (package
// checks), which run beside the passes but change no graph.
const checksWord = "checks"

// The BUILDKIT_OPT_FIX words the frontend applies itself, through named
// contexts for the target stage's base image.
const (
	// fixSlim ships the target stage on the -slim variant of its base
	// (a pass's name too: see slimPlan).
	fixSlim = "slim"
	// fixPin builds it on the digest its base's tag names now, and says
	// what to write to keep it.
	fixPin = "pin"
)

// Options are the frontend's own build args, parsed once, as
// dockerui.Config holds the stock builder's.
type Options struct {
	// Passes names the passes to run, in the pipeline's order.
	Passes []string
	// Checks is whether the build checks run.
	Checks bool
	// Slim and Pin are the fixes of the target stage's base image that
	// BUILDKIT_OPT_FIX names.
	Slim, Pin bool
	// Static is the fix that ships a static program on scratch (see
	// applyStatic).
	Static bool
	// SquashAll is BUILDKIT_OPT_SQUASH.
	SquashAll bool
	// Fallback is whether a failed optimized graph is solved again as the
	// stock builder made it (BUILDKIT_OPT_FALLBACK).
	Fallback bool
	// Verify is the BUILDKIT_OPT_VERIFY mode.
	Verify verifyMode
}

// switchable is one thing BUILDKIT_OPT or BUILDKIT_OPT_FIX switches on or
// off: a pass, the build checks, or a fix the frontend applies itself.
type switchable struct {
	name string
	// on is whether it is on when the user says nothing.
	on bool
	// fix is whether BUILDKIT_OPT_FIX may name it.
	fix bool
	// pass is whether it is one of llbopt's passes; the checks and the
	// frontend's own fixes are not, and BUILDKIT_OPT does not name them
	// as passes.
	pass bool
}

// registry is every pass and fix the frontend knows, in the pipeline's
// order, then the checks and the frontend's own fixes.
func registry() []switchable {
	var out []switchable
	for _, e := range llbopt.Passes(llbopt.Config{}) {
		out = append(out, switchable{name: e.Pass.Name(), on: e.Default, fix: e.Fix, pass: true})
	}
	return append(out,
		switchable{name: checksWord, on: true},
		switchable{name: fixPin, fix: true},
		switchable{name: fixStatic, fix: true},
	)
}

// ParseOptions reads the frontend's build args from the gateway's options.
//
// BUILDKIT_OPT is a list of words separated by commas or spaces, applied
// left to right to the default set; case does not matter:
//
//	off, none   no pass and no checks
//	all         every pass and the checks
//	default     the default passes and the checks
//	-NAME       leave NAME out (a pass, or checks)
//	NAME, +NAME run NAME too
//
// BUILDKIT_OPT_FIX is a list of fix names, each switched on after
// BUILDKIT_OPT's words.
func ParseOptions(opts map[string]string) (Options, error) {
	o := Options{}
	known := registry()
	on, err := switchWords(known, opts["build-arg:"+BuildArgOpt], opts["build-arg:"+BuildArgFix])
	if err != nil {
		return Options{}, err
	}
	for _, s := range known {
		switch {
		case !on[s.name]:
		case s.pass:
			o.Passes = append(o.Passes, s.name)
		case s.name == checksWord:
			o.Checks = true
		case s.name == fixPin:
			o.Pin = true
		case s.name == fixStatic:
			o.Static = true
		}
	}
	// The slim fix is a pass (llbopt.SlimBase) where the build stays on
	// the full image, and named contexts where it does not (slimPlan).
	o.Slim = slices.Contains(o.Passes, fixSlim)
	if v := opts["build-arg:"+BuildArgSquash]; v != "" {
		all, err := strconv.ParseBool(v)
		if err != nil {
			return Options{}, fmt.Errorf("build arg %s: %q is not a boolean (true, false, 1, 0)", BuildArgSquash, v)
		}
		o.SquashAll = all
	}
	if o.Fallback, err = fallbackEnabled(opts); err != nil {
		return Options{}, err
	}
	if o.Verify, err = verifyModeOf(opts); err != nil {
		return Options{}, err
	}
	return o, nil
}

// switchWords applies a BUILDKIT_OPT value and a BUILDKIT_OPT_FIX value to
// the known switches and returns which are on.
func switchWords(known []switchable, spec, fixSpec string) (map[string]bool, error) {
	on := map[string]bool{}
	for _, s := range known {
		on[s.name] = s.on
	}
	for _, word := range words(spec) {
		if !applyWord(known, on, word) {
			return nil, fmt.Errorf("build arg %s: %w %q in %s=%q; known passes: %s", BuildArgOpt, ErrUnknownPass, word, BuildArgOpt, spec, names(known, func(s switchable) bool { return s.pass }))
		}
	}
	for _, word := range words(fixSpec) {
		i := slices.IndexFunc(known, func(s switchable) bool { return s.fix && s.name == word })
		if i < 0 {
			return nil, fmt.Errorf("build arg %s: unknown fix %q; known fixes: %s", BuildArgFix, word, names(known, func(s switchable) bool { return s.fix }))
		}
		on[word] = true
	}
	return on, nil
}

// applyWord applies one BUILDKIT_OPT word; false for a word that names
// nothing BUILDKIT_OPT switches. The frontend's own fixes are named by
// BUILDKIT_OPT_FIX only.
func applyWord(known []switchable, on map[string]bool, word string) bool {
	optable := func(s switchable) bool { return s.pass || s.name == checksWord }
	switch word {
	case "off", "none":
		for _, s := range known {
			if optable(s) {
				on[s.name] = false
			}
		}
		return true
	case "all":
		for _, s := range known {
			if optable(s) {
				on[s.name] = true
			}
		}
		return true
	case "default":
		for _, s := range known {
			if optable(s) {
				on[s.name] = s.on
			}
		}
		return true
	}
	name, off := strings.CutPrefix(word, "-")
	name = strings.TrimPrefix(name, "+")
	if !slices.ContainsFunc(known, func(s switchable) bool { return optable(s) && s.name == name }) {
		return false
	}
	on[name] = !off
	return true
}

// words splits an option's value at commas and spaces, lowercased.
func words(v string) []string {
	return strings.FieldsFunc(strings.ToLower(v), func(r rune) bool { return r == ',' || r == ' ' })
}

// names lists the known switches that keep accepts, for an error message.
func names(known []switchable, keep func(switchable) bool) string {
	var out []string
	for _, s := range known {
		if keep(s) {
			out = append(out, s.name)
		}
	}
	if len(out) == 0 {
		return "(none yet)"
	}
	return strings.Join(out, ", ")
}

// fallbackEnabled reads BUILDKIT_OPT_FALLBACK: on unless off, false, 0 or
// no; anything else that is not on, true, 1 or yes is an error naming the
// option.
func fallbackEnabled(opts map[string]string) (bool, error) {
	v, ok := opts["build-arg:"+BuildArgFallback]
	if !ok || v == "" {
		return true, nil
	}
	switch strings.ToLower(v) {
	case "on", "true", "1", "yes":
		return true, nil
	case "off", "false", "0", "no":
		return false, nil
	}
	return false, fmt.Errorf("build arg %s: %q is neither on nor off", BuildArgFallback, v)
}

// verifyModeOf reads BUILDKIT_OPT_VERIFY: off when unset, empty, 0, false,
// off or no; strict for 1, true, on, yes or strict; warn for warn.
func verifyModeOf(opts map[string]string) (verifyMode, error) {
	v := strings.ToLower(opts["build-arg:"+BuildArgVerify])
	switch v {
	case "", "0", "false", "off", "no":
		return verifyOff, nil
	case "1", "true", "on", "yes", "strict":
		return verifyStrict, nil
	case "warn":
		return verifyWarn, nil
	}
	return verifyOff, fmt.Errorf("build arg %s: %q is none of 1, strict, warn, 0", BuildArgVerify, v)
}

// passes returns the passes o selects, configured by cfg.
func (o Options) passes(cfg llbopt.Config) []llbopt.Pass {
	cfg.SquashAll = o.SquashAll
	cfg.VCSDirs = slices.Contains(o.Passes, "vcsdirs")
	var out []llbopt.Pass
	for _, e := range llbopt.Passes(cfg) {
		if slices.Contains(o.Passes, e.Pass.Name()) {
			out = append(out, e.Pass)
		}
	}
	return out
}

// SelectPasses returns the passes that the client's build options ask
// for, configured by the other options they follow
// (BUILDKIT_CACHE_MOUNT_NS, BUILDKIT_OPT_SQUASH) and by what the builder can
// do, with no daemon to read files or users from.
func SelectPasses(c gwclient.Client) ([]llbopt.Pass, error) {
	bo := c.BuildOpts()
	o, err := ParseOptions(bo.Opts)
	if err != nil {
		return nil, err
	}
	return o.passes(passConfig(c, bo)), nil
}

// passConfig is what the passes take from the build, without the readers a
// daemon gives.
func passConfig(c gwclient.Client, bo gwclient.BuildOpts) llbopt.Config {
	return llbopt.Config{
		CacheNamespace: cacheNamespace(c),
		LLBCaps:        &bo.LLBCaps,
		Self:           bo.Opts[bkfrontend.KeySource],
	}
}

// cacheNamespace is BUILDKIT_CACHE_MOUNT_NS as the stock builder reads it,
// which namespaces the cache mounts a pass adds as it does the user's own;
// empty when the options do not parse, whose error the stock builder
// reports.
func cacheNamespace(c gwclient.Client) string {
	bc, err := dockerui.NewClient(c)
	if err != nil {
		return ""
	}
	return bc.CacheIDNamespace
}
