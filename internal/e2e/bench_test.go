package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

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
	for _, tc := range []struct{ example, file, comment string }{
		{"goserver", "main.go", "//"},
		{"express", "server.js", "//"},
		{"flask", "app.py", "#"},
		{"pyext", "app.py", "#"},
	} {
		b.Run(tc.example, func(b *testing.B) {
			dir := copyDir(b, filepath.Join(bed.root, "examples", tc.example))
			touch := func(i int) {
				f, err := os.OpenFile(filepath.Join(dir, tc.file), os.O_APPEND|os.O_WRONLY, 0)
				require.NoError(b, err)
				_, err = fmt.Fprintf(f, "\n%s rebuild %d at %d\n", tc.comment, i, time.Now().UnixNano())
				require.NoError(b, err)
				require.NoError(b, f.Close())
			}
			stock := func() { mustSolve(b, dir, "--opt", "cmdline=stock") }
			opt := func() { mustSolve(b, dir) }
			// Warm both: base images pulled, optfrontend's caches filled.
			stock()
			opt()
			var st, ot []time.Duration
			b.ResetTimer()
			for i := range b.N {
				touch(i)
				st = append(st, timed(stock))
				ot = append(ot, timed(opt))
			}
			ms, mo := median(st), median(ot)
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(ms.Seconds(), "stock-s")
			b.ReportMetric(mo.Seconds(), "optimized-s")
			b.ReportMetric(mo.Seconds()/ms.Seconds(), "ratio")
		})
	}
}

// mustSolve builds a context with buildctl, without exporting. With no
// cmdline option the Dockerfile's syntax line selects optfrontend.
func mustSolve(b *testing.B, dir string, extra ...string) {
	b.Helper()
	args := []string{"build", "--frontend", "dockerfile.v0", "--local", "context=" + dir, "--local", "dockerfile=" + dir}
	must(b, "", "buildctl", append(args, extra...)...)
}

func timed(fn func()) time.Duration {
	start := time.Now()
	fn()
	return time.Since(start)
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

// copyDir copies an example into a temporary directory the benchmark may
// change.
func copyDir(b *testing.B, src string) string {
	b.Helper()
	dst := b.TempDir()
	require.NoError(b, os.CopyFS(dst, os.DirFS(src)))
	return dst
}
