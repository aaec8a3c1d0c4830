package compare

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const seedsDir = "../checks/testdata/seeds"

func TestEverySeedIsListed(t *testing.T) {
	entries, err := os.ReadDir(seedsDir)
	require.NoError(t, err)
	var files []string
	for _, e := range entries {
		files = append(files, e.Name())
	}
	var listed []string
	for _, s := range Seeds {
		listed = append(listed, s.File)
		require.True(t, s.Skip != "" || s.DepCmd == "" || s.App, "%s: a dependency change needs the app", s.File)
	}
	slices.Sort(listed)
	require.Equal(t, files, listed, "a seed was added or removed: say in Seeds how the benchmark builds it")
}

func TestSeedStandInsAreTheTestBeds(t *testing.T) {
	entries, err := os.ReadDir("../internal/testbed/images")
	require.NoError(t, err)
	var have []string
	for _, e := range entries {
		have = append(have, e.Name())
	}
	for _, s := range Seeds {
		for from, to := range s.Bases {
			dir := strings.NewReplacer(":", "-").Replace(to)
			require.Contains(t, have, dir, "%s: %s stands in for %s, but the test bed builds no such image", s.File, to, from)
		}
	}
}

func TestSeedContextKeepsTheLines(t *testing.T) {
	for _, s := range Seeds {
		if s.Skip != "" {
			continue
		}
		t.Run(s.File, func(t *testing.T) {
			dir := t.TempDir()
			notes, err := seedContext(seedsDir, dir, s)
			require.NoError(t, err)
			orig, err := os.ReadFile(filepath.Join(seedsDir, s.File))
			require.NoError(t, err)
			got, err := os.ReadFile(filepath.Join(dir, "Dockerfile"))
			require.NoError(t, err)
			origLines, gotLines := strings.Split(string(orig), "\n"), strings.Split(string(got), "\n")
			require.Len(t, gotLines, len(origLines), "findings must point at the seed's own lines")
			changed := 0
			for i := range origLines {
				if origLines[i] != gotLines[i] {
					changed++
					require.True(t, strings.HasPrefix(gotLines[i], "FROM "), gotLines[i])
				}
			}
			require.Equal(t, len(s.Bases), changed, "every stand-in is used")
			require.Len(t, notes, changed+map[bool]int{true: 1}[s.App])
			_, err = os.Stat(filepath.Join(dir, "app.py"))
			require.Equal(t, s.App, err == nil)
		})
	}
}

func TestReplaceBases(t *testing.T) {
	got, notes := replaceBases("FROM --platform=$BUILDPLATFORM python:3.11-slim AS build\nRUN x\nfrom python:3.11-slim\nFROM build\n",
		map[string]string{"python:3.11-slim": "python:3.12-slim"})
	require.Equal(t, "FROM --platform=$BUILDPLATFORM python:3.12-slim AS build\nRUN x\nfrom python:3.12-slim\nFROM build\n", got)
	require.Len(t, notes, 2)
}
