package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// goGets matches the module downloads `go mod download -x` prints.
var goGets = regexp.MustCompile(`(?m)# get https?://[^/\s]+/(\S+?)/@v/[^/\s]+\.zip$`)

// TestDependencyChangeDownloadsOnlyTheNewModule adds one module to the
// goserver example after a first build and reads the go command's own log
// of what it downloads: stock downloads every module again, the optimized
// build only the new one, from its cache mount.
func TestDependencyChangeDownloadsOnlyTheNewModule(t *testing.T) {
	dir := copyDir(t, filepath.Join(bed.root, "examples", "goserver"))
	// A go.mod of this run's own (a comment): without it both builds of an
	// earlier run's same manifests would be plain cache hits, since the
	// install reads only go.mod and go.sum.
	mod, err := os.OpenFile(filepath.Join(dir, "go.mod"), os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = fmt.Fprintf(mod, "\n// e2e run %d\n", time.Now().UnixNano())
	require.NoError(t, err)
	require.NoError(t, mod.Close())
	df := filepath.Join(dir, "Dockerfile")
	dt, err := os.ReadFile(df)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(df, []byte(strings.Replace(string(dt), "RUN go mod download", "RUN go mod download -x", 1)), 0o644))

	// A cache namespace of this run's own: the builder's caches may hold
	// the new module from an earlier run.
	ns := fmt.Sprintf("--build-arg=BUILDKIT_CACHE_MOUNT_NS=e2e-%d", time.Now().UnixNano())
	stockRef, optRef := ref("e2e/godeps:stock"), ref("e2e/godeps:optimized")
	stockBuild(t, dir, stockRef)
	optBuild(t, dir, optRef, ns)

	must(t, dir, "go", "get", "github.com/google/uuid@v1.6.0")
	stockOut := stockBuild(t, dir, stockRef)
	optOut := optBuild(t, dir, optRef, ns)

	downloads := func(out string) []string {
		var mods []string
		for _, m := range goGets.FindAllStringSubmatch(out, -1) {
			mods = append(mods, m[1])
		}
		return mods
	}
	stock, opt := downloads(stockOut), downloads(optOut)
	t.Logf("stock downloaded %d modules, optimized %d: %v", len(stock), len(opt), opt)
	require.Contains(t, stock, "github.com/google/uuid")
	require.Greater(t, len(stock), 1, "stock downloads every module again")
	require.Equal(t, []string{"github.com/google/uuid"}, opt, "the optimized build downloads only the new module")
}
