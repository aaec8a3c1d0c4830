package e2e

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"path"
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
