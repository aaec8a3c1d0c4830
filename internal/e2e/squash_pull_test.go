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
// image of a Dockerfile with a squashed run, then the optimized one, then a
// build FROM the stock image by digest, as a team that builds some branches
// without the syntax line does. BuildKit v0.34.2 gives a diff of one
// step's layer that step's whole chain once anything asks for the diff's
// blobs (docs/buildkit-diff-chain.md): the image exporter for an exported
// diff, and for a diff only mounted into the squash helper the max-mode
// provenance every build's history record takes. That pull then came back
// as one layer, without /bin/sh, in about one try of three to seven:
// with steps after the run when squash laid them on as such diffs, and
// with a run that ends the image while the helper read the stock steps'
// layers. The later steps now run on the squashed state and the helper
// reads the layers of the run's own ops, so no try may fail.
func TestSquashLeavesStockImagePullable(t *testing.T) {
	const tries = 8
	for _, tc := range []struct{ name, tail string }{
		{"steps after the run", "RUN echo later > /b\n"},
		{"the run ends the image", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for i := range tries {
				nonce := fmt.Sprintf("%d-%d", time.Now().UnixNano(), i)
				dir := t.TempDir()
				require.NoError(t, os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(
					"# syntax=org/optfrontend\nFROM busybox\n"+
						"RUN echo "+nonce+" > /a && mkdir -p /tmp/work && cp /bin/busybox /tmp/work/\n"+
						"RUN rm -rf /tmp/work\n"+tc.tail), 0o644))
				stockRef := ref("e2e/squash-pull:stock-" + nonce)
				stockBuild(t, dir, stockRef)
				out := optBuild(t, dir, ref("e2e/squash-pull:optimized-"+nonce))
				require.Contains(t, out, "optfrontend squash: exported Dockerfile:3-4")
				// The history record's provenance is written after the
				// build returns; give it the time it takes.
				time.Sleep(500 * time.Millisecond)
				out, err := runIn(t, stockRef, "test -e /a", false)
				require.NoError(t, err, "try %d: after the optimized build the stock image pulled on the same builder does not run:\n%s", i+1, tail(out, 20))
			}
		})
	}
}
