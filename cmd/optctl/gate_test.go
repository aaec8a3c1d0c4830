package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/org/optfrontend/compare"
	"github.com/org/optfrontend/internal/testbed"
)

// TestGateOnTheTestBed runs `optctl compare --fail-if` once on a small
// Dockerfile whose cleanup is a step of its own, with a condition that
// holds, and checks the exit path: status 1, a message naming the
// condition and its value, and the JSON and Markdown reports written all
// the same. The report it wrote then serves the other verdicts: the gate a
// CI would set passes, through the same code the command runs after its
// builds.
func TestGateOnTheTestBed(t *testing.T) {
	reg := needTestbed(t)
	bin := buildOptctl(t)
	fe := testbed.FrontendImage(t, "../..", reg)
	dir := t.TempDir()
	ctxDir := filepath.Join(dir, "gatecase")
	require.NoError(t, os.Mkdir(ctxDir, 0o755))
	// 4 MB that no compression shrinks, deleted by the next step: the
	// squash pass exports the two steps as one layer without them.
	require.NoError(t, os.WriteFile(filepath.Join(ctxDir, "Dockerfile"), []byte(
		"FROM debian:bookworm-slim\nRUN head -c 4000000 /dev/urandom > /junk\nRUN rm /junk\n"), 0o644))
	common := []string{"compare", "--rounds", "1", "-q", "--frontend-image", fe, "--repo", reg + "/optctl/test-gate"}

	// A condition on a scenario that will not run is refused before any
	// build: this context has no source file to change, and no --dep-cmd.
	code, stdout, stderr := runOptctl(t, bin, append(common, "--fail-if", "size>1,dep>1.10", ctxDir)...)
	require.Equal(t, 1, code, stderr)
	require.Contains(t, stderr, "gate condition dep>1.10: the dep scenario will not run: no dependency command: pass --dep-cmd")
	require.Empty(t, stdout, "no table: nothing was built")
	require.NotContains(t, stderr, "warm-up", "no build ran, not even the first")

	// A forced regression: the optimized image is more than a ten
	// thousandth of stock's, so the condition holds.
	jsonPath, mdPath := filepath.Join(dir, "report.json"), filepath.Join(dir, "summary.md")
	start := time.Now()
	code, stdout, stderr = runOptctl(t, bin, append(common, "--json", jsonPath, "--markdown", mdPath, "--fail-if", "size>0.0001,layers>100", ctxDir)...)
	t.Logf("compare with a failing gate: exit %d in %s\n%s", code, time.Since(start).Round(time.Second), stdout)
	require.Equal(t, 1, code, stderr)
	require.Contains(t, stdout, "image size (compressed)", "the table comes before the verdict")
	require.Regexp(t, `optctl: gate failed: size>0\.0001 holds: size is 0\.\d{4}\d* \(optimized [0-9.]+ MB / stock [0-9.]+ MB\)\n$`, stderr)
	require.Contains(t, stderr, "layers>100 does not hold: layers is ")
	t.Logf("its verdict:\n%s", stderr[strings.LastIndex(stderr, "\n--fail-if"):])

	md, err := os.ReadFile(mdPath)
	require.NoError(t, err)
	require.Contains(t, string(md), "## optfrontend vs the stock Dockerfile frontend: gatecase\n")
	require.Contains(t, string(md), "Gate `--fail-if size>0.0001,layers>100`: **failed**.")
	require.Contains(t, string(md), "- `size>0.0001` **holds**: size is 0.")
	require.Contains(t, string(md), "**squash**")
	dt, err := os.ReadFile(jsonPath)
	require.NoError(t, err)
	var rep compare.Report
	require.NoError(t, json.Unmarshal(dt, &rep))
	require.Less(t, rep.Optimized.Size, rep.Stock.Size)
	t.Logf("size %d -> %d B, wasted %d -> %d B", rep.Stock.Size, rep.Optimized.Size, rep.Stock.OwnWasted, rep.Optimized.OwnWasted)

	// The gate CI would set passes on the same report, and the command's
	// code after the builds then succeeds: exit 0.
	for expr, wantErr := range map[string]error{
		"size>1.00,wasted>0,cold>100,warm>100": nil,
		"size>0.0001":                          compare.ErrGateFailed,
		"wasted>=0":                            compare.ErrGateFailed,
	} {
		g, err := compare.ParseGate(expr)
		require.NoError(t, err)
		ci := ciFlags{gate: g, markdown: filepath.Join(dir, "again.md")}
		err = ci.finish(&rep, io.Discard)
		if wantErr == nil {
			require.NoError(t, err, expr)
		} else {
			require.ErrorIs(t, err, wantErr, expr)
		}
	}
}

// needTestbed returns the test bed's registry, or skips the test when the test
// bed is not up.
func needTestbed(t *testing.T) string {
	t.Helper()
	if os.Getenv("BUILDKIT_HOST") == "" || os.Getenv("OPTFRONTEND_REGISTRY") == "" {
		t.Skip("BUILDKIT_HOST and OPTFRONTEND_REGISTRY are not set: the test bed is not up (make up; source ~/.cache/optfrontend/env)")
	}
	return os.Getenv("OPTFRONTEND_REGISTRY")
}

// buildOptctl builds this package's command, to run it as CI does.
func buildOptctl(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "optctl")
	out, err := exec.CommandContext(t.Context(), "go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "building optctl:\n%s", out)
	return bin
}

// runOptctl runs the command and returns its exit status and output.
func runOptctl(t *testing.T, bin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(t.Context(), bin, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), stdout.String(), stderr.String()
	}
	require.NoError(t, err)
	return 0, stdout.String(), stderr.String()
}
