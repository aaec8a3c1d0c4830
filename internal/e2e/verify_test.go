package e2e

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/org/optfrontend/frontend"
	"github.com/org/optfrontend/llbopt"
)

// verifyAttrs are the options of a verify build in process: the mode, and
// the frontend's own image, whose binary compares the two images in the
// build (BuildKit sets it for a frontend it runs from an image).
func verifyAttrs(mode string) map[string]string {
	return map[string]string{
		"build-arg:" + frontend.BuildArgVerify:   mode,
		"build-arg:" + frontend.BuildArgFallback: "off",
		"source":                                 ref(frontendImage),
	}
}

// TestVerifyCatchesASilentChange injects passes that change what the image
// holds without failing the build: the verify mode must fail the build
// naming the path and what differs (strict), or warn (warn); a change the
// pass's finding explains, and the default passes on a Dockerfile they
// rewrite, must pass.
func TestVerifyCatchesASilentChange(t *testing.T) {
	dir := contextDir(t, map[string]string{"Dockerfile": "FROM python:3.12-slim\n" +
		"RUN echo one > /one\n" +
		"RUN pip install --no-cache-dir --no-index nothing-to-install-MARK || true; echo MARK > /two && mkdir -p /data && echo x > /data/x\n"})
	silent := frontend.BuildWith(breakPass{marker: "MARK", script: "echo CHANGED > /two && mkdir -p /data && echo x > /data/x"})
	explained := frontend.BuildWith(breakPass{marker: "MARK", script: "echo MARK > /two",
		allows: []llbopt.Allow{{Path: "/data", MissingOnly: true}}})
	unexplained := frontend.BuildWith(breakPass{marker: "MARK", script: "echo MARK > /two",
		allows: []llbopt.Allow{{Path: "/elsewhere", MissingOnly: true}}})
	outs := inProcess(t, buildCase{name: "verify", dir: dir, evaluate: true},
		frontendRun{fn: silent, attrs: verifyAttrs("1")},
		frontendRun{fn: silent, attrs: verifyAttrs("warn")},
		frontendRun{fn: explained, attrs: verifyAttrs("1")},
		frontendRun{fn: unexplained, attrs: verifyAttrs("strict")},
		frontendRun{fn: frontend.Build, attrs: verifyAttrs("1")})
	strict, warn, ok, wrong, passes := outs[0], outs[1], outs[2], outs[3], outs[4]

	require.Contains(t, strict.err, "optfrontend verify: 1 difference(s) from stock's image that no report line explains")
	require.Contains(t, strict.err, "/two: content")
	require.NotContains(t, strict.err, "/data", "an equal path is not a difference")
	require.Contains(t, strict.err, "passes that changed this build: cachemount (line 3), broken (line 3)")

	require.Empty(t, warn.err, "verify=warn must not fail the build")
	require.True(t, slicesContain(warn.warnings, "/two: content"), "warnings: %v", warn.warnings)

	require.Empty(t, ok.err, "a difference the finding explains must pass")
	require.Contains(t, wrong.err, "/data: missing", "an allowance for another path explains nothing")
	require.Empty(t, passes.err, "the default passes must pass verify")
}

// slicesContain tells whether one of ss holds sub.
func slicesContain(ss []string, sub string) bool {
	for _, s := range ss {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// TestVerifyForgivesWhatStockVaries: a step a pass rewrote that writes
// random bytes gives the optimized image other bytes than stock's, as a
// second stock run does: verify must pass. A change beside it that stock's
// second run does not make must still fail the build, alone.
func TestVerifyForgivesWhatStockVaries(t *testing.T) {
	dir := contextDir(t, map[string]string{"Dockerfile": "FROM busybox\n" +
		"RUN echo MARK > /dev/null; head -c 16 /dev/urandom > /random; echo same > /two\n"})
	varies := frontend.BuildWith(breakPass{marker: "MARK", script: "head -c 16 /dev/urandom > /random; echo same > /two"})
	alsoChanges := frontend.BuildWith(breakPass{marker: "MARK", script: "head -c 16 /dev/urandom > /random; echo other > /two"})
	outs := inProcess(t, buildCase{name: "verify-varies", dir: dir, evaluate: true},
		frontendRun{fn: varies, attrs: verifyAttrs("1")},
		frontendRun{fn: alsoChanges, attrs: verifyAttrs("1")})
	require.Empty(t, outs[0].err, "what stock's own build varies is not the passes' doing")
	require.Contains(t, outs[1].err, "optfrontend verify: 1 difference(s) from stock's image that no report line explains")
	require.Contains(t, outs[1].err, "/two: content")
	require.NotContains(t, outs[1].err, "/random")
}
