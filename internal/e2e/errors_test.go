package e2e

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// cacheRef is a snapshot id in an error, which differs from build to build.
var cacheRef = regexp.MustCompile(`ref [a-z0-9]+::[a-z0-9]+`)

// finalError is the error line buildctl ends a failed build with, with its
// snapshot ids taken out.
func finalError(t *testing.T, out string) string {
	t.Helper()
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(lines[i], "error: ") {
			return cacheRef.ReplaceAllString(lines[i], "ref ID")
		}
	}
	t.Fatalf("no error line in:\n%s", tail(out, 20))
	return ""
}

// TestErrorsMatchBuiltin builds each failing Dockerfile with the daemon's
// built-in Dockerfile frontend (what a build without a syntax line uses)
// and with the optfrontend image, passes off and default, and requires the
// very error text the built-in frontend gives. A gateway frontend loses the
// wrapping of an error the daemon answered (a missing stage's base image
// read as an image name), so this is not true of a frontend image by itself.
func TestErrorsMatchBuiltin(t *testing.T) {
	gateway := []string{"--frontend", "gateway.v0", "--opt", "source=" + ref(frontendImage)}
	for _, tc := range failingBuilds {
		t.Run(tc.name, func(t *testing.T) {
			dir := contextDir(t, tc.files)
			build := func(extra ...string) string {
				args := append([]string{"build", "--local", "context=" + dir, "--local", "dockerfile=" + dir}, extra...)
				out, err := run(t.Context(), "", "buildctl", args...)
				require.Error(t, err, "the build did not fail:\n%s", tail(out, 20))
				return finalError(t, out)
			}
			stock := build("--frontend", "dockerfile.v0", "--opt", "cmdline=stock")
			require.Equal(t, stock, build(append(gateway, "--opt", "build-arg:BUILDKIT_OPT=off")...), "passes off")
			require.Equal(t, stock, build(gateway...), "default passes")
		})
	}
}
