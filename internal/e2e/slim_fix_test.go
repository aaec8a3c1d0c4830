package e2e

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestFixSlimKeepsTheBuild: a one-stage Python build on the full image
// adds a user (the full image's /etc/group lists more groups than the slim
// one's, all of the slim one's among them) and compiles a C extension
// (markupsafe from source, with the full image's gcc). With BUILDKIT_OPT_FIX=slim the build still runs on the full image,
// and the image is python:3.12-slim's layers with the stage's own on top:
// the base layers are the slim image's, the history names them, every
// later layer is the build's, and the compiled extension runs.
func TestFixSlimKeepsTheBuild(t *testing.T) {
	dir := "testdata/slimbuild"
	fullRef, slimRef := ref("e2e/slimbuild:full"), ref("e2e/slimbuild:slim")
	optBuild(t, dir, fullRef)
	out := optBuild(t, dir, slimRef, "--build-arg", "BUILDKIT_OPT_FIX=slim")
	require.Contains(t, out, "optfrontend slim: the image is docker.io/library/python:3.12-slim@sha256:")
	require.Contains(t, out, "with the stage's own layers on it: its steps ran on docker.io/library/python:3.12 as written")

	slimBase := image(t, ref("library/python:3.12-slim"), nil)
	baseLayers, err := slimBase.Layers()
	require.NoError(t, err)
	fullImg, slimImg := image(t, fullRef, nil), image(t, slimRef, nil)
	got, err := slimImg.Layers()
	require.NoError(t, err)
	require.Equal(t, digests(t, baseLayers), digests(t, got[:len(baseLayers)]), "the base layers are the slim image's")
	fullLayers, err := fullImg.Layers()
	require.NoError(t, err)
	fullBase, err := image(t, ref("library/python:3.12"), nil).Layers()
	require.NoError(t, err)
	require.Equal(t, len(fullLayers)-len(fullBase), len(got)-len(baseLayers), "one layer per step, as on the full image")

	cfg, err := slimImg.ConfigFile()
	require.NoError(t, err)
	baseCfg, err := slimBase.ConfigFile()
	require.NoError(t, err)
	nonEmpty := 0
	for _, h := range cfg.History {
		if !h.EmptyLayer {
			nonEmpty++
		}
	}
	require.Equal(t, len(got), nonEmpty, "one history entry per layer")
	for i, h := range baseCfg.History {
		require.Equal(t, h.CreatedBy, cfg.History[i].CreatedBy, "history entry %d is the slim base's", i)
	}

	full, _ := compressed(t, fullImg)
	slim, _ := compressed(t, slimImg)
	t.Logf("FROM python:3.12 with a compiled extension: %.1f MB; with BUILDKIT_OPT_FIX=slim: %.1f MB", mb(full), mb(slim))
	require.Less(t, slim, full)
	smoke(t, dir, slimRef)
}

// TestFixSlimRefusesMissingLibraries: a program the stage compiled links
// against a library only the full image has (libcurl); the check in the
// build finds it, and the image stays on the full base, with the reason at
// the FROM line.
func TestFixSlimRefusesMissingLibraries(t *testing.T) {
	dir := "testdata/slimbuild-needslib"
	fullRef, slimRef := ref("e2e/slimbuild-needslib:full"), ref("e2e/slimbuild-needslib:slim")
	optBuild(t, dir, fullRef)
	out := optBuild(t, dir, slimRef, "--build-arg", "BUILDKIT_OPT_FIX=slim")
	require.Contains(t, out, "optfrontend slim: kept docker.io/library/python:3.12: on docker.io/library/python:3.12-slim@sha256:")
	require.Contains(t, out, "/usr/local/bin/hello: libcurl.so.4 => not found")
	require.Contains(t, out, "(line 2)")
	// The steps ran again under cache keys of their own (fork.go), so the
	// layers are new; what they hold is the full image's.
	fullImg, keptImg := image(t, fullRef, nil), image(t, slimRef, nil)
	a, err := fullImg.Layers()
	require.NoError(t, err)
	b, err := keptImg.Layers()
	require.NoError(t, err)
	require.Len(t, b, len(a))
	fullBase, err := image(t, ref("library/python:3.12"), nil).Layers()
	require.NoError(t, err)
	require.Equal(t, digests(t, fullBase), digests(t, b[:len(fullBase)]), "the base is the full image")
	require.Empty(t, diffPaths(filesystem(t, fullImg), filesystem(t, keptImg)))
}

// TestFixSlimRefusesChangedBaseFiles: a step rewrites a file of the base
// (ldconfig's cache) that the full and slim images hold differently; on
// the slim image it would be the full image's, so the image stays on the
// full base, with the file named at the FROM line.
func TestFixSlimRefusesChangedBaseFiles(t *testing.T) {
	dir := "testdata/slimbuild-ldconfig"
	out := optBuild(t, dir, ref("e2e/slimbuild-ldconfig:slim"), "--build-arg", "BUILDKIT_OPT_FIX=slim")
	require.Contains(t, out, "optfrontend slim: kept docker.io/library/python:3.12: on docker.io/library/python:3.12-slim@sha256:")
	require.Contains(t, out, "the steps change files the two base images hold differently; /etc/ld.so.cache")
}
