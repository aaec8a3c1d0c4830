package e2e

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestSeedPairsFixed: each of the seeds' bad one-stage Dockerfiles
// (testdata/seedpairs), built with its fix and the safety net off, names
// the fix at a line, comes out at most 1.05 times the size of the seeds'
// good Dockerfile for the same app (issue 23's bar), and its image runs its
// own command and prints the app's line. BenchmarkSeedPairs prints the
// whole table.
func TestSeedPairsFixed(t *testing.T) {
	for _, p := range seedPairs {
		t.Run(p.name, func(t *testing.T) {
			ctx := t.Context()
			dir := filepath.Join(bed.root, "internal", "e2e", "testdata", "seedpairs", p.name)
			repo := ref("seedpairs/" + p.name)
			fixed := pushed(ctx, repo+":fix-test", "buildx", optArgs(withSyntaxLine(t, filepath.Join(dir, "bad")), repo+":fix-test", "--build-arg", "BUILDKIT_OPT_FIX="+p.fix))
			require.NoError(t, fixed.err, lastLine(fixed.out, fixed.err))
			require.NotEmpty(t, fixReport(fixed.out, p.fix), "no report line of %s", p.fix)
			good := pushed(ctx, repo+":good-test", "buildctl", stockArgs(filepath.Join(dir, "good"), repo+":good-test"))
			require.NoError(t, good.err, lastLine(good.out, good.err))
			t.Logf("%s: fixed %.1f MB, good %.1f MB", p.name, mb(fixed.size), mb(good.size))
			require.LessOrEqual(t, float64(fixed.size), 1.05*float64(good.size))
			require.NoError(t, runsAndPrints(ctx, t.TempDir(), fixed.ref, p.expect))
		})
	}
}
