package e2e

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/org/optfrontend/layerstat"
)

// TestLayerstatOnABuiltImage checks the analyzer on an image the real
// daemon built with a known waste: 1 MiB written by one RUN and deleted by
// the next. Built with the default passes, the same Dockerfile wastes
// nothing: the squash pass exports the two steps as one layer.
func TestLayerstatOnABuiltImage(t *testing.T) {
	r := ref("e2e/waste:test")
	stockBuild(t, "testdata/waste", r)
	st, err := layerstat.Analyze(image(t, r, nil))
	require.NoError(t, err)
	require.Equal(t, int64(1<<20), st.Wasted)
	require.Len(t, st.Top, 1)
	require.Equal(t, "/download.bin", st.Top[0].Path)
	require.Equal(t, len(st.Layers)-2, st.Top[0].AddedIn)
	require.Equal(t, len(st.Layers)-1, st.Top[0].RemovedIn)
}

func TestSquashRemovesAKnownWaste(t *testing.T) {
	stockRef, optRef := ref("e2e/waste:stock"), ref("e2e/waste:optimized")
	stockBuild(t, "testdata/waste", stockRef)
	out := optBuild(t, "testdata/waste", optRef)
	require.Contains(t, out, "optfrontend squash: exported Dockerfile:")
	stock, err := layerstat.Analyze(image(t, stockRef, nil))
	require.NoError(t, err)
	opt, err := layerstat.Analyze(image(t, optRef, nil))
	require.NoError(t, err)
	require.Equal(t, int64(1<<20), stock.Wasted)
	require.Zero(t, opt.Wasted)
	require.Len(t, opt.Layers, len(stock.Layers)-1)
	require.Equal(t, filesystem(t, image(t, stockRef, nil)), filesystem(t, image(t, optRef, nil)))

	// docker history still lists both instructions; the first is now an
	// empty layer and the second carries the net change.
	stockCfg, err := image(t, stockRef, nil).ConfigFile()
	require.NoError(t, err)
	optCfg, err := image(t, optRef, nil).ConfigFile()
	require.NoError(t, err)
	require.Len(t, optCfg.History, len(stockCfg.History))
	n := len(optCfg.History)
	for i, h := range optCfg.History {
		require.Equal(t, stockCfg.History[i].CreatedBy, h.CreatedBy)
		require.Equal(t, stockCfg.History[i].EmptyLayer || i == n-2, h.EmptyLayer, "history entry %d (%s)", i, h.CreatedBy)
	}
	require.Contains(t, optCfg.History[n-2].Comment, "optfrontend: in the layer of Dockerfile:3-4")
	require.Contains(t, optCfg.History[n-1].Comment, "optfrontend: one layer for Dockerfile:3-4")
	require.Len(t, optCfg.RootFS.DiffIDs, len(stockCfg.RootFS.DiffIDs)-1)
}
