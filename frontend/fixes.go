package frontend

import (
	"context"
	"fmt"
	"maps"
	"strings"

	"github.com/distribution/reference"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerui"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/solver/pb"

	"github.com/org/optfrontend/checks"
)

// baseFixes applies the slim and pin fixes the build asks for and returns
// the named-context options that carry them to the stock builder.
func baseFixes(ctx context.Context, a *advice, slim, pin bool) (map[string]string, error) {
	extra := map[string]string{}
	if a == nil {
		return extra, nil // the stock builder reports a Dockerfile it cannot read
	}
	if slim {
		s, err := slimContext(ctx, a)
		if err != nil {
			return nil, err
		}
		maps.Copy(extra, s)
	}
	if pin {
		p, err := pinContext(ctx, a, extra)
		if err != nil {
			return nil, err
		}
		maps.Copy(extra, p)
	}
	return extra, nil
}

// pinContext resolves the target stage's base image (or the -slim one the
// slim fix chose) to the digest its tag names now, builds on that digest,
// and tells the user the FROM line that keeps it.
func pinContext(ctx context.Context, a *advice, chosen map[string]string) (map[string]string, error) {
	c, bc, src := a.c, a.bc, a.src
	base, loc, err := checks.FinalBase(src.Data, checks.Options{Target: bc.Target, BuildArgs: bc.BuildArgs})
	if err != nil || base == "" {
		warnAt(ctx, src, loc, "optfrontend fix pin: nothing to do: the final stage's base image is scratch, another stage, or already pinned by digest")
		return nil, nil
	}
	named, err := reference.ParseNormalizedNamed(base)
	if err != nil {
		warnAt(ctx, src, loc, fmt.Sprintf("optfrontend fix pin: nothing to do: %s is not an image reference: %v", base, err))
		return nil, nil
	}
	key := contextKey(named)
	target := reference.TagNameOnly(named).String()
	if v, ok := chosen[key]; ok {
		target = strings.TrimPrefix(v, "docker-image://")
	} else if _, ok := c.BuildOpts().Opts[key]; ok {
		warnAt(ctx, src, loc, fmt.Sprintf("optfrontend fix pin: left %s as it is: the build already names a context for it", base))
		return nil, nil
	}
	opt := a.resolveOpt("[internal] optfrontend fix pin: resolve " + target)
	_, dgst, _, err := c.ResolveImageConfig(ctx, target, opt)
	if err != nil {
		return nil, fmt.Errorf("fix pin: resolving %s: %w", target, err)
	}
	pinned := target + "@" + dgst.String()
	t, err := reference.ParseNormalizedNamed(target)
	if err == nil {
		pinned = reference.FamiliarString(t) + "@" + dgst.String()
	}
	warnAt(ctx, src, loc, fmt.Sprintf("optfrontend fix pin: built FROM %s; write FROM %s in the Dockerfile to build on it every time", pinned, pinned))
	return map[string]string{key: "docker-image://" + target + "@" + dgst.String()}, nil
}

// contextKey is the option that names a context for an image, as
// dockerui looks it up: by its familiar name, without :latest.
func contextKey(named reference.Named) string {
	return "context:" + strings.TrimSuffix(reference.FamiliarString(named), ":latest")
}

// warnAt sends a warning at a Dockerfile location.
func warnAt(ctx context.Context, src *dockerui.Source, loc []parser.Range, msg string) {
	opts := gwclient.WarnOpts{Level: 1}
	line := 0
	for _, r := range loc {
		opts.Range = append(opts.Range, &pb.Range{Start: &pb.Position{Line: int32(r.Start.Line)}, End: &pb.Position{Line: int32(r.End.Line)}})
		if line == 0 {
			line = r.Start.Line
		}
	}
	if line > 0 {
		msg = fmt.Sprintf("%s (line %d)", msg, line)
	}
	src.Warn(ctx, msg, opts)
}

// slimContext finds the -slim variant of the image the target stage is
// built from and returns the named-context option that makes the stock
// builder use it in its place, as `--build-context python:3.12=docker-image://python:3.12-slim`
// would: the image's own config (env, user, entrypoint) comes with it. It
// reports the swap at the FROM's line, or why there is none.
func slimContext(ctx context.Context, a *advice) (map[string]string, error) {
	c, bc, src := a.c, a.bc, a.src
	opt := checks.Options{Target: bc.Target, BuildArgs: bc.BuildArgs, ImageExists: a.imageExists}
	base, slim, loc, err := checks.SlimBase(ctx, src.Data, opt)
	warn := func(msg string) { warnAt(ctx, src, loc, msg) }
	if err != nil {
		// The stock builder reports a Dockerfile it cannot read; the fix
		// the user asked for says why it did nothing.
		warn(fmt.Sprintf("optfrontend fix slim: nothing to do: the final stage's base image could not be read: %v", err))
		return nil, nil
	}
	if base == "" {
		warn("optfrontend fix slim: nothing to do: the final stage's base image is pinned, already slim, or has no -slim variant in its registry")
		return nil, nil
	}
	named, err := reference.ParseNormalizedNamed(base)
	if err != nil {
		warn(fmt.Sprintf("optfrontend fix slim: nothing to do: %s is not an image reference: %v", base, err))
		return nil, nil
	}
	key := contextKey(named)
	if _, ok := c.BuildOpts().Opts[key]; ok {
		warn(fmt.Sprintf("optfrontend fix slim: left %s as it is: the build already names a context for it", base))
		return nil, nil
	}
	slimNamed, err := reference.ParseNormalizedNamed(slim)
	if err != nil {
		warn(fmt.Sprintf("optfrontend fix slim: nothing to do: %s is not an image reference: %v", slim, err))
		return nil, nil
	}
	warn(fmt.Sprintf("optfrontend fix slim: built FROM %s instead of %s: the image no longer has what the full image adds (compilers, headers, many tools)", slim, base))
	return map[string]string{key: "docker-image://" + slimNamed.String()}, nil
}
