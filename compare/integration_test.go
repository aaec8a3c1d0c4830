package compare

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/moby/buildkit/client"
	"github.com/org/optfrontend/internal/testbed"
	"github.com/stretchr/testify/require"
)

// needTestbed connects to the running test bed, or skips the test.
func needTestbed(t *testing.T) (*client.Client, string, string) {
	t.Helper()
	addr, reg := os.Getenv("BUILDKIT_HOST"), os.Getenv("OPTFRONTEND_REGISTRY")
	if addr == "" || reg == "" {
		t.Skip("BUILDKIT_HOST and OPTFRONTEND_REGISTRY are not set: the test bed is not up (make up; source ~/.cache/optfrontend/env)")
	}
	c, err := client.New(t.Context(), addr)
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c, addr, reg
}

// rawManifest is the part of an image manifest the report's sizes come
// from, read here on its own so as not to check measure with itself.
type rawManifest struct {
	Layers []struct {
		Size   int64  `json:"size"`
		Digest string `json:"digest"`
	} `json:"layers"`
}

// registryManifest fetches an image's manifest as the registry serves it.
func registryManifest(t *testing.T, ref string) rawManifest {
	t.Helper()
	r, err := name.ParseReference(ref)
	require.NoError(t, err)
	desc, err := remote.Get(r, remote.WithContext(t.Context()))
	require.NoError(t, err)
	var m rawManifest
	require.NoError(t, json.Unmarshal(desc.Manifest, &m))
	return m
}

// registryDigest is the digest a tag names in the registry.
func registryDigest(t *testing.T, ref string) string {
	t.Helper()
	r, err := name.ParseReference(ref)
	require.NoError(t, err)
	desc, err := remote.Head(r, remote.WithContext(t.Context()))
	require.NoError(t, err)
	return desc.Digest.String()
}

// TestCompareAptlayers runs one round of every scenario on the aptlayers
// example and checks the report against the registry: what it says of the
// images is what `buildx imagetools inspect` says of them.
func TestCompareAptlayers(t *testing.T) {
	c, addr, reg := needTestbed(t)
	fe := testbed.FrontendImage(t, "..", reg)
	rep, err := Run(t.Context(), c, addr, Options{Context: "../examples/aptlayers", Rounds: 1, Repo: reg + "/optctl/test-aptlayers", FrontendImage: fe})
	require.NoError(t, err)

	for _, img := range []*Image{rep.Stock, rep.Optimized} {
		m := registryManifest(t, img.Ref)
		var size int64
		for i, l := range m.Layers {
			size += l.Size
			require.Equal(t, l.Digest, img.Layers[i].Digest)
			require.Equal(t, l.Size, img.Layers[i].Size)
		}
		require.Equal(t, size, img.Size, img.Ref)
		require.Len(t, img.Layers, len(m.Layers))
		require.Equal(t, 1, img.BaseLayers, "debian:bookworm-slim is one layer")
		require.Positive(t, img.ContextBytes)
		if _, err := exec.LookPath("buildx"); err == nil {
			out, err := exec.CommandContext(t.Context(), "buildx", "imagetools", "inspect", "--raw", img.Ref).Output()
			require.NoError(t, err)
			var im rawManifest
			require.NoError(t, json.Unmarshal(out, &im))
			require.Equal(t, m, im, "buildx and the report read different manifests")
		}
		// The tag names the image the report measured.
		tagged := registryManifest(t, strings.Split(img.Ref, "@")[0])
		require.Equal(t, m, tagged)
	}

	// aptlayers keeps its apt lists in one layer and deletes them in a
	// later one; the squash pass exports those steps as one layer.
	require.Positive(t, rep.Stock.OwnWasted)
	require.Zero(t, rep.Optimized.OwnWasted)
	require.Less(t, rep.Optimized.Size, rep.Stock.Size)
	require.Less(t, len(rep.Optimized.Layers), len(rep.Stock.Layers))
	var passes []string
	for _, f := range rep.Changes {
		passes = append(passes, f.Pass)
		if f.Line > 0 {
			require.Equal(t, "Dockerfile", f.File)
			require.NotEmpty(t, f.Text)
		}
	}
	require.Contains(t, passes, "squash")
	// The digest the report names is the one the registry has for the
	// frontend image it was given.
	require.Equal(t, registryDigest(t, fe), rep.FrontendDigest)

	ran := map[string]int{}
	for _, sc := range rep.Scenarios {
		if sc.Skipped == "" {
			ran[sc.Name] = len(sc.Stock.Seconds) + len(sc.Optimized.Seconds)
			require.Positive(t, sc.Stock.Median)
			require.Positive(t, sc.Optimized.Median)
		}
	}
	require.Equal(t, map[string]int{"cold": 2, "warm": 2, "source": 2}, ran, "dep has no command here")
	require.Equal(t, &Touch{File: "statuscheck", Comment: "#"}, rep.Touch)
	require.Len(t, rep.Builds, 2+3*2)
	for _, b := range rep.Builds {
		require.Positive(t, b.Size, b.Image)
	}

	orig, err := os.ReadFile("../examples/aptlayers/statuscheck")
	require.NoError(t, err)
	require.NotContains(t, string(orig), "optctl", "the user's file changed")
}

// TestExplainOnTheBuilder explains an example on the real builder.
func TestExplainOnTheBuilder(t *testing.T) {
	c, _, _ := needTestbed(t)
	ex, err := Explain(t.Context(), c, ExplainOptions{Context: "../examples/aptsteps"})
	require.NoError(t, err)
	require.NotEmpty(t, ex.Findings)
	require.Len(t, ex.BaseDiffIDs, 1)
	for _, f := range ex.Findings {
		require.Equal(t, "Dockerfile", f.File)
		require.Positive(t, f.Line)
	}
	// A step that would fail shows that nothing is built.
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(dir+"/Dockerfile", []byte("FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y curl && false\n"), 0o644))
	failing, err := Explain(t.Context(), c, ExplainOptions{Context: dir})
	require.NoError(t, err, "Explain ran a step")
	require.NotEmpty(t, failing.Findings)

	off, err := Explain(t.Context(), c, ExplainOptions{Context: "../examples/aptsteps", BuildArgs: map[string]string{"BUILDKIT_OPT": "off"}})
	require.NoError(t, err)
	require.Empty(t, off.Findings)
}
