package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// BenchmarkSquashScale measures what squashing a run that deletes files
// costs on a small base image and on a large one (issue 22: the cost must
// follow what the run changed, not the image). Each base is busybox with a
// /data of files of zeros (50 MB in 1,000 files; 1 GB in 20,000 files),
// built once by the stock frontend and pushed. On each, the same two steps
// (write 20 MB in /work, then remove /work) are built with --no-cache by
// the stock frontend and by optfrontend (which squashes them into one
// layer), interleaved, b.N rounds, each image pushed. It reports the
// medians per base and what optfrontend adds over stock on each.
//
//	go test -run '^$' -bench SquashScale -benchtime 5x ./internal/e2e
func BenchmarkSquashScale(b *testing.B) {
	for _, base := range []struct {
		name       string
		files, kib int
	}{
		{"50MB", 1000, 50},
		{"1GB", 20000, 50},
	} {
		b.Run(base.name, func(b *testing.B) {
			baseRef := dataBase(b, "bench/squash-scale-base:"+base.name, base.files, base.kib)

			dir := b.TempDir()
			require.NoError(b, os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(
				"# syntax=org/optfrontend\nFROM "+baseRef+"\n"+
					"RUN mkdir /work && head -c 20971520 /dev/urandom > /work/blob\n"+
					"RUN rm -rf /work\n"), 0o644))
			stock := func() {
				mustSolve(b, dir, ref("bench/squash-scale:"+base.name+"-stock"), "--opt", "cmdline=stock", "--no-cache")
			}
			optRef := ref("bench/squash-scale:" + base.name + "-optimized")
			opt := func() { mustSolve(b, dir, optRef, "--no-cache") }
			stock()
			// buildx prints the report: the two steps must be squashed for
			// this benchmark to mean anything.
			out := optBuild(b, dir, optRef, "--no-cache")
			require.Contains(b, out, "optfrontend squash:")
			opt()
			var st, ot, extra []time.Duration
			b.ResetTimer()
			for range b.N {
				s := timed(stock)
				o := timed(opt)
				st, ot, extra = append(st, s), append(ot, o), append(extra, o-s)
			}
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(median(st).Seconds(), "stock-s")
			b.ReportMetric(median(ot).Seconds(), "optimized-s")
			b.ReportMetric(median(extra).Seconds(), "extra-s")
		})
	}
}

// dataBase builds busybox with a /data of files of zeros (files files of
// kib KiB each) with the stock frontend, pushes it to the test bed's
// registry as repo and returns its reference: the large base images the
// scale benchmarks build on. The same arguments make the same graph, so a
// second call is a cache hit and pushes nothing new.
func dataBase(b *testing.B, repo string, files, kib int) string {
	b.Helper()
	baseRef := ref(repo)
	dir := b.TempDir()
	require.NoError(b, os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(fmt.Sprintf(
		"FROM busybox\nRUN mkdir /data && i=0 && while [ $i -lt %d ]; do head -c %d /dev/zero > /data/f$i; i=$((i+1)); done\n",
		files, kib*1024)), 0o644))
	mustSolve(b, dir, baseRef, "--opt", "cmdline=stock")
	return baseRef
}
