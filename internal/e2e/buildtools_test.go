package e2e

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/require"
)

// TestBuildToolsLeftOut builds a single stage that installs gcc and
// libc6-dev to compile a program that needs only libc: the optimized image
// leaves them out, the verify mode proves in the build that every file it
// lacks is one of the packages' (or their dependencies', alternatives',
// apt's state), dpkg -V finds nothing stock's image does not, the program
// runs, and the image is smaller.
func TestBuildToolsLeftOut(t *testing.T) {
	// A copy of its own, so that no other test's optimized build of the
	// same layers can stand in for stock's image when it is pulled (issue
	// 25): hello.c gets a comment no other build has.
	dir := copyDir(t, "testdata/buildtools-gcc-only")
	f, err := os.OpenFile(filepath.Join(dir, "hello.c"), os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = fmt.Fprintf(f, "/* %s */\n", t.Name())
	require.NoError(t, err)
	require.NoError(t, f.Close())
	stockRef, optRef := ref("e2e/buildtools:stock"), ref("e2e/buildtools:optimized")
	stockBuild(t, dir, stockRef)
	stockDpkg := stockDpkgVerify(t, stockRef) // before the optimized build: see there
	out := optBuild(t, dir, optRef, "--build-arg", "BUILDKIT_OPT_FIX=buildtools", "--build-arg", "BUILDKIT_OPT_VERIFY=1")
	require.Contains(t, out, "optfrontend buildtools: left the build-only packages gcc, libc6-dev out of the image")
	require.Contains(t, out, "optfrontend verify: compare", "the verify mode did not run")
	opt := filesystem(t, image(t, optRef, nil))
	require.NotContains(t, opt, "/usr/bin/gcc-12")
	smoke(t, dir, optRef)
	if dpkg, err := sameDpkgVerify(t, dir, stockDpkg, optRef); err != nil {
		t.Fatalf("dpkg -V finds the optimized image's packages amiss where stock's are not:\n%s", tail(dpkg, 20))
	}
	s, _ := compressed(t, image(t, stockRef, nil))
	o, _ := compressed(t, image(t, optRef, nil))
	t.Logf("gcc-only compressed: stock %.1f MB, optimized %.1f MB", mb(s), mb(o))
	require.Less(t, o, s)
}

// TestBuildToolsKeptWhenTheInstallDidMore: pyext's install of gcc and
// python3-dev also upgrades zlib1g, which the base image had, and brings
// recommended packages that are no build tools: leaving the install out
// would put the old zlib back and take those out, so the tools stay, and
// the report says why.
func TestBuildToolsKeptWhenTheInstallDidMore(t *testing.T) {
	dir := filepath.Join(bed.root, "examples", "pyext")
	optRef := ref("e2e/buildtools-pyext:optimized")
	out := optBuild(t, dir, optRef, "--build-arg", "BUILDKIT_OPT_FIX=buildtools")
	require.Contains(t, out, "optfrontend buildtools: kept gcc, python3-dev in the image: without them it would undo the upgrades the install made: zlib1g ")
	require.Contains(t, out, "it would take out packages the install brought that are no build tools: fontconfig-config")
	require.Contains(t, filesystem(t, image(t, optRef, nil)), "/usr/bin/gcc-12")
	smoke(t, dir, optRef)
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
