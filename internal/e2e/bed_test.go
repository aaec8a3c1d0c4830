package e2e

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/require"
)

// bed is the running test bed, read from the environment that
// internal/testbed/up writes.
var bed struct {
	host     string // BUILDKIT_HOST
	registry string // host:port of the loopback registry
	root     string // the repository root
}

// frontendImage is where TestMain pushes the frontend image built from this
// checkout; `# syntax=org/optfrontend` resolves to it through the mirror.
// OPTFRONTEND_E2E_IMAGE names another repository, so that a long run (the
// squash fuzzer) from one checkout and the tests of another do not push
// over each other's image; only tests that write syntaxLine follow it.
var frontendImage = cmp.Or(os.Getenv("OPTFRONTEND_E2E_IMAGE"), "org/optfrontend:latest")

// syntaxLine is the `# syntax=` line that selects frontendImage.
func syntaxLine() string {
	return "# syntax=" + strings.TrimSuffix(frontendImage, ":latest") + "\n"
}

func TestMain(m *testing.M) {
	if err := setup(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		if os.Getenv("CI") != "" {
			os.Exit(1)
		}
		fmt.Fprintln(os.Stderr, "e2e: not in CI, so the end-to-end tests are skipped; run internal/testbed/up and source its env file")
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func setup() error {
	bed.host = os.Getenv("BUILDKIT_HOST")
	bed.registry = os.Getenv("OPTFRONTEND_REGISTRY")
	if bed.host == "" || bed.registry == "" {
		return fmt.Errorf("BUILDKIT_HOST and OPTFRONTEND_REGISTRY are not set: the test bed is not up")
	}
	_, file, _, _ := runtime.Caller(0)
	bed.root = filepath.Join(filepath.Dir(file), "..", "..")
	if os.Getenv("OPTFRONTEND_E2E_INPROCESS") != "" {
		// Only in-process tests will run (the frontend built into this test
		// binary): no frontend image to build or push. A test through
		// buildx would use whatever image the registry holds.
		return nil
	}
	start := time.Now()
	out, err := run(context.Background(), "", "buildctl", "build",
		"--frontend", "dockerfile.v0",
		"--local", "context="+bed.root, "--local", "dockerfile="+bed.root,
		"--output", "type=image,name="+bed.registry+"/"+frontendImage+",push=true")
	if err != nil {
		return fmt.Errorf("building the frontend image: %w\n%s", err, tail(out, 40))
	}
	fmt.Fprintf(os.Stderr, "e2e: frontend image %s/%s built in %s\n", bed.registry, frontendImage, time.Since(start).Round(time.Second))
	return nil
}

// run runs a command of the test bed (buildctl, buildx) and returns its
// combined output.
func run(ctx context.Context, dir, cmd string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	c := exec.CommandContext(ctx, cmd, args...)
	c.Dir = dir
	var buf bytes.Buffer
	c.Stdout, c.Stderr = &buf, &buf
	err := c.Run()
	return buf.String(), err
}

// must runs a command that must succeed.
func must(t testing.TB, dir, cmd string, args ...string) string {
	t.Helper()
	out, err := run(t.Context(), dir, cmd, args...)
	require.NoError(t, err, "%s %s:\n%s", cmd, strings.Join(args, " "), tail(out, 60))
	return out
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// ref names an image in the loopback registry.
func ref(repo string) string { return bed.registry + "/" + repo }

// stockBuild builds dir with the daemon's own Dockerfile frontend. The
// cmdline option is what BuildKit sets when it has already forwarded to a
// frontend, so the stock frontend ignores the `# syntax=` line and builds the
// Dockerfile itself.
func stockBuild(t testing.TB, dir, image string, extra ...string) string {
	t.Helper()
	args := []string{"build", "--frontend", "dockerfile.v0", "--opt", "cmdline=stock",
		"--local", "context=" + dir, "--local", "dockerfile=" + dir,
		"--output", "type=image,name=" + image + ",push=true"}
	return must(t, "", "buildctl", append(args, extra...)...)
}

// optBuild builds dir with buildx, as a user does: the Dockerfile's
// `# syntax=org/optfrontend` line selects the frontend image.
func optBuild(t testing.TB, dir, image string, extra ...string) string {
	t.Helper()
	args := []string{"build", "--progress=plain", "--output", "type=image,name=" + image + ",push=true"}
	args = append(append(args, extra...), dir)
	return must(t, "", "buildx", args...)
}

// image reads one platform's image from the registry.
func image(t testing.TB, r string, platform *v1.Platform) v1.Image {
	t.Helper()
	parsed, err := name.ParseReference(r)
	require.NoError(t, err)
	opts := []remote.Option{remote.WithContext(t.Context())}
	if platform != nil {
		opts = append(opts, remote.WithPlatform(*platform))
	}
	img, err := remote.Image(parsed, opts...)
	require.NoError(t, err, "reading %s", r)
	return img
}

// index reads a multi-platform image (or one with attestations) from the
// registry.
func index(t testing.TB, r string) (v1.ImageIndex, *v1.IndexManifest) {
	t.Helper()
	parsed, err := name.ParseReference(r)
	require.NoError(t, err)
	idx, err := remote.Index(parsed, remote.WithContext(t.Context()))
	require.NoError(t, err)
	man, err := idx.IndexManifest()
	require.NoError(t, err)
	return idx, man
}

// comparableConfig is an image config with the build times taken out: two
// builds of the same graph differ only there.
func comparableConfig(t testing.TB, img v1.Image) *v1.ConfigFile {
	t.Helper()
	cfg, err := img.ConfigFile()
	require.NoError(t, err)
	cfg.Created = v1.Time{}
	for i := range cfg.History {
		cfg.History[i].Created = v1.Time{}
	}
	return cfg
}

// smoke runs an example's smoke.sh inside the built image: a stage FROM the
// image runs it with the image's own user, working directory and env.
// It has a network namespace of its own, so servers in parallel checks never
// share a port.
func smoke(t testing.TB, exampleDir, image string) {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(
		"FROM app\nRUN --network=none --mount=type=bind,from=smoke,target=/smoke sh /smoke/smoke.sh\n"), 0o644))
	must(t, "", "buildctl", "build", "--frontend", "dockerfile.v0",
		"--local", "context="+dir, "--local", "dockerfile="+dir, "--local", "smoke="+exampleDir,
		"--opt", "context:app=docker-image://"+image,
		"--opt", "context:smoke=local:smoke")
}
