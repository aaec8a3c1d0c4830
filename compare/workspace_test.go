package compare

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWorkspaceCopiesAndLeavesTheOriginal(t *testing.T) {
	src := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(src, "sub"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(src, "run"), []byte("#!/bin/sh\n"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(src, "sub", "data"), []byte("x"), 0o600))
	require.NoError(t, os.Symlink("sub/data", filepath.Join(src, "link")))
	dfDir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dfDir, "build.Dockerfile"), []byte("FROM scratch\n"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dfDir, "build.Dockerfile.dockerignore"), []byte("sub\n"), 0o644))

	ws, err := newWorkspace(Options{Context: src, Dockerfile: filepath.Join(dfDir, "build.Dockerfile")})
	require.NoError(t, err)
	st, err := os.Stat(filepath.Join(ws.context, "run"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o755), st.Mode().Perm())
	link, err := os.Readlink(filepath.Join(ws.context, "link"))
	require.NoError(t, err)
	require.Equal(t, "sub/data", link)
	require.Equal(t, "build.Dockerfile", ws.filename)
	require.FileExists(t, filepath.Join(ws.dockerfile, "build.Dockerfile.dockerignore"))

	require.NoError(t, Touch{File: "run", Comment: "#"}.apply(ws.context, 1))
	orig, err := os.ReadFile(filepath.Join(src, "run"))
	require.NoError(t, err)
	require.Equal(t, "#!/bin/sh\n", string(orig), "the user's file changed")

	require.NoError(t, ws.Close())
	require.NoDirExists(t, ws.root)
}

func TestOptionsWithDefaults(t *testing.T) {
	dir := t.TempDir()
	_, err := Options{Context: dir, Repo: "r/x"}.withDefaults()
	require.ErrorContains(t, err, "reading the Dockerfile")
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\n"), 0o644))
	o, err := Options{Context: dir, Repo: "r/x"}.withDefaults()
	require.NoError(t, err)
	require.Equal(t, DefaultRounds, o.Rounds)
	require.Equal(t, DefaultFrontendImage, o.FrontendImage)
	require.Equal(t, filepath.Base(dir), o.Name)
	for _, bad := range []Options{
		{Context: dir},
		{Context: dir, Repo: "r/x", Rounds: -1},
		{Context: dir, Repo: "localhost:5000/x:tag"},
		{Context: dir, Repo: "r/x@sha256:0000000000000000000000000000000000000000000000000000000000000000"},
		{Context: dir, Repo: "r/x", Touch: "../etc/passwd"},
		{Context: dir, Repo: "r/x", Touch: "missing.py"},
		{Context: filepath.Join(dir, "Dockerfile"), Repo: "r/x"},
	} {
		_, err := bad.withDefaults()
		require.Error(t, err, "%+v", bad)
	}
}

func TestParseBuildArgs(t *testing.T) {
	m, err := ParseBuildArgs([]string{"A=1", "B=", "C", "D=x=y"}, func(k string) string { return "env-" + k })
	require.NoError(t, err)
	require.Equal(t, map[string]string{"A": "1", "B": "", "C": "env-C", "D": "x=y"}, m)
	_, err = ParseBuildArgs([]string{"=v"}, nil)
	require.Error(t, err)
}
