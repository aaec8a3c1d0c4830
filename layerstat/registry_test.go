package layerstat_test

import (
	"io"
	"log"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/org/optfrontend/layerstat"
	"github.com/stretchr/testify/require"
)

func TestAnalyzeRemoteImage(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	ref, err := name.ParseReference(strings.TrimPrefix(srv.URL, "http://") + "/layerstat/waste:test")
	require.NoError(t, err)

	const mib = 1 << 20
	img := newImage(t,
		[]entry{dir("tmp/"), file("tmp/download.tar", mib), file("app", 100)},
		[]entry{whiteout("tmp/.wh.download.tar")},
	)
	require.NoError(t, remote.Write(ref, img))
	pulled, err := remote.Image(ref)
	require.NoError(t, err)

	s, err := layerstat.Analyze(pulled)
	require.NoError(t, err)
	require.Equal(t, int64(mib), s.Wasted)
	require.Equal(t, []layerstat.Waste{{Path: "/tmp/download.tar", Bytes: mib, AddedIn: 0, RemovedIn: 1}}, s.Top)

	want, err := layerstat.Analyze(img)
	require.NoError(t, err)
	require.Equal(t, want, s)
	require.Equal(t, 2, s.Layers[0].Files)
	require.Equal(t, 1, s.Layers[1].Whiteouts)
	require.Less(t, s.Layers[0].Compressed, s.Layers[0].Uncompressed)
}
