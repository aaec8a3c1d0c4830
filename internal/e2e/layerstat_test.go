package e2e

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/org/optfrontend/layerstat"
)

// TestLayerstatOnABuiltImage checks the analyzer on an image the real
// daemon built with a known waste: 1 MiB written by one RUN and deleted by
// the next.
func TestLayerstatOnABuiltImage(t *testing.T) {
	r := ref("e2e/waste:test")
	optBuild(t, "testdata/waste", r)
	st, err := layerstat.Analyze(image(t, r, nil))
	require.NoError(t, err)
	require.Equal(t, int64(1<<20), st.Wasted)
	require.Len(t, st.Top, 1)
	require.Equal(t, "/download.bin", st.Top[0].Path)
	require.Equal(t, len(st.Layers)-2, st.Top[0].AddedIn)
	require.Equal(t, len(st.Layers)-1, st.Top[0].RemovedIn)
}
