package checks

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// seedWant is, for each Dockerfile taken from the seed articles, every
// warning as Rule@line, with options(): a context of a small app with a
// .env and no .dockerignore, and a registry that has the usual -slim tags.
var seedWant = map[string][]string{
	"000-full-base":                {"FullBaseImage@3", "RunAsRoot@3"},
	"000-layer-order":              {"RunAsRoot@4", "NoDockerignore@7", "SecretFileCopied@7"},
	"000-single-stage-build-tools": {"RunAsRoot@3", "AptInstallRecommends@5", "BuildToolsInFinalStage@5", "NoDockerignore@8", "SecretFileCopied@8"},
	"000-cleanup-separate-layer":   {"RunAsRoot@2", "AptInstallRecommends@3"},
	"001-slow-layer-order":         {"RunAsRoot@2", "NoDockerignore@4", "SecretFileCopied@4"},
	"001-good-go":                  {"NoDockerignore@9", "SecretFileCopied@9", "UnpinnedBaseImage@12"},
	"002-large-base-images":        {"FullBaseImage@5", "RunAsRoot@5"},
	"002-single-stage":             {"BuildToolsInFinalStage@4", "NoDockerignore@10", "SecretFileCopied@10"},
	"002-separate-runs":            {"RunAsRoot@3", "AptInstallRecommends@5", "AptInstallRecommends@6"},
	"003-many-layers":              {"FullBaseImage@2", "RunAsRoot@2"},
	"003-latest-ubuntu":            {"UnpinnedBaseImage@2", "RunAsRoot@2"},
	"003-latest-openjdk":           {"UnpinnedBaseImage@2", "FullBaseImage@2", "RunAsRoot@2", "BuildToolsInFinalStage@2"},
	"003-latest-python":            {"UnpinnedBaseImage@3", "FullBaseImage@3", "RunAsRoot@3"},
	"003-nonroot-user":             {"FullBaseImage@2"},
	"004-solution":                 {"RunAsRoot@11", "NoDockerignore@16", "SecretFileCopied@16"},
}

func TestSeeds(t *testing.T) {
	files, err := filepath.Glob("testdata/seeds/*.Dockerfile")
	require.NoError(t, err)
	var names []string
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".Dockerfile")
		names = append(names, name)
		t.Run(name, func(t *testing.T) {
			dt, err := os.ReadFile(f)
			require.NoError(t, err)
			got, err := check(t, string(dt), options())
			require.NoError(t, err)
			var short []string
			for _, w := range got {
				short = append(short, w.Rule+"@"+strconv.Itoa(w.Line))
			}
			require.Equal(t, seedWant[name], short, "warnings:\n%s", dump(got))
		})
	}
	for name := range seedWant {
		require.True(t, slices.Contains(names, name), "no testdata/seeds/%s.Dockerfile", name)
	}
}
