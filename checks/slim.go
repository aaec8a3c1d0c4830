package checks

import (
	"context"
	"fmt"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// SlimBase finds the -slim variant of the image the target stage is built
// from (following FROM <stage>), for the opt-in fix that builds on it: it
// returns the image as the Dockerfile names it, the variant that exists
// (asked through opt.ImageExists), and the FROM's location. base is "" when
// there is nothing to do: the image is pinned by digest, already slim or
// alpine, has no such variant, or opt.ImageExists is nil.
func SlimBase(ctx context.Context, dt []byte, opt Options) (base, slim string, loc []parser.Range, err error) {
	df, err := load(dt, opt)
	if err != nil {
		return "", "", nil, err
	}
	root := df.chain()[0]
	if opt.ImageExists == nil || root.base != nil || !root.image.known() || root.image.digest != "" {
		return "", "", nil, nil
	}
	slim, err = slimVariant(root.image, func(ref string) (bool, error) { return opt.ImageExists(ctx, ref) })
	if err != nil {
		return "", "", nil, fmt.Errorf("%w: %w", ErrInput, err)
	}
	if slim == "" {
		return "", "", nil, nil
	}
	return root.image.String(), slim, root.Location, nil
}

// FinalBase returns the image the target stage is built from (following
// FROM <stage>), as the Dockerfile names it, and the FROM's location; base
// is "" when that stage starts from scratch, a digest, or a name the build
// args do not resolve.
func FinalBase(dt []byte, opt Options) (base string, loc []parser.Range, err error) {
	df, err := load(dt, opt)
	if err != nil {
		return "", nil, err
	}
	root := df.chain()[0]
	if root.base != nil || !root.image.known() || root.image.digest != "" || root.image.name == scratch {
		return "", nil, nil
	}
	return root.image.String(), root.Location, nil
}
