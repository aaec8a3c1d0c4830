package compare

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDepCmdAddsTheRoundsDependency(t *testing.T) {
	dir := t.TempDir()
	cmd := depCmd(`add() { echo "$1" >>deps; }; add`, "a@1", "b@2")
	run := func(round int) ([]byte, error) {
		c := exec.Command("sh", "-c", cmd)
		c.Dir = dir
		c.Env = append(os.Environ(), "OPTCTL_ROUND="+strconv.Itoa(round), "OPTCTL_NONCE=n"+strconv.Itoa(round))
		return c.CombinedOutput()
	}
	for round := 1; round <= 2; round++ {
		out, err := run(round)
		require.NoError(t, err, "%s", out)
	}
	deps, err := os.ReadFile(filepath.Join(dir, "deps"))
	require.NoError(t, err)
	require.Equal(t, "a@1\nb@2\n", string(deps))
	nonce, err := os.ReadFile(filepath.Join(dir, ".rebuild"))
	require.NoError(t, err)
	require.Equal(t, "n2\n", string(nonce))
	out, err := run(3)
	require.Error(t, err)
	require.Contains(t, string(out), "only 2 dependencies to add")
}

func TestExamplesAreThere(t *testing.T) {
	for _, e := range Examples {
		_, err := os.Stat(filepath.Join("..", "examples", e.Name, e.Touch))
		require.NoError(t, err, e.Name)
	}
	_, err := exampleDirs("../examples", []string{"flask", "seed-002-separate-runs"})
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
