package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// probeCount matches the line the cache probe below prints.
var probeCount = regexp.MustCompile(`(?m)^#\d+ [0-9.]+ cache-probe files=(\d+) kbytes=(\d+)$`)

// probeCache mounts the cache id of namespace ns in a build of its own and
// counts the files in it and their size in kB. The stock frontend names a
// cache mount's id ns + "/" + id, as the pass does.
func probeCache(t *testing.T, ns, id string) (files, kb int) {
	t.Helper()
	probe := t.TempDir()
	// A step of its own (the time in its command), not --no-cache, which
	// would give it an empty mount.
	require.NoError(t, os.WriteFile(filepath.Join(probe, "Dockerfile"), []byte(fmt.Sprintf(
		"FROM busybox\nRUN --mount=type=cache,id=%s,target=/c,sharing=shared "+
			"echo \"cache-probe files=$(find /c -type f | wc -l) kbytes=$(du -sk /c | cut -f1)\" # %d\n", id, time.Now().UnixNano())), 0o644))
	pout := must(t, "", "buildctl", "build", "--frontend", "dockerfile.v0", "--progress=plain",
		"--opt", "build-arg:BUILDKIT_CACHE_MOUNT_NS="+ns, "--local", "context="+probe, "--local", "dockerfile="+probe)
	m := probeCount.FindStringSubmatch(pout)
	require.NotNil(t, m, "the probe printed no count:\n%s", tail(pout, 20))
	files, _ = strconv.Atoi(m[1])
	kb, _ = strconv.Atoi(m[2])
	return files, kb
}

// TestNoCacheEmptiesCacheMounts records a fact of this BuildKit that the
// benchmark's "cold" column and TestExamplesOptimized's cache probe rely on: a build with
// --no-cache gets an empty cache mount, not the one earlier builds wrote,
// while a build without it sees what the last one left. (A cache id is not
// part of a step's cache key: each step names its id in a comment too, so
// that an earlier run's step is not a cache hit.)
func TestNoCacheEmptiesCacheMounts(t *testing.T) {
	id := fmt.Sprintf("e2e-nocache-%d", time.Now().UnixNano())
	step := func(file string, extra ...string) string {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(fmt.Sprintf(
			"FROM busybox\nRUN --mount=type=cache,id=%s,target=/c touch /c/%s && echo \"cache-holds $(ls /c | tr '\\n' ' ')end\" # %[1]s\n", id, file)), 0o644))
		out := must(t, "", "buildctl", append([]string{"build", "--frontend", "dockerfile.v0", "--progress=plain",
			"--local", "context=" + dir, "--local", "dockerfile=" + dir}, extra...)...)
		m := regexp.MustCompile(`(?m)^#\d+ [0-9.]+ cache-holds (.*)end$`).FindStringSubmatch(out)
		require.NotNil(t, m, tail(out, 10))
		return m[1]
	}
	require.Equal(t, "a ", step("a"))
	require.Equal(t, "a b ", step("b"), "a build without --no-cache sees what the last one wrote")
	require.Equal(t, "c ", step("c", "--no-cache"), "a --no-cache build starts with an empty cache mount")
}
