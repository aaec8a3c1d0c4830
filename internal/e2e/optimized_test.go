package e2e

import (
	"archive/tar"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/stretchr/testify/require"

	"github.com/org/optfrontend/layerstat"
)

// mountReport matches the cachemount pass's report in buildx's output.
var mountReport = regexp.MustCompile(`optfrontend cachemount: cache mount for (\S+) at (\S+) .*\(line \d+\)`)

// workCounter matches files whose content counts the work a tool did, and
// so changes, by design, when a cache saves that work: Go's telemetry
// counters, which also carry the day they were written in their names.
var workCounter = regexp.MustCompile(`/go/telemetry/local/[^/]+\.count$`)

// orderStamped matches caches whose content is the order a tool's work
// happened to finish in (Yarn 1's v8-compile-cache map in /tmp): two
// builds of the same steps may differ there, stock's as much as any.
var orderStamped = regexp.MustCompile(`^/tmp/v8-compile-cache-\d+/`)

// dayStamped matches files that record the day a step ran (useradd writes
// the day of the last password change into /etc/shadow): two builds on
// either side of midnight differ there whatever the passes do.
var dayStamped = regexp.MustCompile(`^/etc/g?shadow-?$`)

// logContent tells whether p is a log under /var/log whose content alone
// differs: the verify mode's rule (internal/fstree's noise). Logs record
// when a step ran and what the tool's caches held then: apt's eipp.log.xz
// names each package by its id in apt's binary cache, which a cache
// mount of /var/cache/apt keeps from an earlier build.
func logContent(p string, a, b map[string]fileEntry) bool {
	x, y := a[p], b[p]
	return strings.HasPrefix(p, "/var/log/") && x.Type == tar.TypeReg && y.Type == tar.TypeReg &&
		x.Mode == y.Mode && x.UID == y.UID && x.GID == y.GID
}

// examplesParallel is how many examples TestExamplesOptimized builds at
// once: most of a build waits on the network or the registry, and two at a
// time took 2026-12-03's suite from 11 minutes down (see .ci/run's limit).
const examplesParallel = 2

// cacheWriters are, per example, the package-manager families whose cache
// mount TestExamplesOptimized shows is really the directory the tool
// writes (the report's names for them).
var cacheWriters = map[string][]string{
	"javaapp":   {"maven"},
	"pnpmapp":   {"pnpm"},
	"poetryapp": {"poetry"},
	"uvapp":     {"uv"},
	"yarnapp":   {"yarn"},
	"rustapp":   {"cargo-registry"},
	"goserver":  {"go-mod", "go-build"},
	"express":   {"npm"},
}

// TestExamplesOptimized builds every example with the default passes,
// through buildx and the syntax line, and proves the result equivalent to
// stock: its filesystem differs from the stock image's only inside the
// cache directories the report names (after subtracting what differs
// between two stock builds anyway), it passes the smoke check, and a
// second optimized build with --no-cache differs from the first only where
// stock's own two builds differ.
//
// That second build runs in a cache namespace of its own, and on this
// BuildKit --no-cache starts every cache mount empty
// (TestNoCacheEmptiesCacheMounts), so a probe then shows that each cache
// mount of cacheWriters holds what that one build wrote: a mount at a
// directory the tool never uses would be empty, and a cache mount that
// saves nothing is only a cost.
func TestExamplesOptimized(t *testing.T) {
	var mu sync.Mutex
	var sizes []string
	t.Cleanup(func() {
		slices.Sort(sizes)
		t.Logf("image size, stock vs optimized (compressed layers; files unpacked):\n%s", strings.Join(sizes, "\n"))
	})
	sem := make(chan struct{}, examplesParallel)
	for _, dir := range exampleDirs(t) {
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			sem <- struct{}{}
			defer func() { <-sem }()
			stockRef, againRef, optRef := ref("e2e/"+name+":stock"), ref("e2e/"+name+":stock-again"), ref("e2e/"+name+":optimized")
			stockBuild(t, dir, stockRef)
			stockBuild(t, dir, againRef, "--no-cache")
			// The verify mode compares the image with stock's in the build
			// too, and fails the build on a difference no report names.
			out := optBuild(t, dir, optRef, "--build-arg", "BUILDKIT_OPT_VERIFY=1")
			require.Contains(t, out, "optfrontend verify: compare", "the verify mode did not run")

			var cacheDirs []string
			for _, m := range mountReport.FindAllStringSubmatch(out, -1) {
				cacheDirs = append(cacheDirs, m[2])
			}
			// Every example calls a package manager: the report names its
			// cache mount, or why the step was left alone (static's later
			// `npm run build` may read npm's cache).
			require.True(t, len(cacheDirs) > 0 || strings.Contains(out, "optfrontend cachemount: "),
				"every example calls a package manager; the report says nothing of its cache:\n%s", tail(out, 30))

			// What a program reads: a hard link as the bytes of its file.
			// A cache mount of a store a tool links from (pnpm's) turns
			// links into copies; the verify mode above compares links
			// and requires the report to name that.
			readFS := func(r string) map[string]fileEntry {
				img := image(t, r, nil)
				fs := filesystem(t, img)
				resolveHardlinks(t, img, fs)
				return fs
			}
			stock := readFS(stockRef)
			noise := diffPaths(stock, readFS(againRef))
			t.Logf("%d paths differ between two stock builds", len(noise))
			opt := readFS(optRef)
			// Files of a build-tools layer the buildtools pass left out
			// (TestBuildToolsLeftOut checks those in detail).
			dropped := droppedPaths(t, image(t, stockRef, nil), image(t, optRef, nil))
			var unexplained []string
			for _, p := range diffPaths(stock, opt) {
				if dropped[p] {
					continue
				}
				inCache := slices.ContainsFunc(cacheDirs, func(d string) bool { return under(p, d) })
				// A directory that held only the cache (~/.cache above
				// ~/.cache/pip) is not created at all.
				holder := slices.ContainsFunc(cacheDirs, func(d string) bool { return under(d, p) }) &&
					stock[p].Type == tar.TypeDir && opt[p].Type != tar.TypeReg
				// A counter of work done differs because the cache saved work.
				counter := workCounter.MatchString(p) || dayStamped.MatchString(p) || orderStamped.MatchString(p) || logContent(p, stock, opt)
				if !inCache && !holder && !counter && !slices.Contains(noise, p) {
					unexplained = append(unexplained, p)
				}
			}
			require.Empty(t, unexplained, "the optimized image differs from stock outside the cache directories %v", cacheDirs)

			// Deterministic: a second optimized build with --no-cache
			// differs from the first only where stock's two builds differ
			// (a path, or a path of the same shape but its digits: a log
			// named by the time).
			optAgainRef := ref("e2e/" + name + ":optimized-again")
			ns := fmt.Sprintf("e2e-written-%s-%d", name, time.Now().UnixNano())
			againOut := optBuild(t, dir, optAgainRef, "--no-cache", "--build-arg=BUILDKIT_CACHE_MOUNT_NS="+ns)
			written := map[string]string{}
			for _, m := range mountReport.FindAllStringSubmatch(againOut, -1) {
				written[m[1]] = m[2]
			}
			for _, tool := range cacheWriters[name] {
				require.NotEmpty(t, written[tool], "the report names no cache mount for %s:\n%s", tool, tail(againOut, 30))
				files, kb := probeCache(t, ns, "optfrontend/"+tool+written[tool])
				t.Logf("%s: %s cache at %s holds %d files, %d kB after one build", name, tool, written[tool], files, kb)
				require.Positive(t, files, "the %s cache mount at %s is empty after the build: the tool does not write there", tool, written[tool])
			}
			varying := map[string]bool{}
			for _, p := range noise {
				varying[digitRun.ReplaceAllString(p, "#")] = true
			}
			var unstable []string
			optAgain := readFS(optAgainRef)
			for _, p := range diffPaths(opt, optAgain) {
				if !varying[digitRun.ReplaceAllString(p, "#")] && !workCounter.MatchString(p) && !dayStamped.MatchString(p) && !orderStamped.MatchString(p) && !logContent(p, opt, optAgain) {
					unstable = append(unstable, p)
				}
			}
			require.Empty(t, unstable, "two --no-cache optimized builds differ where stock's two builds do not")

			smoke(t, dir, optRef)
			base := baseLayers(t, dir)
			stockImg, optImg := image(t, stockRef, nil), image(t, optRef, nil)
			stockOwn, optOwn := ownWaste(t, stockImg, base), ownWaste(t, optImg, base)
			require.LessOrEqual(t, optOwn, stockOwn, "the optimized image wastes more bytes in its own layers than stock")
			if strings.Contains(out, "optfrontend squash: exported") {
				require.Zero(t, optOwn, "a squashed image still wastes bytes in the Dockerfile's own layers")
			}
			row := sizeRow(t, name, stockImg, optImg, stock, opt, base)
			mu.Lock()
			sizes = append(sizes, row)
			mu.Unlock()
		})
	}
}

// sizeRow is one line of the size table the test prints.
func sizeRow(t *testing.T, name string, stockImg, optImg v1.Image, stockFS, optFS map[string]fileEntry, base int) string {
	t.Helper()
	cs, ls := compressed(t, stockImg)
	co, lo := compressed(t, optImg)
	us, uo := unpacked(stockFS), unpacked(optFS)
	ws, wo := ownWaste(t, stockImg, base), ownWaste(t, optImg, base)
	return fmt.Sprintf("%-10s compressed %6.1f MB -> %6.1f MB (%.2fx, %d -> %d layers)  files %6.1f MB -> %6.1f MB (%.2fx)  wasted in own layers %8d B -> %d B",
		name, mb(cs), mb(co), float64(co)/float64(cs), ls, lo, mb(us), mb(uo), float64(uo)/float64(us), ws, wo)
}

func compressed(t *testing.T, img v1.Image) (int64, int) {
	t.Helper()
	m, err := img.Manifest()
	require.NoError(t, err)
	var n int64
	for _, l := range m.Layers {
		n += l.Size
	}
	return n, len(m.Layers)
}

func unpacked(fs map[string]fileEntry) int64 {
	var n int64
	for _, e := range fs {
		n += e.Size
	}
	return n
}

// droppedPaths lists the paths of the stock image's layers whose steps the
// optimized image's history marks as left out.
func droppedPaths(t *testing.T, stockImg, optImg v1.Image) map[string]bool {
	t.Helper()
	sc, err := stockImg.ConfigFile()
	require.NoError(t, err)
	oc, err := optImg.ConfigFile()
	require.NoError(t, err)
	out := map[string]bool{}
	layer := 0
	for i, h := range sc.History {
		if i < len(oc.History) && strings.Contains(oc.History[i].Comment, "build-only, left out of the image") {
			maps.Copy(out, layerPaths(t, stockImg, layer))
		}
		if !h.EmptyLayer {
			layer++
		}
	}
	return out
}

// ownWaste is the bytes that the layers above the base image's carry and a
// later layer deletes or replaces: what the Dockerfile itself wastes. What
// the base image's layers waste (files a RUN upgrades, say) no build of this
// Dockerfile can win back.
func ownWaste(t *testing.T, img v1.Image, base int) int64 {
	t.Helper()
	st, err := layerstat.Analyze(img)
	require.NoError(t, err)
	var n int64
	for _, l := range st.Layers[base:] {
		n += l.Wasted
	}
	return n
}

// baseLayers counts the layers of the image the example's last stage starts
// from (following FROM <stage>), as the test bed's registry serves it.
func baseLayers(t *testing.T, dir string) int {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "Dockerfile"))
	require.NoError(t, err)
	defer f.Close()
	res, err := parser.Parse(f)
	require.NoError(t, err)
	stages, _, err := instructions.Parse(res.AST, nil)
	require.NoError(t, err)
	require.NotEmpty(t, stages)
	from := stages[len(stages)-1].BaseName
	for {
		i := slices.IndexFunc(stages, func(s instructions.Stage) bool { return strings.EqualFold(s.Name, from) })
		if i < 0 {
			break
		}
		from = stages[i].BaseName
	}
	if from == "scratch" {
		return 0
	}
	r, err := name.ParseReference(from)
	require.NoError(t, err)
	img := image(t, bed.registry+"/"+r.Context().RepositoryStr()+":"+r.Identifier(), nil)
	layers, err := img.Layers()
	require.NoError(t, err)
	return len(layers)
}

func mb(n int64) float64 { return float64(n) / 1e6 }
