package e2e

import (
	"archive/tar"
	"errors"
	"io"
	"path"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/require"
)

// TestBuildToolsLeftOut builds pyext, whose single stage installs gcc and
// python3-dev to compile mmh3: the optimized image leaves them out, differs
// from the same build without this pass only by files that the install's
// layer added or changed, passes the smoke check, and is no bigger than the
// hand-written multi-stage version. (Comparing with the build without the
// pass, whose steps are the same cache hits, keeps out what differs from
// one compile of mmh3 to the next.)
func TestBuildToolsLeftOut(t *testing.T) {
	dir := filepath.Join(bed.root, "examples", "pyext")
	stockRef, optRef, handRef := ref("e2e/buildtools:stock"), ref("e2e/buildtools:optimized"), ref("e2e/buildtools:multistage")
	stockBuild(t, dir, stockRef)
	stockBuild(t, dir, handRef, "--opt", "filename=Dockerfile.multistage")
	out := optBuild(t, dir, optRef, "--build-arg", "BUILDKIT_OPT_FIX=buildtools")
	require.Contains(t, out, "optfrontend buildtools: left the build-only packages gcc, python3-dev out of the image")
	withRef := ref("e2e/buildtools:with-tools")
	optBuild(t, dir, withRef) // buildtools is an opt-in fix

	withImg := image(t, withRef, nil)
	tools := layerPaths(t, withImg, baseLayers(t, dir))
	with, opt := filesystem(t, withImg), filesystem(t, image(t, optRef, nil))
	var pruned int64
	for _, p := range diffPaths(with, opt) {
		// A compiled package present in both but with other bytes is the
		// compile run again (the builder's cache dropped the step between
		// the two builds), not the pass: compiles are not reproducible.
		_, inWith := with[p]
		_, inOpt := opt[p]
		if inWith && inOpt && !tools[p] && (strings.Contains(p, "/dist-packages/") || strings.Contains(p, "/site-packages/")) {
			t.Logf("%s differs between two compiles", p)
			continue
		}
		// What the install added is gone; what it changed is as the base
		// image has it.
		require.True(t, tools[p], "%s differs but is not from the build tools' layer", p)
		if _, kept := opt[p]; !kept {
			pruned += with[p].Size
		}
	}
	stockImg := image(t, stockRef, nil)
	require.NotContains(t, opt, "/usr/bin/gcc-12")
	smoke(t, dir, optRef)

	s, _ := compressed(t, stockImg)
	o, _ := compressed(t, image(t, optRef, nil))
	h, _ := compressed(t, image(t, handRef, nil))
	t.Logf("pyext compressed: stock %.1f MB, optimized %.1f MB, hand-written multi-stage %.1f MB; %.1f MB of files left out", mb(s), mb(o), mb(h), mb(pruned))
	require.LessOrEqual(t, o, h+h/20, "the optimized image is more than 5%% bigger than the hand-written multi-stage one")
}

// TestBuildToolsKeptWhenTheCodeNeedsThem: the program links against
// libyaml, whose runtime library only libyaml-dev brought; the check finds
// it missing without the build tools, so they stay, and the report says why.
func TestBuildToolsKeptWhenTheCodeNeedsThem(t *testing.T) {
	dir := "testdata/buildtools-needs-lib"
	stockRef, optRef := ref("e2e/buildtools-lib:stock"), ref("e2e/buildtools-lib:optimized")
	stockBuild(t, dir, stockRef)
	out := optBuild(t, dir, optRef, "--build-arg", "BUILDKIT_OPT_FIX=buildtools")
	require.Contains(t, out, "optfrontend buildtools: kept gcc, libyaml-dev in the image: without them missing libraries; /usr/local/bin/yamlcheck: libyaml-0.so.2 => not found")
	opt := filesystem(t, image(t, optRef, nil))
	require.Contains(t, opt, "/usr/bin/gcc-12")
	require.Contains(t, opt, "/usr/lib/x86_64-linux-gnu/libyaml-0.so.2.0.9")
	smoke(t, dir, optRef)
}

// layerPaths lists the paths layer i of an image adds or changes, with
// the directories above them.
func layerPaths(t *testing.T, img v1.Image, i int) map[string]bool {
	t.Helper()
	layers, err := img.Layers()
	require.NoError(t, err)
	require.Less(t, i, len(layers))
	rc, err := layers[i].Uncompressed()
	require.NoError(t, err)
	defer rc.Close()
	tr := tar.NewReader(rc)
	out := map[string]bool{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		for p := path.Clean("/" + h.Name); p != "/"; p = path.Dir(p) {
			out[p] = true
		}
	}
	return out
}
