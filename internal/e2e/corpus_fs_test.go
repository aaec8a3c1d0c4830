package e2e

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"path"
	"regexp"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/require"
)

// resolveHardlinks gives each hard link of a flattened filesystem the
// content it has in the image. A flattened tar keeps a hard link as a link
// to its first name even where a later layer deleted that name (a squashed
// layer has the same file as a regular one), so the corpus compares what a
// program reads: the bytes the link's target had in the layer the link
// was made in.
func resolveHardlinks(t *testing.T, img v1.Image, fs map[string]fileEntry) {
	t.Helper()
	var links []string
	for p, e := range fs {
		if e.Type == tar.TypeLink {
			links = append(links, p)
		}
	}
	if len(links) == 0 {
		return
	}
	content := map[string]fileEntry{}
	layers, err := img.Layers()
	require.NoError(t, err)
	for _, l := range layers {
		rc, err := l.Uncompressed()
		require.NoError(t, err)
		readLayerContent(t, tar.NewReader(rc), content)
		rc.Close()
	}
	for _, p := range links {
		if e, ok := content[p]; ok {
			f := fs[p]
			f.Type, f.Link, f.Size, f.SHA256 = tar.TypeReg, "", e.Size, e.SHA256
			fs[p] = f
		}
	}
}

// readLayerContent applies one layer to content, a map of the regular
// files' sizes and digests by path.
func readLayerContent(t *testing.T, tr *tar.Reader, content map[string]fileEntry) {
	t.Helper()
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		require.NoError(t, err)
		p := path.Clean("/" + h.Name)
		dir, base := path.Split(p)
		switch {
		case base == ".wh..wh..opq":
			deleteUnder(content, path.Clean(dir), false)
		case strings.HasPrefix(base, ".wh."):
			deleteUnder(content, path.Join(dir, strings.TrimPrefix(base, ".wh.")), true)
		case h.Typeflag == tar.TypeReg:
			sum := sha256.New()
			_, err := io.Copy(sum, tr)
			require.NoError(t, err)
			content[p] = fileEntry{Type: tar.TypeReg, Size: h.Size, SHA256: hex.EncodeToString(sum.Sum(nil))}
		case h.Typeflag == tar.TypeLink:
			if e, ok := content[path.Clean("/"+h.Linkname)]; ok {
				content[p] = e
			}
		default:
			delete(content, p)
		}
	}
}

// deleteUnder removes what lies under dir, and dir itself if self.
func deleteUnder(content map[string]fileEntry, dir string, self bool) {
	for p := range content {
		if under(p, dir) && (self || p != dir) {
			delete(content, p)
		}
	}
}

// digitRun is a run of digits in a path: a time, a pid, a counter.
var digitRun = regexp.MustCompile(`[0-9]+`)

// renamedNoise returns the paths only the optimized image has whose name
// a step makes anew on every run, as two stock builds show: npm writes
// each run's debug log to _logs/<time>-debug-0.log, so a step that ran
// again (one a pass changed) leaves a log of another name than stock's.
// Such a path counts as noise when two stock builds differ at a path of
// the same shape (its digits aside) and stock and the optimized image
// hold as many paths of that shape: one file for one, renamed.
func renamedNoise(stock, again, opt map[string]fileEntry) map[string]bool {
	shape := func(p string) string { return digitRun.ReplaceAllString(p, "#") }
	varying := map[string]bool{}
	for _, p := range diffPaths(stock, again) {
		varying[shape(p)] = true
	}
	count := func(fs map[string]fileEntry) map[string]int {
		n := map[string]int{}
		for p := range fs {
			if s := shape(p); varying[s] {
				n[s]++
			}
		}
		return n
	}
	inStock, inOpt := count(stock), count(opt)
	out := map[string]bool{}
	for p := range opt {
		if _, ok := stock[p]; ok {
			continue
		}
		if s := shape(p); varying[s] && inStock[s] == inOpt[s] {
			out[p] = true
		}
	}
	return out
}

// TestRenamedNoise: a file only the optimized image has is noise when
// stock's own builds rename a file of its shape, one for one.
func TestRenamedNoise(t *testing.T) {
	fs := func(paths ...string) map[string]fileEntry {
		m := map[string]fileEntry{}
		for _, p := range paths {
			m[p] = fileEntry{Type: tar.TypeReg}
		}
		return m
	}
	const a, b, c = "/root/.npm/_logs/2026-12-01T22_18_15_559Z-debug-0.log", "/root/.npm/_logs/2026-12-01T22_19_01_001Z-debug-0.log", "/root/.npm/_logs/2026-12-01T22_20_00_000Z-debug-0.log"
	for _, tc := range []struct {
		name             string
		stock, again, op map[string]fileEntry
		want             []string
	}{
		{"a log renamed", fs("/app", a), fs("/app", b), fs("/app", c), []string{c}},
		{"one log more than stock", fs("/app", a), fs("/app", b), fs("/app", c, c+"x", "/root/.npm/_logs/2026-12-01T22_20_00_001Z-debug-0.log"), nil},
		{"stock's builds agree", fs("/app", a), fs("/app", a), fs("/app", c), nil},
		{"another shape", fs("/app", a), fs("/app", b), fs("/app", "/root/.npm/_cacache/x1"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for p := range renamedNoise(tc.stock, tc.again, tc.op) {
				got = append(got, p)
			}
			require.ElementsMatch(t, tc.want, got)
		})
	}
}
