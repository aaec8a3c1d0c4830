package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestSquashLeavesStockImagePullable builds, on one builder, the stock
// image of a Dockerfile whose squashed run has steps after it, then the
// optimized one, then a build FROM the stock image by digest, as a team
// that builds some branches without the syntax line does. BuildKit
// v0.34.2 gives an exported diff of one step's layer that step's whole
// chain (docs/buildkit-diff-chain.md), so when the squash pass laid the
// later steps on as such diffs that pull came back as one layer, without
// /bin/sh, in about one try of three to seven. The pass now runs the later
// steps on the squashed state, so no try may fail.
func TestSquashLeavesStockImagePullable(t *testing.T) {
	const tries = 10
	for i := range tries {
		nonce := fmt.Sprintf("%d-%d", time.Now().UnixNano(), i)
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(
			"# syntax=org/optfrontend\nFROM busybox\n"+
				"RUN echo "+nonce+" > /a && mkdir -p /tmp/work && cp /bin/busybox /tmp/work/\n"+
				"RUN rm -rf /tmp/work\n"+
				"RUN echo later > /b\n"), 0o644))
		stockRef := ref("e2e/squash-pull:stock-" + nonce)
		stockBuild(t, dir, stockRef)
		out := optBuild(t, dir, ref("e2e/squash-pull:optimized-"+nonce))
		require.Contains(t, out, "optfrontend squash: exported Dockerfile:3-4")
		out, err := runIn(t, stockRef, "test -e /b", false)
		require.NoError(t, err, "try %d: after the optimized build the stock image pulled on the same builder does not run:\n%s", i+1, tail(out, 20))
	}
}
