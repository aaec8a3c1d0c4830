package e2e

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// sizeRules are the project's checks that testdata/advice breaks, each at
// its line.
var sizeRules = map[string]string{
	"FullBaseImage":          "Dockerfile:2",
	"RunAsRoot":              "",
	"AptInstallRecommends":   "Dockerfile:3",
	"BuildToolsInFinalStage": "Dockerfile:3",
	"AddLocalFile":           "Dockerfile:4",
	"NoDockerignore":         "Dockerfile:5",
	"SecretFileCopied":       "Dockerfile:5",
}

// TestChecksListedByCheck runs docker buildx build --check on a Dockerfile
// that breaks every rule: each is listed with its link and line, and the run
// fails, as it does for stock's rules.
func TestChecksListedByCheck(t *testing.T) {
	out, err := run(t.Context(), "", "buildx", "build", "--check", "testdata/advice")
	require.Error(t, err, "a --check run with findings must fail:\n%s", out)
	require.Contains(t, out, "Check complete, 7 warnings have been found!")
	for rule, line := range sizeRules {
		require.Contains(t, out, "WARNING: "+rule+" - https://github.com/org/optfrontend/blob/main/docs/checks.md#")
		require.Contains(t, out, line)
	}
}

func TestChecksSkipAndError(t *testing.T) {
	out, err := run(t.Context(), "", "buildx", "build", "--check", "testdata/advice-skip")
	require.Error(t, err)
	require.Contains(t, out, "Check complete, 5 warnings have been found!")
	require.NotContains(t, out, "WARNING: FullBaseImage")
	require.NotContains(t, out, "WARNING: RunAsRoot")

	// error=true fails a normal build, naming the rules.
	out, err = run(t.Context(), "", "buildx", "build", "testdata/advice-error")
	require.Error(t, err)
	require.Contains(t, out, "lint violation found for rules: ")
	require.Contains(t, out, "SecretFileCopied")
}

// TestChecksSilentOnAGoodDockerfile: a slim, versioned base, no recommends,
// a non-root user, COPY and a .dockerignore give nothing to report.
func TestChecksSilentOnAGoodDockerfile(t *testing.T) {
	out := must(t, "", "buildx", "build", "--check", "testdata/advice-clean")
	require.Contains(t, out, "Check complete, no warnings found.")
}

// TestChecksWarnInANormalBuild: a normal build prints the findings as
// warnings with their lines, and BUILDKIT_OPT=off leaves them out with the
// passes.
func TestChecksWarnInANormalBuild(t *testing.T) {
	out := must(t, "", "buildx", "build", "testdata/advice")
	for _, want := range []string{
		"AddLocalFile: ADD of the local file app.py; use COPY (line 4)",
		"SecretFileCopied: Secret-looking files kept out of the build context by optfrontend (--build-arg BUILDKIT_OPT=-secretfilter sends them): .env (line 5)",
		"AptInstallRecommends:",
	} {
		require.Contains(t, out, want)
	}
	require.NotContains(t, out, "FullBaseImage", "a normal build asks no registry about tags it does not use")

	out = must(t, "", "buildx", "build", "--build-arg", "BUILDKIT_OPT=off", "testdata/advice")
	for rule := range sizeRules {
		require.NotContains(t, out, rule+":")
	}
}

// TestChecksUnpinnedBase: an untagged FROM is latest.
func TestChecksUnpinnedBase(t *testing.T) {
	out, err := run(t.Context(), "", "buildx", "build", "--check", "testdata/advice-latest")
	require.Error(t, err)
	require.Contains(t, out, "WARNING: UnpinnedBaseImage - https://github.com/org/optfrontend/blob/main/docs/checks.md#unpinnedbaseimage")
	require.Contains(t, out, "advice-latest/Dockerfile:2")
	require.NotContains(t, out, "WARNING: FullBaseImage", "busybox has no -slim tag")
}

// TestFixNoRecommends asks for the opt-in fix on the aptlayers example: the
// report names the command it changed, the image is smaller than with the
// default passes, and it still passes its smoke check.
func TestFixNoRecommends(t *testing.T) {
	dir := filepath.Join(bed.root, "examples", "aptlayers")
	defRef, fixRef := ref("e2e/norecommends:default"), ref("e2e/norecommends:fixed")
	out := optBuild(t, dir, defRef)
	require.NotContains(t, out, "optfrontend norecommends")
	out = optBuild(t, dir, fixRef, "--build-arg", "BUILDKIT_OPT_FIX=norecommends")
	require.Contains(t, out, "optfrontend norecommends: added --no-install-recommends to `apt-get install -y curl jq`")
	def, _ := compressed(t, image(t, defRef, nil))
	fixed, _ := compressed(t, image(t, fixRef, nil))
	t.Logf("aptlayers: %.1f MB with the default passes, %.1f MB with BUILDKIT_OPT_FIX=norecommends", mb(def), mb(fixed))
	require.Less(t, fixed, def)
	smoke(t, dir, fixRef)

	out, err := run(t.Context(), "", "buildx", "build", "--build-arg", "BUILDKIT_OPT_FIX=slimmer", dir)
	require.Error(t, err)
	require.Contains(t, out, `build arg BUILDKIT_OPT_FIX: unknown fix "slimmer"; known fixes: vcsdirs, norecommends, nodevdeps, slim, buildtools, pin, static`)
}

// TestFixSlim builds a Dockerfile FROM python:3.12 with BUILDKIT_OPT_FIX=slim:
// the image is built on python:3.12-slim (its base layers are the slim
// image's), the build says so at the FROM line, and the app still runs.
func TestFixSlim(t *testing.T) {
	dir := "testdata/advice-clean-full"
	fullRef, slimRef := ref("e2e/fixslim:full"), ref("e2e/fixslim:slim")
	optBuild(t, dir, fullRef)
	out := optBuild(t, dir, slimRef, "--build-arg", "BUILDKIT_OPT_FIX=slim")
	require.Contains(t, out, "optfrontend fix slim: built FROM python:3.12-slim instead of python:3.12")
	require.Contains(t, out, "(line 2)")

	slimBase, err := image(t, ref("library/python:3.12-slim"), nil).Layers()
	require.NoError(t, err)
	got, err := image(t, slimRef, nil).Layers()
	require.NoError(t, err)
	require.Equal(t, digests(t, slimBase), digests(t, got[:len(slimBase)]))
	full, _ := compressed(t, image(t, fullRef, nil))
	slim, _ := compressed(t, image(t, slimRef, nil))
	t.Logf("FROM python:3.12: %.1f MB; with BUILDKIT_OPT_FIX=slim: %.1f MB", mb(full), mb(slim))
	require.Less(t, slim, full)
	smoke(t, dir, slimRef)
}

// TestFixPin: BUILDKIT_OPT_FIX=pin builds on the digest the base image's
// tag names now and prints the FROM line that keeps it; with slim, the
// digest of the slim image.
func TestFixPin(t *testing.T) {
	dir := "testdata/advice-clean-full"
	want, err := image(t, ref("library/python:3.12-slim"), nil).Digest()
	require.NoError(t, err)
	out := optBuild(t, dir, ref("e2e/fixpin:test"), "--build-arg", "BUILDKIT_OPT_FIX=slim,pin")
	require.Contains(t, out, "optfrontend fix pin: built FROM python:3.12-slim@"+want.String())
	require.Contains(t, out, "write FROM python:3.12-slim@"+want.String())
	smoke(t, dir, ref("e2e/fixpin:test"))
}
