package frontend

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/distribution/reference"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"

	"github.com/org/optfrontend/checks"
	"github.com/org/optfrontend/llbopt"
	"github.com/org/optfrontend/llbopt/pkgcache"
)

// systemPackageManagers are the commands that change the image's package
// database: a stage that runs one is built on the -slim image itself (the
// named-context form of the slim fix), since the full image's database
// would not describe the slim one.
var systemPackageManagers = []string{"apt-get", "apt", "aptitude", "dpkg", "apk", "dnf", "yum", "microdnf", "zypper", "rpm"}

// slimPlan decides how the slim fix changes the target stage's base. It
// returns the swap that keeps the build on the full image and ships the
// stage's layers on the -slim one (llbopt.SlimBase), or nil when the fix
// builds the stage on the -slim image itself (slimContext), which it does
// when the stage runs no command (nothing to keep), runs the system's
// package manager, has a RUN that does not parse, or when the two images'
// configs differ in what a container runs with (env, user, entrypoint,
// command, working directory, shell): the image keeps the full base's.
// The pin fix pins the base the Dockerfile names, so with it too the stage
// is built on the -slim image.
func slimPlan(ctx context.Context, a *advice, pin bool) *llbopt.SlimSwap {
	if a == nil || pin {
		return nil
	}
	opt := checks.Options{Target: a.bc.Target, BuildArgs: a.bc.BuildArgs, ImageExists: a.imageExists}
	base, slim, _, err := checks.SlimBase(ctx, a.src.Data, opt)
	if err != nil || base == "" {
		return nil // slimContext says why
	}
	if _, ok := a.c.BuildOpts().Opts[contextKey(mustNamed(base))]; ok || !runsOnlyUserCommands(a.src.Data, a.bc.Target) {
		return nil
	}
	from, to := mustNamed(base), mustNamed(slim)
	if from == nil || to == nil {
		return nil
	}
	fromCfg, _, err := a.resolveConfig(ctx, from)
	if err != nil {
		return nil
	}
	toCfg, toDigest, err := a.resolveConfig(ctx, to)
	if err != nil || !sameRuntime(fromCfg.Config, toCfg.Config) {
		return nil
	}
	fromHist, err := json.Marshal(fromCfg.History)
	if err != nil {
		return nil
	}
	toHist, err := json.Marshal(toCfg.History)
	if err != nil {
		return nil
	}
	return &llbopt.SlimSwap{
		From: reference.TagNameOnly(from).String(), To: reference.TagNameOnly(to).String() + "@" + toDigest,
		FromHistory: fromHist, ToHistory: toHist,
	}
}

// mustNamed parses an image reference; nil when it is not one.
func mustNamed(ref string) reference.Named {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return nil
	}
	return named
}

// resolveConfig resolves an image's config and digest for the build's
// platform.
func (a *advice) resolveConfig(ctx context.Context, named reference.Named) (*dockerspec.DockerOCIImage, string, error) {
	opt := a.resolveOpt("[internal] optfrontend fix slim: image config of " + reference.FamiliarString(named))
	_, dgst, dt, err := a.c.ResolveImageConfig(ctx, reference.TagNameOnly(named).String(), opt)
	if err != nil {
		return nil, "", fmt.Errorf("resolving %s: %w", reference.FamiliarString(named), err)
	}
	var img dockerspec.DockerOCIImage
	if err := json.Unmarshal(dt, &img); err != nil {
		return nil, "", fmt.Errorf("reading the config of %s: %w", reference.FamiliarString(named), err)
	}
	return &img, dgst.String(), nil
}

// sameRuntime tells whether two image configs start a container alike.
func sameRuntime(a, b dockerspec.DockerOCIImageConfig) bool {
	env := func(c dockerspec.DockerOCIImageConfig) []string { return slices.Sorted(slices.Values(c.Env)) }
	return reflect.DeepEqual(env(a), env(b)) && a.User == b.User && a.WorkingDir == b.WorkingDir &&
		slices.Equal(a.Entrypoint, b.Entrypoint) && slices.Equal(a.Cmd, b.Cmd) && slices.Equal(a.Shell, b.Shell)
}

// runsOnlyUserCommands tells whether the target stage of Dockerfile dt has
// at least one RUN, every RUN parses, and none runs the system's package
// manager.
func runsOnlyUserCommands(dt []byte, target string) bool {
	ast, err := parser.Parse(bytes.NewReader(dt))
	if err != nil {
		return false
	}
	stages, _, err := instructions.Parse(ast.AST, linter.New(&linter.Config{}))
	if err != nil || len(stages) == 0 {
		return false
	}
	i := len(stages) - 1
	if target != "" {
		if i = slices.IndexFunc(stages, func(s instructions.Stage) bool { return strings.EqualFold(s.Name, target) }); i < 0 {
			return false
		}
	}
	runs := 0
	for _, cmd := range stages[i].Commands {
		run, ok := cmd.(*instructions.RunCommand)
		if !ok {
			continue
		}
		runs++
		args := run.CmdLine
		if run.PrependShell {
			args = []string{"/bin/sh", "-c", strings.Join(run.CmdLine, " ")}
		}
		if len(run.Files) > 0 {
			return false // a heredoc: its text is not in CmdLine
		}
		cmds, err := pkgcache.Commands(pkgcache.Exec{Args: args})
		if err != nil {
			return false
		}
		for _, c := range cmds {
			// A package manager this does not see (a script, a variable's
			// command) still fails the layer check: dpkg's database would
			// be in the stage's layers.
			if c.Name == "" || slices.Contains(systemPackageManagers, c.Name) {
				return false
			}
		}
	}
	return runs > 0
}
