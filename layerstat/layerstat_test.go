package layerstat_test

import (
	"io"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/org/optfrontend/layerstat"
	"github.com/stretchr/testify/require"
)

func TestAnalyzeWaste(t *testing.T) {
	for _, tc := range []struct {
		name     string
		layers   [][]entry
		wasted   int64
		perLayer []int64
		top      []layerstat.Waste
	}{{
		name: "added then whited out",
		layers: [][]entry{
			{dir("app/"), file("app/big.bin", 1000), file("app/keep", 10)},
			{dir("app/"), whiteout("app/.wh.big.bin")},
		},
		wasted:   1000,
		perLayer: []int64{1000, 0},
		top:      []layerstat.Waste{{Path: "/app/big.bin", Bytes: 1000, AddedIn: 0, RemovedIn: 1}},
	}, {
		name: "whole directory whited out",
		layers: [][]entry{
			{dir("d/"), file("d/a", 10), dir("d/sub/"), file("d/sub/b", 20), symlink("d/l", "a")},
			{whiteout(".wh.d")},
		},
		wasted:   30,
		perLayer: []int64{30, 0},
		top: []layerstat.Waste{
			{Path: "/d/sub/b", Bytes: 20, AddedIn: 0, RemovedIn: 1},
			{Path: "/d/a", Bytes: 10, AddedIn: 0, RemovedIn: 1},
		},
	}, {
		name: "overwritten by later layers",
		layers: [][]entry{
			{dir("etc/"), file("etc/conf", 300)},
			{file("./etc/conf", 50)},
			{file("/etc/conf", 70)},
		},
		wasted:   350,
		perLayer: []int64{300, 50, 0},
		top: []layerstat.Waste{
			{Path: "/etc/conf", Bytes: 300, AddedIn: 0, RemovedIn: 1},
			{Path: "/etc/conf", Bytes: 50, AddedIn: 1, RemovedIn: 2},
		},
	}, {
		name: "written twice in one layer",
		layers: [][]entry{
			{file("f", 40), file("f", 5)},
		},
		wasted:   40,
		perLayer: []int64{40},
		top:      []layerstat.Waste{{Path: "/f", Bytes: 40, AddedIn: 0, RemovedIn: 0}},
	}, {
		name: "opaque whiteout hides lower directory content",
		layers: [][]entry{
			{dir("d/"), file("d/x", 10), dir("d/sub/"), file("d/sub/y", 20), file("keep", 5)},
			{dir("d/"), file("d/z", 7), whiteout("d/.wh..wh..opq")},
			{file("other", 1)},
		},
		wasted:   30,
		perLayer: []int64{30, 0, 0},
		top: []layerstat.Waste{
			{Path: "/d/sub/y", Bytes: 20, AddedIn: 0, RemovedIn: 1},
			{Path: "/d/x", Bytes: 10, AddedIn: 0, RemovedIn: 1},
		},
	}, {
		name: "directory replaced by a file",
		layers: [][]entry{
			{dir("d/"), file("d/a", 10), dir("d/b/"), file("d/b/c", 20)},
			{file("d", 1)},
		},
		wasted:   30,
		perLayer: []int64{30, 0},
		top: []layerstat.Waste{
			{Path: "/d/b/c", Bytes: 20, AddedIn: 0, RemovedIn: 1},
			{Path: "/d/a", Bytes: 10, AddedIn: 0, RemovedIn: 1},
		},
	}, {
		name: "file replaced by a directory",
		layers: [][]entry{
			{file("x", 40), file("y", 8)},
			{dir("x/"), file("x/inner", 1), file("y/implied", 2)},
		},
		wasted:   48,
		perLayer: []int64{48, 0},
		top: []layerstat.Waste{
			{Path: "/x", Bytes: 40, AddedIn: 0, RemovedIn: 1},
			{Path: "/y", Bytes: 8, AddedIn: 0, RemovedIn: 1},
		},
	}, {
		name: "nothing wasted",
		layers: [][]entry{
			{dir("d/"), file("d/a", 10), file("empty", 0)},
			{dir("d/"), file("d/b", 5), whiteout(".wh.missing"), whiteout("empty/.wh.x")},
			{file("empty", 3)},
		},
		perLayer: []int64{0, 0, 0},
	}, {
		name: "hard links counted once",
		layers: [][]entry{
			{dir("bin/"), file("bin/a", 100), hardlink("bin/b", "bin/a"), hardlink("bin/c", "/bin/a")},
			{whiteout("bin/.wh.a"), whiteout("bin/.wh.b"), whiteout("bin/.wh.c")},
		},
		wasted:   100,
		perLayer: []int64{100, 0},
		top:      []layerstat.Waste{{Path: "/bin/a", Bytes: 100, AddedIn: 0, RemovedIn: 1}},
	}, {
		name: "hard link keeps content alive",
		layers: [][]entry{
			{dir("bin/"), file("bin/a", 100), hardlink("bin/b", "bin/a")},
			{whiteout("bin/.wh.a")},
		},
		perLayer: []int64{0, 0},
	}, {
		name: "last hard link removed later",
		layers: [][]entry{
			{file("a", 100), hardlink("b", "a")},
			{whiteout(".wh.a")},
			{file("b", 1)},
		},
		wasted:   100,
		perLayer: []int64{100, 0, 0},
		top:      []layerstat.Waste{{Path: "/a", Bytes: 100, AddedIn: 0, RemovedIn: 2}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := layerstat.Analyze(newImage(t, tc.layers...))
			require.NoError(t, err)
			require.Equal(t, tc.wasted, s.Wasted)
			require.Equal(t, tc.perLayer, perLayerWaste(s))
			require.Equal(t, tc.top, s.Top)
		})
	}
}

func TestAnalyzeLayerInfo(t *testing.T) {
	entries := [][]entry{
		{dir("d/"), file("d/a", 10), symlink("d/l", "a"), hardlink("d/h", "d/a")},
		{whiteout("d/.wh.a"), whiteout("d/.wh..wh..opq"), whiteout(".wh..wh.plnk"), file("d/n", 1)},
	}
	img := newImage(t, entries...)
	s, err := layerstat.Analyze(img)
	require.NoError(t, err)

	layers, err := img.Layers()
	require.NoError(t, err)
	require.Len(t, s.Layers, len(layers))
	wantFiles := []int{3, 1}
	wantWhiteouts := []int{0, 2}
	wantWasted := []int64{10, 0} // the opaque whiteout hides d/a's last link
	for i, l := range layers {
		digest, err := l.Digest()
		require.NoError(t, err)
		diffID, err := l.DiffID()
		require.NoError(t, err)
		size, err := l.Size()
		require.NoError(t, err)
		require.Equal(t, layerstat.Layer{
			Index:        i,
			Digest:       digest,
			DiffID:       diffID,
			Compressed:   size,
			Uncompressed: int64(len(layerTar(t, entries[i]))),
			Files:        wantFiles[i],
			Whiteouts:    wantWhiteouts[i],
			Wasted:       wantWasted[i],
		}, s.Layers[i])
	}
	require.Equal(t, int64(10), s.Wasted)
}

func TestAnalyzeTop(t *testing.T) {
	var first []entry
	for _, name := range []string{"c", "a", "b", "d"} {
		first = append(first, file(name, 10))
	}
	first = append(first, file("big", 20))
	img := newImage(t, first, []entry{
		whiteout(".wh.a"), whiteout(".wh.b"), whiteout(".wh.c"), whiteout(".wh.d"), whiteout(".wh.big"),
	})

	for _, tc := range []struct {
		name string
		opts []layerstat.Option
		want []string
	}{
		{name: "default keeps all when fewer", want: []string{"/big", "/a", "/b", "/c", "/d"}},
		{name: "limited", opts: []layerstat.Option{layerstat.WithTop(2)}, want: []string{"/big", "/a"}},
		{name: "unlimited", opts: []layerstat.Option{layerstat.WithTop(0)}, want: []string{"/big", "/a", "/b", "/c", "/d"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := layerstat.Analyze(img, tc.opts...)
			require.NoError(t, err)
			require.Equal(t, int64(60), s.Wasted)
			var got []string
			for _, w := range s.Top {
				got = append(got, w.Path)
			}
			require.Equal(t, tc.want, got)
		})
	}
}

func TestAnalyzeRandomImage(t *testing.T) {
	img, err := random.Image(1024, 3)
	require.NoError(t, err)
	s, err := layerstat.Analyze(img)
	require.NoError(t, err)
	require.Len(t, s.Layers, 3)
	require.Zero(t, s.Wasted)
	require.Empty(t, s.Top)
	for _, l := range s.Layers {
		require.Equal(t, 1, l.Files)
		require.Positive(t, l.Uncompressed)
	}
}

func TestAnalyzeDeterministic(t *testing.T) {
	img := newImage(t,
		[]entry{file("a", 5), file("b", 5), dir("d/"), file("d/x", 5), file("d/y", 5)},
		[]entry{whiteout("d/.wh..wh..opq"), file("a", 1), file("b", 1)},
	)
	want, err := layerstat.Analyze(img)
	require.NoError(t, err)
	require.Equal(t, int64(20), want.Wasted)
	for range 20 {
		got, err := layerstat.Analyze(img)
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
}

func perLayerWaste(s *layerstat.Stats) []int64 {
	out := make([]int64, 0, len(s.Layers))
	for _, l := range s.Layers {
		out = append(out, l.Wasted)
	}
	return out
}

func TestAnalyzeCorruptLayer(t *testing.T) {
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader(strings.Repeat("not a tar archive", 64))), nil
	})
	require.NoError(t, err)
	img, err := mutate.AppendLayers(newImage(t, []entry{file("ok", 1)}), l)
	require.NoError(t, err)
	_, err = layerstat.Analyze(img)
	require.ErrorContains(t, err, "analyzing layer 1: reading tar entry")
}
