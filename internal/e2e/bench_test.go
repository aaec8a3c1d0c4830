package e2e

import (
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/org/optfrontend/compare"
	"github.com/stretchr/testify/require"
)

// BenchmarkRebuildAfterSourceChange measures the seeds' everyday case: one
// line of source changes and the image is rebuilt. Each iteration changes a
// line, then builds with the stock frontend and with optfrontend's default
// passes, one right after the other on the same builder, so both see the
// same machine load. It reports the median wall time of each and their
// ratio; run it with -benchtime=5x or more, since the machine is noisy:
//
//	go test -run '^$' -bench RebuildAfterSourceChange -benchtime 5x ./internal/e2e
func BenchmarkRebuildAfterSourceChange(b *testing.B) {
	examples, err := compare.Examples(filepath.Join(bed.root, "examples"))
	require.NoError(b, err)
	for _, ex := range examples {
		if ex.Touch == "" {
			continue
		}
		b.Run(ex.Name, func(b *testing.B) {
			dir := copyDir(b, filepath.Join(bed.root, "examples", ex.Name))
			head, err := os.ReadFile(filepath.Join(dir, ex.Touch))
			require.NoError(b, err)
			comment, ok := compare.CommentFor(ex.Touch, head)
			require.True(b, ok, "no comment syntax known for %s", ex.Touch)
			touch := func(i int) {
				f, err := os.OpenFile(filepath.Join(dir, ex.Touch), os.O_APPEND|os.O_WRONLY, 0)
				require.NoError(b, err)
				_, err = fmt.Fprintf(f, "\n%s rebuild %d at %d\n", comment, i, time.Now().UnixNano())
				require.NoError(b, err)
				require.NoError(b, f.Close())
			}
			i := 0
			rebuildRounds(b, dir, ex.Name, func() { touch(i); i++ })
		})
	}
}

// BenchmarkRebuildNoChange builds every example again with nothing
// changed: every step is a cache hit, so the difference is what the
// frontend itself costs. Three builds per round, one right after the
// other: the stock frontend built into BuildKit, the same stock frontend
// as a gateway image built from the pinned module (what `# syntax=
// docker/dockerfile:1` gives: an image pulled and started, the cost any
// syntax line has), and optfrontend. It reports the three medians and
// optfrontend's extra time over the stock gateway, pair by pair.
//
//	go test -run '^$' -bench RebuildNoChange -benchtime 9x ./internal/e2e
func BenchmarkRebuildNoChange(b *testing.B) {
	gw := stockGateway(b)
	for _, dir := range exampleDirs(b) {
		name := filepath.Base(dir)
		b.Run(name, func(b *testing.B) {
			builtin := func() { mustSolve(b, dir, ref("bench/"+name+"-same:stock"), "--opt", "cmdline=stock") }
			// The same Dockerfile with its syntax line naming the stock
			// gateway image: both then go the way a syntax line takes.
			gwDir := copyDir(b, dir)
			df, err := os.ReadFile(filepath.Join(gwDir, "Dockerfile"))
			require.NoError(b, err)
			first, rest, _ := strings.Cut(string(df), "\n")
			require.True(b, strings.HasPrefix(first, "# syntax="), "%s: no syntax line", name)
			require.NoError(b, os.WriteFile(filepath.Join(gwDir, "Dockerfile"), []byte("# syntax="+gw+"\n"+rest), 0o644))
			gateway := func() { mustSolve(b, gwDir, ref("bench/"+name+"-same:gateway")) }
			opt := func() { mustSolve(b, dir, ref("bench/"+name+"-same:optimized")) }
			builtin()
			gateway()
			opt()
			var bt, gt, ot, extra []time.Duration
			b.ResetTimer()
			for range b.N {
				bt = append(bt, timed(builtin))
				g, o := timed(gateway), timed(opt)
				gt, ot, extra = append(gt, g), append(ot, o), append(extra, o-g)
			}
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(median(bt).Seconds(), "builtin-s")
			b.ReportMetric(median(gt).Seconds(), "gateway-s")
			b.ReportMetric(median(ot).Seconds(), "optimized-s")
			b.ReportMetric(float64(median(extra).Milliseconds()), "extra-over-gateway-ms")
		})
	}
}

// stockGateway builds BuildKit's own Dockerfile frontend from the pinned
// module as a gateway image, as the conformance runner does, pushes it to
// the test bed's registry and returns its reference.
func stockGateway(b *testing.B) string {
	b.Helper()
	img := ref("bench/stock-dockerfile-frontend:pinned")
	must(b, "", "buildctl", "build", "--frontend", "dockerfile.v0",
		"--local", "context="+bed.root, "--local", "dockerfile="+filepath.Join(bed.root, "internal", "conformance"),
		"--opt", "filename=frontend.Dockerfile",
		"--opt", "build-arg:PKG=github.com/moby/buildkit/frontend/dockerfile/cmd/dockerfile-frontend",
		"--output", "type=image,name="+img+",push=true")
	return img
}

// rebuildRounds builds dir with the stock frontend and with optfrontend once
// each to warm them (base images pulled, optfrontend's caches filled), then
// b.N times: change, a stock build, an optimized build right after it. Each
// build pushes its image to the test bed's registry, as a user's rebuild
// does, so that the time includes making the layers. It reports the medians
// and their ratio.
func rebuildRounds(b *testing.B, dir, name string, change func()) {
	b.Helper()
	stock := func() { mustSolve(b, dir, ref("bench/"+name+":stock"), "--opt", "cmdline=stock") }
	opt := func() { mustSolve(b, dir, ref("bench/"+name+":optimized")) }
	stock()
	opt()
	var st, ot []time.Duration
	b.ResetTimer()
	for range b.N {
		change()
		st = append(st, timed(stock))
		ot = append(ot, timed(opt))
	}
	reportRatio(b, st, ot)
}

// mustSolve builds a context with buildctl and pushes the image. With no
// cmdline option the Dockerfile's syntax line selects optfrontend.
func mustSolve(b *testing.B, dir, image string, extra ...string) {
	b.Helper()
	args := []string{"build", "--frontend", "dockerfile.v0", "--local", "context=" + dir, "--local", "dockerfile=" + dir,
		"--output", "type=image,name=" + image + ",push=true"}
	must(b, "", "buildctl", append(args, extra...)...)
}

func timed(fn func()) time.Duration {
	start := time.Now()
	fn()
	return time.Since(start)
}

// median is the middle value of a series (the upper one of an even
// count): times, or the byte counts BenchmarkFrontendScale measures.
func median[T cmp.Ordered](ds []T) T {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// copyDir copies an example into a temporary directory the benchmark may
// change.
func copyDir(b testing.TB, src string) string {
	b.Helper()
	dst := b.TempDir()
	require.NoError(b, os.CopyFS(dst, os.DirFS(src)))
	return dst
}

// BenchmarkRebuildAfterDependencyChange adds one new dependency per
// iteration (a different one each time), then builds with the stock frontend and with the default passes, one
// right after the other. With the cache mounts, the optimized build fetches
// only the new package and reuses every compiled one.
//
//	go test -run '^$' -bench RebuildAfterDependencyChange -benchtime 3x ./internal/e2e
func BenchmarkRebuildAfterDependencyChange(b *testing.B) {
	for _, tc := range []struct {
		example string
		add     func(b *testing.B, dir, dep string)
		deps    []string
	}{
		{"goserver", goGet, []string{"github.com/google/uuid@v1.6.0", "github.com/pkg/errors@v0.9.1", "github.com/davecgh/go-spew@v1.1.1", "gopkg.in/yaml.v3@v3.0.1", "github.com/pmezard/go-difflib@v1.0.0"}},
		{"express", npmAdd, []string{"is-number@7.0.0", "kleur@4.1.5", "picocolors@1.1.1", "nanoid@3.3.11", "camelcase@6.3.0"}},
	} {
		// The framework may call the function more than once (b.N = 1
		// first): every call takes dependencies no earlier call added.
		next := 0
		b.Run(tc.example, func(b *testing.B) {
			require.LessOrEqual(b, next+b.N, len(tc.deps), "not enough distinct dependencies for -benchtime")
			dir := copyDir(b, filepath.Join(bed.root, "examples", tc.example))
			rebuildRounds(b, dir, tc.example+"-dep", func() {
				tc.add(b, dir, tc.deps[next])
				next++
				// The same dependency list recurs in every run of the
				// benchmark; a unique file keeps the context from being one
				// the builder has already built (which would make both
				// builds plain cache hits). These Dockerfiles copy the whole
				// context before the install, so a dependency change
				// invalidates the same steps either way.
				require.NoError(b, os.WriteFile(filepath.Join(dir, ".rebuild"), fmt.Appendf(nil, "%d\n", time.Now().UnixNano()), 0o644))
			})
		})
	}
}

// goGet adds a module requirement with the machine's go command.
func goGet(b *testing.B, dir, dep string) {
	b.Helper()
	must(b, dir, "go", "get", dep)
}

// npmAdd adds a dependency to package.json and the lock file, without
// installing it here.
func npmAdd(b *testing.B, dir, dep string) {
	b.Helper()
	must(b, dir, "npm", "install", "--package-lock-only", "--no-audit", "--no-fund", dep)
}

// reportRatio reports the medians of the two series and their ratio.
func reportRatio(b *testing.B, stock, opt []time.Duration) {
	ms, mo := median(stock), median(opt)
	b.ReportMetric(0, "ns/op")
	b.ReportMetric(ms.Seconds(), "stock-s")
	b.ReportMetric(mo.Seconds(), "optimized-s")
	b.ReportMetric(mo.Seconds()/ms.Seconds(), "ratio")
}
