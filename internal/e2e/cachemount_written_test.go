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

// TestCacheMountsAreWritten shows, for each package-manager family an
// example exercises, that the cache mount the report names is really the
// directory the tool writes: after one optimized build in a cache namespace
// of this run's own, a probe build mounts the same cache by its id and
// counts what is in it. A mount at a directory the tool never uses would be
// empty, and a cache mount that saves nothing is only a cost.
func TestCacheMountsAreWritten(t *testing.T) {
	for _, tc := range []struct {
		example string
		tools   []string // the report's names for the families
	}{
		{"javaapp", []string{"maven"}},
		{"pnpmapp", []string{"pnpm"}},
		{"poetryapp", []string{"poetry"}},
		{"uvapp", []string{"uv"}},
		{"yarnapp", []string{"yarn"}},
		{"rustapp", []string{"cargo-registry"}},
		{"goserver", []string{"go-mod", "go-build"}},
		{"express", []string{"npm"}},
	} {
		t.Run(tc.example, func(t *testing.T) {
			dir := filepath.Join(bed.root, "examples", tc.example)
			if _, err := os.Stat(dir); err != nil {
				t.Fatalf("example %s: %v", tc.example, err)
			}
			ns := fmt.Sprintf("e2e-written-%d", time.Now().UnixNano())
			// --no-cache runs every step, and on this BuildKit starts every
			// cache mount empty (TestNoCacheEmptiesCacheMounts): what the
			// probe finds is what this one build wrote. A cache id is not
			// part of a step's cache key, so the namespace alone would not
			// run anything again.
			out := optBuild(t, dir, ref("e2e/"+tc.example+":written"), "--no-cache", "--build-arg=BUILDKIT_CACHE_MOUNT_NS="+ns)

			dirs := map[string]string{}
			for _, m := range mountReport.FindAllStringSubmatch(out, -1) {
				dirs[m[1]] = m[2]
			}
			for _, tool := range tc.tools {
				require.NotEmpty(t, dirs[tool], "the report names no cache mount for %s:\n%s", tool, tail(out, 30))
				files, kb := probeCache(t, ns, "optfrontend/"+tool+dirs[tool])
				t.Logf("%s: %s cache at %s holds %d files, %d kB after one build", tc.example, tool, dirs[tool], files, kb)
				require.Positive(t, files, "the %s cache mount at %s is empty after the build: the tool does not write there", tool, dirs[tool])
			}
		})
	}
}

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
// benchmark's "cold" column and the test above rely on: a build with
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
