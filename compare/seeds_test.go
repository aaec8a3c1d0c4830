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
	for _, s := range Seeds() {
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
	for _, s := range Seeds() {
		for from, to := range s.Bases {
			dir := strings.NewReplacer(":", "-").Replace(to)
			require.Contains(t, have, dir, "%s: %s stands in for %s, but the test bed builds no such image", s.File, to, from)
		}
	}
}

func TestSeedContextKeepsTheLines(t *testing.T) {
	for _, s := range Seeds() {
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
	got, notes, err := replaceBases([]byte("FROM --platform=$BUILDPLATFORM python:3.11-slim AS build\nRUN x\nfrom python:3.11-slim\nFROM build\n"),
		map[string]string{"python:3.11-slim": "python:3.12-slim"})
	require.NoError(t, err)
	require.Equal(t, "FROM --platform=$BUILDPLATFORM python:3.12-slim AS build\nRUN x\nfrom python:3.12-slim\nFROM build\n", string(got))
	require.Len(t, notes, 2)
}

func TestReplaceBasesKeepsTheLines(t *testing.T) {
	bases := map[string]string{"python:3.11-slim": "python:3.12-slim", "ubuntu:20.04": "debian:bookworm-slim"}
	for _, tc := range []struct {
		name, dockerfile, want string
		notes                  []string
	}{
		{
			name:       "only the image word, spacing kept",
			dockerfile: "# python:3.11-slim\nFROM  python:3.11-slim\tAS python\nRUN echo python:3.11-slim\n",
			want:       "# python:3.11-slim\nFROM  python:3.12-slim\tAS python\nRUN echo python:3.11-slim\n",
			notes:      []string{"Line 2: FROM python:3.11-slim is built FROM python:3.12-slim, the test bed's stand-in."},
		},
		{
			name:       "continued FROM, the line of the image",
			dockerfile: "FROM --platform=linux/amd64 \\\n  # a comment\n  ubuntu:20.04 \\\n  AS base\nRUN true\n",
			want:       "FROM --platform=linux/amd64 \\\n  # a comment\n  debian:bookworm-slim \\\n  AS base\nRUN true\n",
			notes:      []string{"Line 3: FROM ubuntu:20.04 is built FROM debian:bookworm-slim, the test bed's stand-in."},
		},
		{
			name:       "escape directive and CRLF",
			dockerfile: "# escape=`\r\nFROM ubuntu:20.04 `\r\n  AS base\r\n",
			want:       "# escape=`\r\nFROM debian:bookworm-slim `\r\n  AS base\r\n",
			notes:      []string{"Line 2: FROM ubuntu:20.04 is built FROM debian:bookworm-slim, the test bed's stand-in."},
		},
		{
			name:       "a stage or another image stays",
			dockerfile: "FROM python:3.11 AS python\nFROM python\nCOPY --from=python:3.11-slim / /\n",
			want:       "FROM python:3.11 AS python\nFROM python\nCOPY --from=python:3.11-slim / /\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, notes, err := replaceBases([]byte(tc.dockerfile), bases)
			require.NoError(t, err)
			require.Equal(t, tc.want, string(got))
			require.Equal(t, tc.notes, notes)
		})
	}
	_, _, err := replaceBases([]byte("# only a comment\n"), bases)
	require.ErrorContains(t, err, "parsing the Dockerfile")
}

func TestSeedAppPinsTheFlaskExamplesRequirements(t *testing.T) {
	want, err := os.ReadFile("../examples/flask/requirements.txt")
	require.NoError(t, err)
	got, err := seedApp.ReadFile(seedAppDir + "/requirements.txt")
	require.NoError(t, err)
	require.Equal(t, string(want), string(got))
	dir := t.TempDir()
	require.NoError(t, writeSeedApp(dir))
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	require.Equal(t, []string{"app.py", "requirements.txt"}, names)
}
