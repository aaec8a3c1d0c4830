package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestStaticFix builds testdata/staticfix, a one-stage Go build on
// golang:1.26, with BUILDKIT_OPT_FIX=static: the image that ships holds the
// program, the CA certificates, the time zones, /etc/passwd and /etc/group
// and the empty WORKDIR, nothing else; it runs (as USER nobody, by name),
// is a small fraction of stock's size, and the same build again gives the
// same image (from the cache: on a cold cache the new layer's directories
// have the copy's time, as stock's own COPY layers do, unless the build
// rewrites timestamps to SOURCE_DATE_EPOCH). The same program linked against libc is refused, at the CMD's
// line, and its image is the one the build makes without the fix.
func TestStaticFix(t *testing.T) {
	dir := "testdata/staticfix"
	stockRef, fixRef, againRef := ref("e2e/staticfix:stock"), ref("e2e/staticfix:fixed"), ref("e2e/staticfix:again")
	stockBuild(t, dir, stockRef)
	out := optBuild(t, dir, fixRef, "--build-arg", "BUILDKIT_OPT_FIX=static")
	require.Contains(t, out, "optfrontend static: the image is scratch with only /usr/local/bin/hello (")
	require.Contains(t, out, "checked: /usr/local/bin/hello is a static ELF (no PT_INTERP, no DT_NEEDED)")
	require.Contains(t, out, "(line 8)", "reported at the CMD")

	fixed := image(t, fixRef, nil)
	stockImg := image(t, stockRef, nil)
	fixedFS, stockFS := filesystem(t, fixed), filesystem(t, stockImg)
	var files []string
	for p, e := range fixedFS {
		if p != "/" {
			require.Equal(t, stockFS[p], e, "%s is as the built image has it (owner, mode, bytes)", p)
		}
		if !strings.HasPrefix(p, "/usr/share/zoneinfo/") {
			files = append(files, p)
		}
	}
	slices.Sort(files)
	require.Equal(t, []string{"/etc", "/etc/group", "/etc/passwd", "/etc/ssl", "/etc/ssl/certs", "/etc/ssl/certs/ca-certificates.crt",
		"/src", "/usr", "/usr/local", "/usr/local/bin", "/usr/local/bin/hello", "/usr/share", "/usr/share/zoneinfo"}, withoutRoot(files))

	sc, _ := stockImg.ConfigFile()
	fc, _ := fixed.ConfigFile()
	require.Equal(t, sc.Config, fc.Config, "the image config is stock's")
	layers, err := fixed.Layers()
	require.NoError(t, err)
	var withLayer []string
	for _, h := range fc.History {
		if !h.EmptyLayer {
			withLayer = append(withLayer, h.CreatedBy)
		}
	}
	require.Len(t, withLayer, len(layers), "one history entry per layer")
	require.Len(t, layers, 1)

	stockSize, _ := compressed(t, stockImg)
	fixedSize, _ := compressed(t, fixed)
	t.Logf("staticfix: stock %.1f MB, with BUILDKIT_OPT_FIX=static %.1f MB", mb(stockSize), mb(fixedSize))
	require.Less(t, fixedSize*20, stockSize, "the fixed image is far below stock's")

	runHello(t, fixRef)

	optBuild(t, dir, againRef, "--build-arg", "BUILDKIT_OPT_FIX=static")
	want, err := fixed.Digest()
	require.NoError(t, err)
	again, err := image(t, againRef, nil).Digest()
	require.NoError(t, err)
	require.Equal(t, want, again, "the same build gives the same image")
	t.Logf("staticfix: fixed image %s both times", want)

	t.Run("a file the program may read", func(t *testing.T) {
		tdir := copyDir(t, dir)
		require.NoError(t, os.MkdirAll(filepath.Join(tdir, "templates"), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(tdir, "templates", "index.html"), []byte("<p>hi</p>\n"), 0o644))
		out := optBuild(t, tdir, ref("e2e/staticfix:template"), "--build-arg", "BUILDKIT_OPT_FIX=static")
		require.Contains(t, out, "optfrontend static: left the image as it is: the stage copies templates/index.html from the context, which the program may read when it runs")
	})

	t.Run("dynamic", func(t *testing.T) {
		df := filepath.Join(dir, "Dockerfile.dynamic")
		plainRef, dynRef := ref("e2e/staticfix:dynamic-plain"), ref("e2e/staticfix:dynamic-fix")
		optBuild(t, dir, plainRef, "-f", df)
		out := optBuild(t, dir, dynRef, "-f", df, "--build-arg", "BUILDKIT_OPT_FIX=static")
		require.Contains(t, out, "optfrontend static: left the image as it is: /usr/local/bin/hello: dynamically linked: needs libc.so.6")
		require.Contains(t, out, "(line 7)")
		plain, err := image(t, plainRef, nil).Digest()
		require.NoError(t, err)
		dyn, err := image(t, dynRef, nil).Digest()
		require.NoError(t, err)
		require.Equal(t, plain, dyn, "a refused fix leaves the image as the build makes it")
	})
}

// withoutRoot drops "/" and "." entries, which a layer may or may not list.
func withoutRoot(files []string) []string {
	return slices.DeleteFunc(files, func(p string) bool { return p == "/" || p == "." })
}

// runHello runs the fixed image's program, with the image's own user,
// working directory and env, and checks what it prints: the image has no
// shell, so the busybox image's is mounted to compare the output.
func runHello(t *testing.T, image string) {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(
		"FROM app\nRUN --network=none --mount=type=bind,from=busybox,target=/bb [\"/bb/bin/sh\", \"-c\", \"test \\\"$(/usr/local/bin/hello)\\\" = hello && test \\\"$(/bb/bin/id -un)\\\" = nobody && test \\\"$(/bb/bin/pwd)\\\" = /src\"]\n"), 0o644))
	must(t, "", "buildctl", "build", "--frontend", "dockerfile.v0",
		"--local", "context="+dir, "--local", "dockerfile="+dir,
		"--opt", "context:app=docker-image://"+image)
}
