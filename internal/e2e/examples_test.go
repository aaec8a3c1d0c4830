package e2e

import (
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/require"
)

// TestExamplesThroughImage builds every example twice on the real daemon:
// with the stock frontend, and as a user does with buildx through the
// `# syntax=org/optfrontend` line with the passes off. The optfrontend build
// must produce the very same layers (it solves the same graph, so every step
// is a cache hit) and the same image config, and its image must pass the
// example's smoke check.
func TestExamplesThroughImage(t *testing.T) {
	for _, dir := range exampleDirs(t) {
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			stockRef := ref("e2e/" + name + ":stock")
			offRef := ref("e2e/" + name + ":off")
			stockBuild(t, dir, stockRef)
			out := optBuild(t, dir, offRef, "--build-arg", "BUILDKIT_OPT=off")
			require.Contains(t, out, "resolve image config for docker-image://docker.io/org/optfrontend:latest",
				"the build must go through the frontend image named by the syntax line")

			stock, off := image(t, stockRef, nil), image(t, offRef, nil)
			stockLayers, err := stock.Layers()
			require.NoError(t, err)
			offLayers, err := off.Layers()
			require.NoError(t, err)
			require.Equal(t, digests(t, stockLayers), digests(t, offLayers), "layers differ from stock")
			require.Equal(t, comparableConfig(t, stock), comparableConfig(t, off), "image config differs from stock")

			smoke(t, dir, offRef)
		})
	}
}

func digests(t testing.TB, layers []v1.Layer) []string {
	t.Helper()
	var out []string
	for _, l := range layers {
		d, err := l.Digest()
		require.NoError(t, err)
		out = append(out, d.String())
	}
	return out
}
