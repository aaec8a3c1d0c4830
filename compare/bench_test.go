package compare

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestExamplesAreThere(t *testing.T) {
	examples, err := Examples("../examples")
	require.NoError(t, err)
	require.NotEmpty(t, examples, "../examples/"+ExamplesFile)
	for _, e := range examples {
		_, err := os.Stat(filepath.Join("..", "examples", e.Name, e.Touch))
		require.NoError(t, err, e.Name)
	}
	_, err = exampleDirs("../examples", []string{"flask", "seed-002-separate-runs"})
	require.NoError(t, err)
	_, err = exampleDirs("../examples", []string{"nosuch"})
	require.ErrorContains(t, err, `no example "nosuch"`)
}

func TestBenchTable(t *testing.T) {
	b := &Bench{Machine: "AMD EPYC, 2 cores", FrontendImage: "o/f:latest@sha256:ff", Date: "2026-11-23 12:00 UTC", Rounds: 3, Seconds: 61, Reports: []*Report{sampleReport()},
		Skipped: []Failure{{Name: "seed-x", Error: "only a FROM"}}, Failed: []Failure{{Name: "y", Error: "boom"}}}
	var buf bytes.Buffer
	require.NoError(t, WriteBenchTable(&buf, b))
	require.Equal(t, `Stock Dockerfile frontend vs optfrontend (o/f:latest@sha256:ff), medians of 3 round(s), 2026-11-23 12:00 UTC; AMD EPYC, 2 cores.

| example | image size, stock → optimized | layers | wasted in own layers | cold build | warm rebuild | source change | dependency change |
|---|---|---|---|---|---|---|---|
| x | 50.8 MB → 35.4 MB (0.70) | 4 → 3 | 19.9 MB → 0 B | 6.00 s → 5.00 s (0.83) | 0.10 s → 0.30 s (3.00) | – | – |

seed-x not built: only a FROM

y failed: boom

1 comparisons in 1m1s.
`, buf.String())
}
