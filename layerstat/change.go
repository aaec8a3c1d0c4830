package layerstat

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

const (
	whiteoutPrefix = ".wh."
	whiteoutMeta   = ".wh..wh."
	opaqueMarker   = ".wh..wh..opq"
)

// change is what one layer does to the filesystem below it.
type change struct {
	entries   map[string]*node // new nodes by path; the last entry wins
	deleted   []string         // paths whited out in lower layers
	opaque    []string         // directories whose lower content is hidden
	files     int
	whiteouts int
	size      int64 // bytes in the uncompressed stream
}

// readChange streams l's uncompressed tar once and records its changes.
// Hard links resolve against this layer's earlier entries, then against fs.
func readChange(l v1.Layer, index int, fs *tree) (c *change, err error) {
	rc, err := l.Uncompressed()
	if err != nil {
		return nil, fmt.Errorf("opening uncompressed layer: %w", err)
	}
	defer func() {
		if cerr := rc.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("closing uncompressed layer: %w", cerr)
		}
	}()
	return scan(rc, index, fs)
}

// scan reads the tar stream r, counting every byte of it.
func scan(r io.Reader, index int, fs *tree) (*change, error) {
	cr := &countingReader{r: r}
	tr := tar.NewReader(cr)
	c := &change{entries: map[string]*node{}}
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading tar entry: %w", err)
		}
		c.add(hdr, index, fs)
	}
	// The tar reader may stop before the end-of-archive padding.
	if _, err := io.Copy(io.Discard, cr); err != nil {
		return nil, fmt.Errorf("reading tar trailer: %w", err)
	}
	c.size = cr.n
	return c, nil
}

// add records one tar entry.
func (c *change) add(hdr *tar.Header, index int, fs *tree) {
	p := path.Clean("/" + hdr.Name)
	if p == "/" {
		return
	}
	dir, base := path.Dir(p), path.Base(p)
	switch {
	case base == opaqueMarker:
		c.opaque = append(c.opaque, dir)
		c.whiteouts++
	case strings.HasPrefix(base, whiteoutMeta):
		// Other AUFS metadata (.wh..wh.plnk and the like) is not content.
	case strings.HasPrefix(base, whiteoutPrefix):
		c.deleted = append(c.deleted, path.Join(dir, strings.TrimPrefix(base, whiteoutPrefix)))
		c.whiteouts++
	default:
		c.put(p, c.newNode(hdr, p, index, fs), index, fs)
	}
}

// newNode makes the node a non-whiteout entry stands for.
func (c *change) newNode(hdr *tar.Header, p string, index int, fs *tree) *node {
	switch hdr.Typeflag {
	case tar.TypeDir:
		return newDir()
	case tar.TypeReg:
		c.files++
		return &node{ino: &inode{path: p, size: hdr.Size, layer: index, links: 1}}
	case tar.TypeLink:
		c.files++
		ino := c.inodeAt(path.Clean("/"+hdr.Linkname), fs)
		if ino != nil {
			ino.links++
		}
		return &node{ino: ino}
	default:
		c.files++
		return &node{}
	}
}

// inodeAt finds the regular file a hard link names, or nil.
func (c *change) inodeAt(p string, fs *tree) *inode {
	if n, ok := c.entries[p]; ok {
		return n.ino
	}
	if n := fs.lookup(p); n != nil {
		return n.ino
	}
	return nil
}

// put records n at p; an earlier entry at p in the same layer is wasted.
func (c *change) put(p string, n *node, index int, fs *tree) {
	if old, ok := c.entries[p]; ok && old.ino != nil {
		fs.unlink(old.ino, index)
	}
	c.entries[p] = n
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

// Read implements io.Reader.
func (cr *countingReader) Read(b []byte) (int, error) {
	n, err := cr.r.Read(b)
	cr.n += int64(n)
	return n, err
}
