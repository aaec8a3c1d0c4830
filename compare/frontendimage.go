package compare

import (
	"context"
	"fmt"
	"strings"

	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/solver/pb"
)

// resolveImage returns the digest BuildKit resolves an image reference to
// now, with its own registry configuration (mirrors included), as
// gateway.v0 does for the frontend image. The report names the frontend
// by it, since a tag such as :latest says nothing of what ran.
func resolveImage(ctx context.Context, c *client.Client, ref string) (string, error) {
	var dgst string
	_, err := c.Build(ctx, client.SolveOpt{}, "optctl", func(ctx context.Context, gc gwclient.Client) (*gwclient.Result, error) {
		_, d, _, err := gc.ResolveImageConfig(ctx, ref, sourceresolver.Opt{
			ImageOpt: &sourceresolver.ResolveImageOpt{ResolveMode: pb.AttrImageResolveModeForcePull},
		})
		dgst = d.String()
		return gwclient.NewResult(), err
	}, nil)
	if err != nil {
		return "", fmt.Errorf("resolving the frontend image %s: %w", ref, err)
	}
	return dgst, nil
}

// pin adds the digest to an image reference that has none.
func pin(ref, digest string) string {
	if strings.Contains(ref, "@") {
		return ref
	}
	return ref + "@" + digest
}

// PinFrontend resolves the frontend image's tag once, so that every
// comparison of a benchmark runs the same image.
func PinFrontend(ctx context.Context, c *client.Client, ref string) (string, error) {
	d, err := resolveImage(ctx, c, ref)
	if err != nil {
		return "", err
	}
	return pin(ref, d), nil
}
