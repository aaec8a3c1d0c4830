package layerstat

import (
	"cmp"
	"fmt"
	"slices"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// DefaultTop is how many wasted paths Analyze keeps in Stats.Top unless
// WithTop says otherwise.
const DefaultTop = 10

// Layer describes one layer of an image, in the image's order.
type Layer struct {
	// Index is the layer's position in the image, 0 being the base.
	Index int
	// Digest is the digest of the compressed blob.
	Digest v1.Hash
	// DiffID is the digest of the uncompressed tar stream.
	DiffID v1.Hash
	// Compressed is the size of the blob in bytes.
	Compressed int64
	// Uncompressed is the size of the uncompressed tar stream in bytes.
	Uncompressed int64
	// Files counts the non-directory entries the layer adds or changes:
	// regular files, hard and symbolic links, devices and FIFOs.
	Files int
	// Whiteouts counts the layer's whiteout entries, opaque ones included.
	Whiteouts int
	// Wasted is the size of the regular files this layer adds that a later
	// layer (or a later entry of this one) deletes or replaces.
	Wasted int64
}

// Waste is one regular file whose bytes never reach the final filesystem.
type Waste struct {
	// Path is the file's absolute path, as written by the layer that added it.
	Path string
	// Bytes is the file's size.
	Bytes int64
	// AddedIn is the index of the layer that added the file.
	AddedIn int
	// RemovedIn is the index of the layer that deleted or replaced the file's
	// last name.
	RemovedIn int
}

// Stats is the analysis of a whole image.
type Stats struct {
	// Layers holds one entry per layer, base first.
	Layers []Layer
	// Wasted is the sum of every layer's Wasted.
	Wasted int64
	// Top lists the largest wasted files, largest first, ties broken by path
	// then by layer.
	Top []Waste
}

// Option configures Analyze.
type Option func(*options)

type options struct {
	top int
}

// WithTop keeps the n largest wasted files in Stats.Top; n <= 0 keeps all.
func WithTop(n int) Option {
	return func(o *options) { o.top = n }
}

// Analyze reads each layer of img once, in order, and reports its sizes and
// the bytes it carries that later layers delete or replace. Whiteouts, opaque
// whiteouts, overwrites, and a directory replaced by a non-directory (or the
// reverse) all count; a file reachable through several hard links counts once
// and is wasted only when its last name is gone.
func Analyze(img v1.Image, opts ...Option) (*Stats, error) {
	o := options{top: DefaultTop}
	for _, opt := range opts {
		opt(&o)
	}
	layers, err := img.Layers()
	if err != nil {
		return nil, fmt.Errorf("listing layers: %w", err)
	}
	fs := newTree()
	s := &Stats{Layers: make([]Layer, 0, len(layers))}
	for i, l := range layers {
		info, err := analyzeLayer(i, l, fs)
		if err != nil {
			return nil, fmt.Errorf("analyzing layer %d: %w", i, err)
		}
		s.Layers = append(s.Layers, info)
	}
	s.addWaste(fs.waste, o.top)
	return s, nil
}

// analyzeLayer describes l and applies its changes to fs.
func analyzeLayer(index int, l v1.Layer, fs *tree) (Layer, error) {
	info, err := describe(index, l)
	if err != nil {
		return Layer{}, err
	}
	c, err := readChange(l, index, fs)
	if err != nil {
		return Layer{}, err
	}
	info.Uncompressed, info.Files, info.Whiteouts = c.size, c.files, c.whiteouts
	fs.apply(c, index)
	return info, nil
}

// describe reads what l's descriptor says about it.
func describe(index int, l v1.Layer) (Layer, error) {
	info := Layer{Index: index}
	var err error
	if info.Digest, err = l.Digest(); err != nil {
		return Layer{}, fmt.Errorf("getting digest: %w", err)
	}
	if info.DiffID, err = l.DiffID(); err != nil {
		return Layer{}, fmt.Errorf("getting diff ID: %w", err)
	}
	if info.Compressed, err = l.Size(); err != nil {
		return Layer{}, fmt.Errorf("getting size: %w", err)
	}
	return info, nil
}

// addWaste totals waste per layer and keeps the top largest entries.
func (s *Stats) addWaste(waste []Waste, top int) {
	for _, w := range waste {
		s.Layers[w.AddedIn].Wasted += w.Bytes
		s.Wasted += w.Bytes
	}
	slices.SortFunc(waste, compareWaste)
	if top > 0 && len(waste) > top {
		waste = waste[:top]
	}
	s.Top = slices.Clip(waste)
}

// compareWaste orders by size descending, then path, then layers.
func compareWaste(a, b Waste) int {
	return cmp.Or(
		cmp.Compare(b.Bytes, a.Bytes),
		cmp.Compare(a.Path, b.Path),
		cmp.Compare(a.AddedIn, b.AddedIn),
		cmp.Compare(a.RemovedIn, b.RemovedIn),
	)
}
