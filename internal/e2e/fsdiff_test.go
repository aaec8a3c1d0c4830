package e2e

import (
	"archive/tar"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"path"
	"slices"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/stretchr/testify/require"
)

// fileEntry is what the differential tests compare of a file: everything
// but its modification time, which no two builds share.
type fileEntry struct {
	Type     byte
	Mode     int64
	UID, GID int
	Size     int64
	Link     string
	SHA256   string
}

// filesystem reads an image's flattened filesystem.
// imageFile reads the bytes of one file (a path without its leading
// slash) of an image's flattened filesystem.
func imageFile(t testing.TB, img v1.Image, file string) []byte {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		require.NoError(t, err, "%s not found in the image", file)
		if strings.TrimPrefix(h.Name, "/") != file {
			continue
		}
		dt, err := io.ReadAll(tr)
		require.NoError(t, err)
		return dt
	}
}

func filesystem(t testing.TB, img v1.Image) map[string]fileEntry {
	t.Helper()
	rc := mutate.Extract(img)
	defer rc.Close()
	tr := tar.NewReader(rc)
	fs := map[string]fileEntry{}
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		e := fileEntry{Type: h.Typeflag, Mode: h.Mode, UID: h.Uid, GID: h.Gid, Size: h.Size, Link: h.Linkname}
		if h.Typeflag == tar.TypeReg {
			sum := sha256.New()
			_, err := io.Copy(sum, tr)
			require.NoError(t, err)
			e.SHA256 = hex.EncodeToString(sum.Sum(nil))
		}
		fs[path.Clean("/"+h.Name)] = e
	}
	return fs
}

// diffPaths lists the paths that are in only one of a and b, or differ.
func diffPaths(a, b map[string]fileEntry) []string {
	var out []string
	for p, ea := range a {
		if eb, ok := b[p]; !ok || ea != eb {
			out = append(out, p)
		}
	}
	for p := range b {
		if _, ok := a[p]; !ok {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// under tells whether p is dir or lies inside it.
func under(p, dir string) bool {
	return p == dir || strings.HasPrefix(p, strings.TrimSuffix(dir, "/")+"/")
}
