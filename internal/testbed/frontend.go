// Package testbed holds what Go tests share about the test bed that
// internal/testbed/up starts; the bed itself is the scripts beside this
// file.
package testbed

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// FrontendImage builds the frontend image of the checkout at root and
// pushes it to registry under a tag of this run's own, so that a
// comparison measures this code and no other test's push can change the
// image under it. It returns the image's reference.
func FrontendImage(t testing.TB, root, registry string) string {
	t.Helper()
	root, err := filepath.Abs(root)
	require.NoError(t, err)
	ref := fmt.Sprintf("%s/optctl/frontend-test:%d", registry, time.Now().UnixNano())
	out, err := exec.CommandContext(t.Context(), "buildctl", "build", "--frontend", "dockerfile.v0",
		"--local", "context="+root, "--local", "dockerfile="+root,
		"--output", "type=image,name="+ref+",push=true").CombinedOutput()
	require.NoError(t, err, "building the frontend image:\n%s", out)
	return ref
}
