// Package dftest converts Dockerfiles to LLB as the stock frontend does,
// without a daemon or a registry, for tests of the passes and the frontend.
package dftest

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerui"
	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/apicaps"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stretchr/testify/require"
)

// OneLayerImages resolves every image to a config with one layer, so that
// Dockerfiles convert without a registry.
type OneLayerImages struct{}

// ResolveImageConfig implements llb.ImageMetaResolver.
func (OneLayerImages) ResolveImageConfig(_ context.Context, ref string, _ sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	img := dockerspec.DockerOCIImage{Image: ocispecs.Image{
		Platform: ocispecs.Platform{OS: "linux", Architecture: "amd64"},
		RootFS:   ocispecs.RootFS{Type: "layers", DiffIDs: []digest.Digest{digest.FromString(ref)}},
		History:  []ocispecs.History{{CreatedBy: "base " + ref}},
	}}
	img.Config.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
	dt, err := json.Marshal(img)
	return ref, digest.FromBytes(dt), dt, err
}

// AllCaps are the capabilities of a current BuildKit.
func AllCaps() *apicaps.CapSet {
	cs := pb.Caps.CapSet(pb.Caps.All())
	return &cs
}

// Convert turns a Dockerfile into the definition and image config the stock
// frontend would make for the target (the last stage when empty).
func Convert(t testing.TB, dockerfile, target string) (*pb.Definition, *dockerspec.DockerOCIImage) {
	t.Helper()
	ctx := context.Background()
	dt := []byte(dockerfile)
	// A fixed unique id keeps the context's op, and so every digest, the
	// same from one conversion to the next, as the daemon's session would.
	main := llb.Local("context", llb.SharedKeyHint("context"), llb.LocalUniqueID("dftest"))
	res, err := dockerfile2llb.Dockerfile2LLB(ctx, dt, dockerfile2llb.ConvertOpt{
		MainContext:  &main,
		Config:       dockerui.Config{Target: target},
		SourceMap:    llb.NewSourceMap(nil, "Dockerfile", "", dt),
		MetaResolver: OneLayerImages{},
		LLBCaps:      AllCaps(),
	})
	require.NoError(t, err)
	def, err := res.State.Marshal(ctx)
	require.NoError(t, err)
	return def.ToPB(), res.Image
}
