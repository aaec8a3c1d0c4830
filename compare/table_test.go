package compare

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWriteTable(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, WriteTable(&buf, sampleReport()))
	require.Equal(t, `x: /src/x/Dockerfile, stock Dockerfile frontend vs docker.io/org/optfrontend:latest@sha256:ff
builder unix:///b.sock v0.34.2, 3 round(s), medians

                                        stock  optimized  optimized/stock
image size (compressed)               50.8 MB    35.4 MB             0.70
unpacked layers                      100.0 MB    80.0 MB             0.80
layers (base image's)                   4 (1)      3 (1)
wasted bytes, own layers              19.9 MB        0 B             0.00
wasted bytes, base image               1.1 MB     1.1 MB
context bytes sent                      926 B      926 B             1.00
time: cold build (no cache)            6.00 s     5.00 s             0.83
time: warm rebuild, nothing changed    0.10 s     0.30 s             3.00
time: rebuild, one dependency added   skipped

images (last cold round; check with `+"`buildx imagetools inspect`"+`):
  stock      localhost:5000/optctl/x:stock-cold@sha256:aa
  optimized  localhost:5000/optctl/x:optimized-cold@sha256:bb

what the passes changed (2):
  Dockerfile:5  squash: exported Dockerfile:3-5 (3 layers) as one layer: `+"`rm -rf <lists> && true`"+`
      | RUN rm -rf /var/lib/apt/lists/* && echo '<done>' & wait
  (no line)  squash: undone, the image keeps the Dockerfile's layers

notes:
  - a note with <markup> & ampersands
`, buf.String())
}

func TestAlignColumns(t *testing.T) {
	require.Equal(t, "a       b  c\nlonger  1  →\n", alignColumns([][4]string{{"a", "b", "c", ""}, {"longer", "1", "→", ""}}))
}

func TestBytes(t *testing.T) {
	for n, want := range map[int64]string{
		0: "0 B", 999: "999 B", 1000: "1.0 kB", 926_000: "926.0 kB", 50_812_648: "50.8 MB", 1_500_000_000: "1.5 GB", -2_000_000: "-2.0 MB",
	} {
		require.Equal(t, want, Bytes(n), n)
	}
}

func TestRatioAndMedian(t *testing.T) {
	require.Equal(t, "", ratio(1, 0))
	require.Equal(t, "0.50", ratio(1, 2))
	require.Equal(t, 0.0, median(nil))
	require.Equal(t, 2.0, median([]float64{3, 1, 2}))
	require.Equal(t, 2.5, median([]float64{4, 1, 3, 2}))
}

func TestSummarize(t *testing.T) {
	scs := []Scenario{{Name: "cold"}, {Name: "dep", skipped: "no command"}}
	builds := []Build{
		{Frontend: Stock, Scenario: "warm-up", Seconds: 100},
		{Frontend: Stock, Scenario: "cold", Seconds: 4}, {Frontend: Optimized, Scenario: "cold", Seconds: 2},
		{Frontend: Stock, Scenario: "cold", Seconds: 6}, {Frontend: Optimized, Scenario: "cold", Seconds: 1},
		{Frontend: Stock, Scenario: "cold", Seconds: 5}, {Frontend: Optimized, Scenario: "cold", Seconds: 9},
	}
	got := summarize(scs, builds)
	require.Len(t, got, 2)
	require.Equal(t, []float64{4, 6, 5}, got[0].Stock.Seconds)
	require.Equal(t, 5.0, got[0].Stock.Median)
	require.Equal(t, 2.0, got[0].Optimized.Median)
	require.InDelta(t, 0.4, got[0].Ratio, 1e-9)
	require.Equal(t, "no command", got[1].Skipped)
	require.Zero(t, got[1].Ratio)
}

func TestPin(t *testing.T) {
	require.Equal(t, "o/f:latest@sha256:ff", pin("o/f:latest", "sha256:ff"))
	require.Equal(t, "o/f@sha256:aa", pin("o/f@sha256:aa", "sha256:aa"))
	r := sampleReport()
	require.Equal(t, DefaultFrontendImage+"@sha256:ff", r.FrontendRef())
	r.FrontendImage += "@sha256:ff"
	require.Equal(t, DefaultFrontendImage+"@sha256:ff", r.FrontendRef())
}
