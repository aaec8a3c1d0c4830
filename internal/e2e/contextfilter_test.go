package e2e

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

// contextBytes matches buildkit's report of a local transfer.
var contextBytes = regexp.MustCompile(`transferring context: ([0-9.]+)(B|kB|MB|GB)`)

// transferred is the largest context transfer a build's output reports.
func transferred(t *testing.T, out string) float64 {
	t.Helper()
	unit := map[string]float64{"B": 1, "kB": 1e3, "MB": 1e6, "GB": 1e9}
	var most float64
	for _, m := range contextBytes.FindAllStringSubmatch(out, -1) {
		v, err := strconv.ParseFloat(m[1], 64)
		require.NoError(t, err)
		most = max(most, v*unit[m[2]])
	}
	return most
}

// contextWithLeftovers copies testdata/contextfilter and adds what a
// developer's checkout carries: a .git directory, a virtualenv and
// Python's bytecode cache.
func contextWithLeftovers(t *testing.T) string {
	t.Helper()
	dir := copyDir(t, "testdata/contextfilter")
	for p, size := range map[string]int{
		".git/objects/pack/pack-1.pack":             3 << 20,
		".git/HEAD":                                 20,
		".venv/lib/python3.12/site-packages/big.so": 2 << 20,
		".venv/pyvenv.cfg":                          40,
		"__pycache__/hello.cpython-312.pyc":         1 << 10,
	} {
		full := filepath.Join(dir, p)
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		b := make([]byte, size)
		_, _ = rand.Read(b)
		require.NoError(t, os.WriteFile(full, b, 0o644))
	}
	return dir
}

// TestContextFilterSendsLess builds a context without .dockerignore that
// carries a .git directory and a virtualenv, read only by a build stage:
// the optimized build transfers a fraction of the bytes, and its image is
// stock's.
func TestContextFilterSendsLess(t *testing.T) {
	// Two copies, so that neither transfer is an increment of the other.
	stockDir, optDir := contextWithLeftovers(t), contextWithLeftovers(t)
	stockRef, optRef := ref("e2e/contextfilter:stock"), ref("e2e/contextfilter:optimized")
	stockOut := stockBuild(t, stockDir, stockRef, "--progress=plain")
	optOut := optBuild(t, optDir, optRef)
	require.Contains(t, optOut, "optfrontend contextfilter: the context has no .dockerignore: not sending .git")
	s, o := transferred(t, stockOut), transferred(t, optOut)
	t.Logf("context transferred: stock %.0f bytes, optimized %.0f bytes", s, o)
	require.Greater(t, s, 5e6)
	require.Less(t, o, 1e5)

	stock := filesystem(t, image(t, stockRef, nil))
	opt := filesystem(t, image(t, optRef, nil))
	require.Empty(t, diffPaths(stock, opt))
	require.Contains(t, opt, "/app/hello.txt")
}
