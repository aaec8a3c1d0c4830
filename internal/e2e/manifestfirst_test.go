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

// TestManifestFirstCargoReusesDependencies edits the rustapp example's
// main.rs after a first optimized build: the rebuild takes the build of
// the dependencies on stubs from the cache and compiles only the package
// (stock compiles every crate again), and the image's binary is the edited
// program, not a stub cargo took for fresh: the source files the context
// brings are older than the first build, the case the removal of the
// package's fingerprints is for.
func TestManifestFirstCargoReusesDependencies(t *testing.T) {
	dir := copyDir(t, filepath.Join(bed.root, "examples", "rustapp"))
	stockRef, optRef := ref("e2e/manifestfirst-rustapp:stock"), ref("e2e/manifestfirst-rustapp:optimized")
	out := optBuild(t, dir, optRef)
	require.Contains(t, out, "optfrontend manifestfirst: builds the dependencies first, on Cargo.lock, Cargo.toml and stubs of the package's targets")
	smoke(t, dir, optRef)

	mark := fmt.Sprintf("e2e-mark-%d", time.Now().UnixNano())
	main := filepath.Join(dir, "src", "main.rs")
	src, err := os.ReadFile(main)
	require.NoError(t, err)
	edited := strings.Replace(string(src), "fn main() {", "fn main() {\n    eprintln!(\""+mark+"\");", 1)
	require.NotEqual(t, string(src), edited, "main.rs has no `fn main() {` to edit")
	require.NoError(t, os.WriteFile(main, []byte(edited), 0o644))

	out = optBuild(t, dir, optRef)
	require.True(t, stepCached(t, out, "(the dependencies, on stubs)"), "the rebuild compiled the dependencies again:\n%s", tail(out, 60))
	compiled := regexp.MustCompile(`Compiling (\S+) v`).FindAllStringSubmatch(out, -1)
	require.Len(t, compiled, 1, "the rebuild compiles the package alone: %v", compiled)
	require.Equal(t, "rustapp", compiled[0][1])

	bin := imageFile(t, image(t, optRef, nil), "usr/local/bin/rustapp")
	require.Contains(t, string(bin), mark, "the image's binary is not the edited program")
	smoke(t, dir, optRef)

	stockOut := stockBuild(t, dir, stockRef, "--progress=plain")
	require.Greater(t, len(regexp.MustCompile(`Compiling \S+ v`).FindAllString(stockOut, -1)), 1, "stock compiles every crate again")
}
