package layerstat_test

import (
	"archive/tar"
	"bytes"
	"io"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/stretchr/testify/require"
)

// entry is one tar entry of a test layer; regular files hold size zero bytes.
type entry struct {
	name string
	typ  byte
	size int64
	link string
}

func file(name string, size int64) entry { return entry{name: name, typ: tar.TypeReg, size: size} }
func dir(name string) entry              { return entry{name: name, typ: tar.TypeDir} }
func symlink(name, to string) entry      { return entry{name: name, typ: tar.TypeSymlink, link: to} }
func hardlink(name, to string) entry     { return entry{name: name, typ: tar.TypeLink, link: to} }

// whiteout deletes name (given as "dir/.wh.base" by the caller).
func whiteout(name string) entry { return file(name, 0) }

// layerTar writes entries as an uncompressed tar stream.
func layerTar(t *testing.T, entries []entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.name, Typeflag: e.typ, Size: e.size, Linkname: e.link, Mode: 0o644}
		if e.typ == tar.TypeDir {
			hdr.Mode = 0o755
		}
		require.NoError(t, tw.WriteHeader(hdr))
		if e.size > 0 {
			_, err := io.CopyN(tw, zeros{}, e.size)
			require.NoError(t, err)
		}
	}
	require.NoError(t, tw.Close())
	return buf.Bytes()
}

// newLayer makes a gzip-compressed layer from entries.
func newLayer(t *testing.T, entries []entry) v1.Layer {
	t.Helper()
	b := layerTar(t, entries)
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(b)), nil
	})
	require.NoError(t, err)
	return l
}

// newImage stacks one layer per entry list on an empty image.
func newImage(t *testing.T, layers ...[]entry) v1.Image {
	t.Helper()
	ls := make([]v1.Layer, 0, len(layers))
	for _, entries := range layers {
		ls = append(ls, newLayer(t, entries))
	}
	img, err := mutate.AppendLayers(empty.Image, ls...)
	require.NoError(t, err)
	return img
}

// zeros reads as an endless run of zero bytes.
type zeros struct{}

func (zeros) Read(b []byte) (int, error) {
	clear(b)
	return len(b), nil
}
