package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// vertexLine matches a step's first line in plain progress: "#8 [4/4] RUN ...".
var vertexLine = regexp.MustCompile(`(?m)^#(\d+) (\[.*)$`)

// stepCached tells whether the build's plain progress shows the step
// whose name contains name as a cache hit. Every step of that name must
// be one: a step that ran is not hidden by another that did not.
func stepCached(t *testing.T, out, name string) bool {
	t.Helper()
	var ids []string
	for _, m := range vertexLine.FindAllStringSubmatch(out, -1) {
		if strings.Contains(m[2], name) && !slices.Contains(ids, m[1]) {
			ids = append(ids, m[1])
		}
	}
	require.NotEmpty(t, ids, "no step %q in the build's output:\n%s", name, tail(out, 40))
	for _, id := range ids {
		if !strings.Contains(out, "\n#"+id+" CACHED\n") {
			return false
		}
	}
	return true
}

// TestManifestFirstReusesInstall changes one line of source in examples
// whose Dockerfile copies the whole source before installing: the
// optimized rebuild takes the install from the cache, the stock one runs it
// again, and the optimized image still passes its smoke check.
func TestManifestFirstReusesInstall(t *testing.T) {
	for _, tc := range []struct{ example, file, comment, install, manifests string }{
		{"flask", "app.py", "#", "RUN pip install -r requirements.txt", "requirements.txt"},
		{"express", "server.js", "//", "RUN npm install", "package-lock.json, package.json"},
		{"goserver", "main.go", "//", "RUN go mod download", "go.mod, go.sum"},
	} {
		t.Run(tc.example, func(t *testing.T) {
			dir := copyDir(t, filepath.Join(bed.root, "examples", tc.example))
			stockRef, optRef := ref("e2e/manifestfirst-"+tc.example+":stock"), ref("e2e/manifestfirst-"+tc.example+":optimized")
			stockBuild(t, dir, stockRef, "--progress=plain")
			optBuild(t, dir, optRef)

			f, err := os.OpenFile(filepath.Join(dir, tc.file), os.O_APPEND|os.O_WRONLY, 0)
			require.NoError(t, err)
			_, err = fmt.Fprintf(f, "\n%s changed at %d\n", tc.comment, time.Now().UnixNano())
			require.NoError(t, err)
			require.NoError(t, f.Close())

			out := optBuild(t, dir, optRef)
			require.Contains(t, out, "optfrontend manifestfirst: installs from "+tc.manifests+" alone")
			require.True(t, stepCached(t, out, tc.install), "the optimized rebuild ran the install again:\n%s", tail(out, 60))
			stockOut := stockBuild(t, dir, stockRef, "--progress=plain")
			require.False(t, stepCached(t, stockOut, tc.install), "stock's rebuild took the install from the cache: the example does not show the rewrite")
			smoke(t, dir, optRef)
		})
	}
}

// TestManifestFirstRefusesPostinstall builds a package whose postinstall
// script reads a source file: installing on the manifests alone would
// fail, so the pass must refuse, and the image is stock's.
func TestManifestFirstRefusesPostinstall(t *testing.T) {
	dir := filepath.Join(bed.root, "internal", "e2e", "testdata", "manifestfirst-postinstall")
	stockRef, optRef := ref("e2e/manifestfirst-postinstall:stock"), ref("e2e/manifestfirst-postinstall:optimized")
	stockBuild(t, dir, stockRef)
	out := optBuild(t, dir, optRef)
	require.Contains(t, out, `optfrontend manifestfirst: kept the install after the copy of the whole source: package.json has a "postinstall" script`)
	stock := filesystem(t, image(t, stockRef, nil))
	opt := filesystem(t, image(t, optRef, nil))
	require.Contains(t, opt, "/app/banner.txt")
	require.Equal(t, stock["/app/banner.txt"].SHA256, opt["/app/banner.txt"].SHA256)
	for _, p := range diffPaths(stock, opt) {
		require.True(t, under(p, "/root/.npm") || p == "/root", "unexpected difference at %s", p)
	}
}
