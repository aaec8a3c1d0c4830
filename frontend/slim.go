package frontend

import (
	"context"
	"fmt"
	"maps"
	"strings"

	"github.com/distribution/reference"
	"github.com/moby/buildkit/frontend/dockerui"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/solver/pb"

	"github.com/org/optfrontend/checks"
)

// fixSlim is the BUILDKIT_OPT_FIX word that builds the target stage on the
// -slim variant of its base image.
const fixSlim = "slim"

// slimContext finds the -slim variant of the image the target stage is
// built from and returns the named-context option that makes the stock
// builder use it in its place, as `--build-context python:3.12=docker-image://python:3.12-slim`
// would: the image's own config (env, user, entrypoint) comes with it. It
// reports the swap at the FROM's line, or why there is none.
func slimContext(ctx context.Context, c gwclient.Client) (map[string]string, error) {
	bc, err := dockerui.NewClient(c)
	if err != nil {
		return nil, nil // the stock builder reports it
	}
	src, err := bc.ReadEntrypoint(ctx, "Dockerfile")
	if err != nil {
		return nil, nil
	}
	a := &advice{c: c, bc: bc, src: src}
	opt := checks.Options{Target: bc.Target, BuildArgs: bc.BuildArgs, ImageExists: a.imageExists}
	base, slim, loc, err := checks.SlimBase(ctx, src.Data, opt)
	if err != nil {
		return nil, nil
	}
	warn := func(msg string) {
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
	if base == "" {
		warn("optfrontend fix slim: nothing to do: the final stage's base image is pinned, already slim, or has no -slim variant in its registry")
		return nil, nil
	}
	named, err := reference.ParseNormalizedNamed(base)
	if err != nil {
		return nil, nil
	}
	key := "context:" + strings.TrimSuffix(reference.FamiliarString(named), ":latest")
	if _, ok := c.BuildOpts().Opts[key]; ok {
		warn(fmt.Sprintf("optfrontend fix slim: left %s as it is: the build already names a context for it", base))
		return nil, nil
	}
	slimNamed, err := reference.ParseNormalizedNamed(slim)
	if err != nil {
		return nil, nil
	}
	warn(fmt.Sprintf("optfrontend fix slim: built FROM %s instead of %s: the image no longer has what the full image adds (compilers, headers, many tools)", slim, base))
	return map[string]string{key: "docker-image://" + slimNamed.String()}, nil
}

// withOpts returns the build options with extra ones added.
func withOpts(bo gwclient.BuildOpts, extra map[string]string) gwclient.BuildOpts {
	if len(extra) == 0 {
		return bo
	}
	opts := maps.Clone(bo.Opts)
	if opts == nil {
		opts = map[string]string{}
	}
	maps.Copy(opts, extra)
	bo.Opts = opts
	return bo
}
