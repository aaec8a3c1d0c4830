package e2e

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	bkfrontend "github.com/moby/buildkit/frontend"
	"github.com/moby/buildkit/frontend/dockerfile/builder"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	digest "github.com/opencontainers/go-digest"
	"github.com/stretchr/testify/require"

	"github.com/org/optfrontend/frontend"
)

// BenchmarkFrontendScale measures how the frontend's own cost grows with
// the size of what it builds (issue 22: a 1 GB base image, a 100-step
// Dockerfile, a 50,000-file context, a 500-line requirements file). Each of
// the four dimensions is built at a tenth of that size and at the full
// size, the others kept small, so that a part of the frontend whose cost
// grows faster than stock's shows in the dimension that feeds it.
//
// Both frontends run in this process, as in BenchmarkFrontendProfile:
// one build on the test bed's daemon, a round that builds every step, then
// b.N rounds in which every step is a cache hit, so that the time is the
// frontend's (and the daemon's answers to it), not the steps'. Unlike
// there, optfrontend is told its own image, as BuildKit tells the image it
// starts (scaleClient): without it the squash pass changes nothing in
// process, and the base image's dimension is there for squash. Per
// frontend call it takes the wall time and the peak of the Go heap above
// what the heap held before the call (see measureCall); the tables give
// the medians over the b.N rounds. Not a pass/fail test:
//
//	go test -run '^$' -bench FrontendScale -benchtime 3x -timeout 40m ./internal/e2e
func BenchmarkFrontendScale(b *testing.B) {
	root := b.TempDir()
	cases := frontendScaleCases()
	rows := map[string]scaleRow{}
	for _, c := range cases {
		c.dir = filepath.Join(root, c.dim+"-"+c.name)
		b.Run(c.dim+"/"+c.name, func(b *testing.B) {
			// The framework runs this function with b.N = 1, then with
			// b.N = -benchtime: the context (and a base image) is made once.
			if !c.ready {
				require.NoError(b, os.MkdirAll(c.dir, 0o755))
				c.write(b, c.dir)
				c.ready = true
			}
			row := measureScaleCase(b, c)
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(row.stock.ms, "stock-ms")
			b.ReportMetric(row.opt.ms, "optimized-ms")
			b.ReportMetric(row.opt.ms/row.stock.ms, "ratio")
			b.ReportMetric(row.stock.peakMB, "stock-peak-MB")
			b.ReportMetric(row.opt.peakMB, "optimized-peak-MB")
			rows[c.dim+"/"+c.name] = row
		})
	}
	if len(rows) > 0 {
		printScaleTables(cases, rows)
	}
}

// scaleCase is one size of one dimension: a build context that write
// generates in dir.
type scaleCase struct {
	dim  string // "base", "steps", "context", "requirements"
	name string // the size, for the sub-benchmark's name: "1GB"
	size string // the size, for the table: "1 GB"
	full bool   // the full size issue 22 names, not the tenth
	// write makes the build context (and pushes a base image it needs).
	write func(b *testing.B, dir string)
	// check reads optfrontend's warnings of the round that built the
	// steps: they show that the case exercises the part of the frontend
	// it is there for. nil checks nothing more than every case does.
	check func(b *testing.B, warnings []string)
	dir   string
	ready bool
}

// frontendScaleCases are the four dimensions at a tenth and at the full
// size, in the order of the tables.
func frontendScaleCases() []*scaleCase {
	return []*scaleCase{
		baseCase("100MB", "100 MB", 2000, false),
		baseCase("1GB", "1 GB", 20000, true),
		stepsCase(10, false),
		stepsCase(100, true),
		contextCase(5000, false),
		contextCase(50000, true),
		requirementsCase(50, false),
		requirementsCase(500, true),
	}
}

// baseCase builds on busybox with files files of 50 KiB under /data,
// built and pushed with the stock frontend (dataBase), a run that writes
// 20 MB and one that removes them, and a copy of a small file. The stock
// frontend only resolves the base's config, whatever its size; of
// optfrontend's passes, squash is the one whose steps work on the image's
// layers, so the in-process optfrontend is given its own image as the
// gateway's source option (scaleClient) and squashes the two runs as the
// frontend image does, instead of saying it cannot.
func baseCase(name, size string, files int, full bool) *scaleCase {
	return &scaleCase{dim: "base", name: name, size: size, full: full,
		write: func(b *testing.B, dir string) {
			base := dataBase(b, "bench/frontend-scale-base:"+name, files, 50)
			writeFile(b, dir, "small.txt", "a small file\n")
			writeFile(b, dir, "Dockerfile", "FROM "+base+"\n"+
				"RUN mkdir /work && head -c 20971520 /dev/urandom > /work/blob\n"+
				"RUN rm -rf /work\n"+
				"COPY small.txt /small.txt\n")
		},
		check: func(b *testing.B, warnings []string) {
			requireWarning(b, warnings, "optfrontend squash: exported ")
		},
	}
}

// stepsCase is a Dockerfile of n steps after its FROM, in turn a WORKDIR,
// a RUN that writes a file, an ENV and a COPY of a small file: every kind
// of step the stock builder converts and the passes walk.
func stepsCase(n int, full bool) *scaleCase {
	return &scaleCase{dim: "steps", name: fmt.Sprint(n), size: fmt.Sprintf("%d steps", n), full: full,
		write: func(b *testing.B, dir string) {
			var df strings.Builder
			df.WriteString("FROM busybox\n")
			for i := range n {
				switch i % 4 {
				case 0:
					fmt.Fprintf(&df, "WORKDIR /w/d%03d\n", i)
				case 1:
					fmt.Fprintf(&df, "RUN echo step %d > r%03d.txt\n", i, i)
				case 2:
					fmt.Fprintf(&df, "ENV STEP_%03d=value-%d\n", i, i)
				case 3:
					name := fmt.Sprintf("c%03d.txt", i)
					writeFile(b, dir, name, fmt.Sprintf("copied by step %d\n", i))
					fmt.Fprintf(&df, "COPY %s ./\n", name)
				}
			}
			writeFile(b, dir, "Dockerfile", df.String())
		},
	}
}

// contextCase is a context of n small files, 100 to a directory, copied
// whole, then a RUN: what grows is what the daemon sends and hashes, and
// what a pass or a check that lists or reads the context sees.
func contextCase(n int, full bool) *scaleCase {
	return &scaleCase{dim: "context", name: fmt.Sprint(n), size: fmt.Sprintf("%d files", n), full: full,
		write: func(b *testing.B, dir string) {
			for i := range n {
				sub := filepath.Join(dir, "src", fmt.Sprintf("d%03d", i/100))
				if i%100 == 0 {
					require.NoError(b, os.MkdirAll(sub, 0o755))
				}
				writeFile(b, sub, fmt.Sprintf("f%05d.txt", i), fmt.Sprintf("file %d\n", i))
			}
			// The RUN lists only the top of /app: one that walks it (find)
			// makes contextfilter send the caches and .git it would
			// otherwise leave out, which a typical build does not.
			writeFile(b, dir, "Dockerfile", "FROM busybox\nCOPY . /app\nRUN ls /app > /app-top\n")
		},
	}
}

// requirementsCase installs a requirements file of n lines with pip on the
// python stand-in. Real packages would make the round that builds the
// steps take minutes and depend on PyPI, so each line names a tiny wheel
// of its own (tinyWheel), all of them in the context's wheels/ directory,
// copied to /wheels before the source and found there through pip's
// environment (PIP_NO_INDEX, PIP_FIND_LINKS): the install itself is the
// plain `pip install -r requirements.txt` after `COPY . .` that
// manifestfirst is for.
//
// The code path it exercises in manifestfirst (llbopt/manifestfirst.go,
// llbopt/manifest/): wholeSourceCopy finds the COPY . .; manifest.Recognize
// takes the RUN for a pip install whose manifest is requirements.txt;
// envReads passes PIP_FIND_LINKS=/wheels, which lies outside /app where
// the source lands; plan lists the context's top, reads requirements.txt
// from the context and has manifest.Requirements read each of its n lines
// (every one a requirement by name, nameSpec); copyHolds reads it back
// from a copy of it alone; and rewrite runs the install on that copy. The
// check requires the rewrite's finding at the RUN's line.
func requirementsCase(n int, full bool) *scaleCase {
	runLine := 0 // the install's line in the Dockerfile
	return &scaleCase{dim: "requirements", name: fmt.Sprint(n), size: fmt.Sprintf("%d lines", n), full: full,
		write: func(b *testing.B, dir string) {
			wheels := filepath.Join(dir, "wheels")
			require.NoError(b, os.MkdirAll(wheels, 0o755))
			var req strings.Builder
			for i := range n {
				name := fmt.Sprintf("benchpkg%04d", i)
				writeFile(b, wheels, name+"-1.0-py3-none-any.whl", string(tinyWheel(b, name, "1.0")))
				fmt.Fprintf(&req, "%s==1.0\n", name)
			}
			writeFile(b, dir, "requirements.txt", req.String())
			df := "FROM python:3.12-slim\n" +
				"ENV PIP_NO_INDEX=1 PIP_FIND_LINKS=/wheels PIP_DISABLE_PIP_VERSION_CHECK=1\n" +
				"COPY wheels /wheels\n" +
				"WORKDIR /app\n" +
				"COPY . .\n" +
				"RUN pip install -r requirements.txt\n"
			runLine = 1 + slices.IndexFunc(strings.Split(df, "\n"), func(l string) bool { return strings.HasPrefix(l, "RUN pip install") })
			writeFile(b, dir, "Dockerfile", df)
		},
		check: func(b *testing.B, warnings []string) {
			requireWarning(b, warnings, "optfrontend manifestfirst: installs from requirements.txt alone", fmt.Sprintf("(line %d)", runLine))
		},
	}
}

// tinyWheel is a pure-Python wheel of an empty package: the least pip
// installs as a distribution (METADATA, WHEEL, RECORD with the files'
// hashes). Its entries' times are fixed, so the context is the same every
// run and the daemon's cache holds across runs.
func tinyWheel(b *testing.B, name, version string) []byte {
	b.Helper()
	info := name + "-" + version + ".dist-info/"
	files := []struct{ path, body string }{
		{name + "/__init__.py", ""},
		{info + "METADATA", "Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\n"},
		{info + "WHEEL", "Wheel-Version: 1.0\nGenerator: optfrontend-bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n"},
	}
	var record strings.Builder
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(p, body string) {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: p, Method: zip.Deflate, Modified: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
		require.NoError(b, err)
		_, err = w.Write([]byte(body))
		require.NoError(b, err)
	}
	for _, f := range files {
		sum := sha256.Sum256([]byte(f.body))
		fmt.Fprintf(&record, "%s,sha256=%s,%d\n", f.path, base64.RawURLEncoding.EncodeToString(sum[:]), len(f.body))
		add(f.path, f.body)
	}
	record.WriteString(info + "RECORD,,\n")
	add(info+"RECORD", record.String())
	require.NoError(b, zw.Close())
	return buf.Bytes()
}

func writeFile(b *testing.B, dir, name, body string) {
	b.Helper()
	require.NoError(b, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
}

// requireWarning requires a warning that contains every one of parts.
func requireWarning(b *testing.B, warnings []string, parts ...string) {
	b.Helper()
	require.True(b, slices.ContainsFunc(warnings, func(w string) bool {
		return !slices.ContainsFunc(parts, func(p string) bool { return !strings.Contains(w, p) })
	}), "no warning with %q; optfrontend's warnings:\n%s", parts, strings.Join(warnings, "\n"))
}

// scaleRow is what one case measured of each frontend.
type scaleRow struct{ stock, opt scaleResult }

// scaleResult is one frontend's medians over the measured rounds, in
// milliseconds and megabytes (10^6), and its calls to the daemon per build
// (callTimes.summary).
type scaleResult struct {
	ms, peakMB, allocMB float64
	calls               string
}

// measureScaleCase runs profileRounds on the case's context and returns
// each frontend's medians. The warm round's warnings of optfrontend must
// show no fallback to stock's graph (which would measure stock twice) and
// pass the case's own check.
func measureScaleCase(b *testing.B, c *scaleCase) scaleRow {
	b.Helper()
	type series struct {
		times        callTimes
		ds           []time.Duration
		peaks, alloc []uint64
	}
	frontends := []struct {
		build  gwclient.BuildFunc
		source string
	}{
		{builder.Build, ""},
		{frontend.Build, strings.TrimSuffix(frontendImage, ":latest")},
	}
	var all [2]series
	var warnings []string
	profileRounds(b, c.dir, b.N, func(ctx context.Context, gc gwclient.Client, warm bool) {
		for i, fe := range frontends {
			sc := &scaleClient{Client: gc, source: fe.source}
			tc := &timedClient{Client: sc, times: &all[i].times, skip: warm}
			var err error
			d, peak, alloc := measureCall(func() { _, err = fe.build(ctx, tc) })
			require.NoError(b, err, "%s/%s", c.dim, c.name)
			if warm {
				if fe.source != "" {
					warnings = sc.kept()
				}
				continue
			}
			s := &all[i]
			s.ds, s.peaks, s.alloc = append(s.ds, d), append(s.peaks, peak), append(s.alloc, alloc)
		}
	})
	for _, w := range warnings {
		require.False(b, strings.Contains(w, "this build is the stock one") || strings.Contains(w, "built as the stock frontend made it"),
			"optfrontend fell back to stock's graph: %s", w)
	}
	if c.check != nil {
		c.check(b, warnings)
	}
	if b.N == 1 { // once per case: the framework runs it with b.N = 1 first
		b.Logf("optfrontend's warnings:\n%s", strings.Join(warnings, "\n"))
	}
	result := func(s *series) scaleResult {
		return scaleResult{
			ms:      median(s.ds).Seconds() * 1000,
			peakMB:  float64(median(s.peaks)) / 1e6,
			allocMB: float64(median(s.alloc)) / 1e6,
			calls:   s.times.summary(len(s.ds)),
		}
	}
	return scaleRow{stock: result(&all[0]), opt: result(&all[1])}
}

// Heap metrics measureCall reads.
const (
	heapObjects = "/memory/classes/heap/objects:bytes" // live objects and garbage not yet swept
	heapAllocs  = "/gc/heap/allocs:bytes"              // everything ever allocated on the heap
)

// measureCall runs fn (one frontend call) and returns its wall time, the
// peak of the heap's objects above what they were when it started, and
// what it allocated.
//
// The peak is this number because it is the frontend's own memory: the
// frontend is a gateway process in a real build, and in this process the
// heap is what it holds (its graphs, the parsed Dockerfile, what it read
// from the daemon) plus its garbage the collector has not freed yet, which
// a frontend's container holds as well. The daemon's memory is not in it:
// the daemon is another process. A collection first makes the baseline the
// same for every call; a goroutine then reads the heap every millisecond
// while fn runs, without stopping the world (runtime/metrics). What else
// the test process does meanwhile is small in a round of cache hits: the
// session's progress stream (a few messages per step, for either
// frontend) and the context's file sync, which happens in the warm round.
// The allocated bytes do not depend on when the collector ran, so they
// tell growth apart from collection timing.
func measureCall(fn func()) (d time.Duration, peak, allocated uint64) {
	samples := []metrics.Sample{{Name: heapObjects}, {Name: heapAllocs}}
	runtime.GC()
	metrics.Read(samples)
	base, allocs := samples[0].Value.Uint64(), samples[1].Value.Uint64()
	top := base
	done, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		s := []metrics.Sample{{Name: heapObjects}}
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			metrics.Read(s)
			top = max(top, s[0].Value.Uint64())
		}
	}()
	start := time.Now()
	fn()
	d = time.Since(start)
	close(done)
	<-stopped
	metrics.Read(samples)
	top = max(top, samples[0].Value.Uint64())
	return d, top - base, samples[1].Value.Uint64() - allocs
}

// scaleClient is the build's client as one frontend of
// BenchmarkFrontendScale gets it: with source set, the gateway's source
// option names the frontend image, as it does when BuildKit starts that
// image (the squash pass runs the image's binary in the build, and without
// the option it squashes nothing); and the warnings are kept for the
// benchmark to read.
type scaleClient struct {
	gwclient.Client
	source string

	mu       sync.Mutex
	warnings []string
}

// BuildOpts is the build's, with the source option when one is set.
func (c *scaleClient) BuildOpts() gwclient.BuildOpts {
	bo := c.Client.BuildOpts()
	if c.source != "" {
		bo.Opts = maps.Clone(bo.Opts)
		if bo.Opts == nil {
			bo.Opts = map[string]string{}
		}
		bo.Opts[bkfrontend.KeySource] = c.source
	}
	return bo
}

// Warn keeps the warning and sends it on.
func (c *scaleClient) Warn(ctx context.Context, dgst digest.Digest, msg string, opts gwclient.WarnOpts) error {
	c.mu.Lock()
	c.warnings = append(c.warnings, msg)
	c.mu.Unlock()
	return c.Client.Warn(ctx, dgst, msg, opts)
}

func (c *scaleClient) kept() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.warnings)
}

// printScaleTables prints the medians per case, then how each dimension's
// time and peak grew from its tenth to its full size, then what each call
// allocated and optfrontend's calls to the daemon, which say where its
// growth comes from.
func printScaleTables(cases []*scaleCase, rows map[string]scaleRow) {
	out := os.Stdout
	fmt.Fprintf(out, "\n| dimension | size | stock ms | optfrontend ms | ratio | stock peak MB | optfrontend peak MB |\n|---|---|---|---|---|---|---|\n")
	for _, c := range cases {
		r, ok := rows[c.dim+"/"+c.name]
		if !ok {
			continue
		}
		fmt.Fprintf(out, "| %s | %s | %.1f | %.1f | %.2f | %.2f | %.2f |\n", c.dim, c.size,
			r.stock.ms, r.opt.ms, r.opt.ms/r.stock.ms, r.stock.peakMB, r.opt.peakMB)
	}
	fmt.Fprintf(out, "\n| dimension | stock time × | optfrontend time × | stock peak × | optfrontend peak × |\n|---|---|---|---|---|\n")
	for _, c := range cases {
		if c.full {
			continue
		}
		tenth, ok := rows[c.dim+"/"+c.name]
		if !ok {
			continue
		}
		i := slices.IndexFunc(cases, func(f *scaleCase) bool { return f.dim == c.dim && f.full })
		full, ok := rows[cases[i].dim+"/"+cases[i].name]
		if !ok {
			continue
		}
		fmt.Fprintf(out, "| %s | %.2f | %.2f | %.2f | %.2f |\n", c.dim,
			full.stock.ms/tenth.stock.ms, full.opt.ms/tenth.opt.ms,
			full.stock.peakMB/tenth.stock.peakMB, full.opt.peakMB/tenth.opt.peakMB)
	}
	fmt.Fprintf(out, "\n| dimension | size | stock allocated MB | optfrontend allocated MB | stock's calls per build (count, ms) | optfrontend's calls per build (count, ms) |\n|---|---|---|---|---|---|\n")
	for _, c := range cases {
		if r, ok := rows[c.dim+"/"+c.name]; ok {
			fmt.Fprintf(out, "| %s | %s | %.1f | %.1f | %s | %s |\n", c.dim, c.size, r.stock.allocMB, r.opt.allocMB, r.stock.calls, r.opt.calls)
		}
	}
}
