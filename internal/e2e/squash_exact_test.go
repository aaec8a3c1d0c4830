package e2e

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/stretchr/testify/require"
)

// exactEntry is everything a squashed layer must keep of a file: content,
// type, mode, owner, link target (hard or symbolic), device numbers, times
// and extended attributes.
type exactEntry struct {
	Type       byte
	Mode       int64
	UID, GID   int
	Link       string
	Major      int64
	Minor      int64
	ModTime    int64
	SHA256     string
	Xattrs     string
	HardLinked bool
}

// exactFS reads an image's flattened filesystem with every detail a layer
// carries (times only if asked). Hard links are compared as the set of paths sharing a file, not
// by which path the tar names first.
func exactFS(t testing.TB, img v1.Image, times bool) map[string]exactEntry {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	fs := map[string]exactEntry{}
	links := map[string]string{} // path -> the path it is a hard link of
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		p := path.Clean("/" + h.Name)
		e := exactEntry{Type: h.Typeflag, Mode: h.Mode, UID: h.Uid, GID: h.Gid, Major: h.Devmajor, Minor: h.Devminor}
		if times {
			e.ModTime = h.ModTime.UnixNano()
		}
		var xs []string
		for k, v := range h.PAXRecords {
			if strings.HasPrefix(k, "SCHILY.xattr.") {
				xs = append(xs, k+"="+v)
			}
		}
		sort.Strings(xs)
		e.Xattrs = strings.Join(xs, ";")
		switch h.Typeflag {
		case tar.TypeReg:
			sum := sha256.New()
			_, err := io.Copy(sum, tr)
			require.NoError(t, err)
			e.SHA256 = hex.EncodeToString(sum.Sum(nil))
		case tar.TypeLink:
			links[p] = path.Clean("/" + h.Linkname)
		case tar.TypeSymlink:
			e.Link = h.Linkname
		}
		fs[p] = e
	}
	// A hard link is the file it links to, marked as linked; both ends
	// get a link name naming the group (its smallest path).
	groups := map[string][]string{}
	for p, to := range links {
		groups[to] = append(groups[to], p)
	}
	for to, ps := range groups {
		ps = append(ps, to)
		sort.Strings(ps)
		target := fs[to]
		for _, p := range ps {
			e := target
			e.HardLinked, e.Link = true, ps[0]
			fs[p] = e
		}
	}
	return fs
}

// requireSameFS fails with the paths that differ between two filesystems.
func requireSameFS(t *testing.T, want, got map[string]exactEntry) {
	t.Helper()
	var diffs []string
	for p, w := range want {
		if g, ok := got[p]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: missing", p))
		} else if g != w {
			diffs = append(diffs, fmt.Sprintf("%s: want %+v, got %+v", p, w, g))
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: not in stock", p))
		}
	}
	sort.Strings(diffs)
	require.Empty(t, diffs, "the squashed image's filesystem differs from stock's")
}

// TestSquashExact builds Dockerfiles whose squashed runs edit files in
// place with their size and mtime restored, link, set xattrs, swap
// directories and files and delete base files, stock (its squashed runs'
// steps forked as the pass forks them) and with the run squashed. The
// steps are cached by the first build, so the two images must agree on
// every byte and time of every file.
func TestSquashExact(t *testing.T) {
	for _, tc := range []struct {
		dir   string
		extra []string
		// times compares modification times too: the optimized build
		// reuses the forked stock build's steps, as no other pass changes
		// them.
		times bool
	}{
		{dir: "testdata/squash-inplace", times: true},
		// contextfilter changes the COPY, so its steps run again.
		{dir: "testdata/squash-users"},
		{dir: "testdata/squash-exact", extra: []string{"--build-arg", "BUILDKIT_OPT_SQUASH=true"}, times: true},
		// The steps after the run run again on its squashed state; what
		// they saw of it (stat, ls) is written into /later.txt.
		{dir: "testdata/squash-later"},
		// A stage FROM scratch: the run's first layer is over nothing.
		{dir: "testdata/squash-scratch", extra: []string{"--build-arg", "BUILDKIT_OPT_SQUASH=true"}, times: true},
	} {
		name := path.Base(tc.dir)
		t.Run(name, func(t *testing.T) {
			// The steps are this run's own (see uniqueSteps): with times
			// compared, an earlier run of the same steps on this builder
			// must not be able to stand in for this one's.
			dir := uniqueSteps(t, tc.dir)
			// The squash pass gives the run's steps cache records of their
			// own (llbopt/fork.go), so a stock build's would run apart from
			// the optimized build's: the image compared with is stock's
			// graph with those steps forked the same way.
			stockRef, optRef := ref("e2e/"+name+":stock-forked"), ref("e2e/"+name+":optimized")
			forkedStockBuild(t, dir, stockRef, slices.Contains(tc.extra, "BUILDKIT_OPT_SQUASH=true"))
			out := optBuild(t, dir, optRef, tc.extra...)
			require.Contains(t, out, "optfrontend squash: exported Dockerfile:")
			stockImg, optImg := image(t, stockRef, nil), image(t, optRef, nil)
			requireSameFS(t, exactFS(t, stockImg, tc.times), exactFS(t, optImg, tc.times))
			stockLayers, err := stockImg.Layers()
			require.NoError(t, err)
			optLayers, err := optImg.Layers()
			require.NoError(t, err)
			require.Less(t, len(optLayers), len(stockLayers))
		})
	}
}

// uniqueSteps copies a test Dockerfile's directory and puts, after each
// FROM, an ARG with a value of this run's own and a COPY of a file that
// holds it. The ARG gives every later RUN a new cache key: a key with
// several records, left by earlier --no-cache builds
// (TestSquashDeterministic), could give the two builds different runs of
// a step (CI, 2026-12-03: /etc 08:26 vs 15:21). The file gives the state
// before the squashed run content of its own: the squash helper is keyed
// by the content of what it mounts, which leaves times out, so an earlier
// run of the same steps with the same content would be a cache hit whose
// layer carries that run's times (CI, 2026-12-03: /tmp 16:53 vs 17:16).
// The file is its own layer, before the run, which it does not touch.
func uniqueSteps(t *testing.T, dir string) string {
	t.Helper()
	out := copyDir(t, dir)
	df := filepath.Join(out, "Dockerfile")
	dt, err := os.ReadFile(df)
	require.NoError(t, err)
	run := fmt.Sprint(time.Now().UnixNano())
	require.NoError(t, os.WriteFile(filepath.Join(out, ".e2e-run"), []byte(run+"\n"), 0o644))
	arg := "ARG E2E_RUN=" + run
	var lines []string
	for _, l := range strings.Split(string(dt), "\n") {
		lines = append(lines, l)
		if strings.HasPrefix(strings.ToUpper(strings.TrimSpace(l)), "FROM ") {
			lines = append(lines, arg, "COPY .e2e-run /.e2e-run")
		}
	}
	require.NoError(t, os.WriteFile(df, []byte(strings.Join(lines, "\n")), 0o644))
	return out
}

// TestSquashDeterministic builds the issue-17 Dockerfiles three times
// with --no-cache, SOURCE_DATE_EPOCH and rewritten timestamps: the
// squashed image must have one digest, as stock has.
func TestSquashDeterministic(t *testing.T) {
	for _, dir := range []string{"testdata/squash-users", "testdata/squash-inplace"} {
		name := path.Base(dir)
		t.Run(name, func(t *testing.T) {
			seen := map[string]int{}
			for i := range 3 {
				r := ref(fmt.Sprintf("e2e/%s:nocache-%d", name, i))
				out := must(t, "", "buildx", "build", "--progress=plain", "--no-cache",
					"--build-arg", "SOURCE_DATE_EPOCH=0",
					"--output", "type=image,name="+r+",push=true,rewrite-timestamp=true", dir)
				require.Contains(t, out, "optfrontend squash: exported Dockerfile:")
				d, err := image(t, r, nil).Digest()
				require.NoError(t, err)
				seen[d.String()]++
			}
			require.Len(t, seen, 1, "digests of three --no-cache builds: %v", seen)
		})
	}
}
