package compare

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/org/optfrontend/layerstat"
)

// Image is what the registry says about one pushed image, with the wasted
// bytes layerstat finds in its layers.
type Image struct {
	// Ref is the image by tag and digest.
	Ref string `json:"ref"`
	// Size is the sum of the compressed layer sizes in the manifest, the
	// bytes a pull downloads.
	Size int64 `json:"size"`
	// Uncompressed is the sum of the layers' uncompressed tar streams.
	Uncompressed int64 `json:"uncompressed"`
	// Layers lists the layers, base first.
	Layers []Layer `json:"layers"`
	// BaseLayers is how many of the first layers are the base image's.
	BaseLayers int `json:"baseLayers"`
	// OwnWasted is what the layers above the base image carry that a later
	// layer deletes or replaces: what the Dockerfile wastes.
	OwnWasted int64 `json:"ownWasted"`
	// BaseWasted is what the base image's own layers waste, which no build
	// of this Dockerfile can win back.
	BaseWasted int64 `json:"baseWasted"`
	// ContextBytes is how many bytes of context the frontend's first build
	// received.
	ContextBytes int64 `json:"contextBytes"`
}

// Layer is one layer of an Image.
type Layer struct {
	// Digest is the compressed blob's digest, as the manifest lists it.
	Digest string `json:"digest"`
	// Size is the blob's size in the manifest; Uncompressed that of its
	// tar stream.
	Size         int64 `json:"size"`
	Uncompressed int64 `json:"uncompressed"`
	// Wasted is what the layer adds that a later layer deletes or
	// replaces (layerstat).
	Wasted int64 `json:"wasted"`
	// CreatedBy is the instruction that made the layer, from the image's
	// history; empty when the history does not say.
	CreatedBy string `json:"createdBy,omitempty"`
	// Base is true for the base image's layers.
	Base bool `json:"base,omitempty"`
}

// remoteImage reads an image from its registry.
func remoteImage(ctx context.Context, ref string) (v1.Image, error) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return nil, fmt.Errorf("parsing image reference %q: %w", ref, err)
	}
	img, err := remote.Image(r, remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain))
	if err != nil {
		return nil, fmt.Errorf("reading image %s: %w", ref, err)
	}
	return img, nil
}

// manifestSize returns the sum of the compressed layer sizes and the
// number of layers in an image's manifest.
func manifestSize(ctx context.Context, ref string) (int64, int, error) {
	img, err := remoteImage(ctx, ref)
	if err != nil {
		return 0, 0, err
	}
	m, err := img.Manifest()
	if err != nil {
		return 0, 0, fmt.Errorf("reading the manifest of %s: %w", ref, err)
	}
	var n int64
	for _, l := range m.Layers {
		n += l.Size
	}
	return n, len(m.Layers), nil
}

// measure reads an image's manifest, config and layers. base lists the
// diff IDs of the base image's layers, which the image must start with.
func measure(ctx context.Context, ref string, base []string) (*Image, error) {
	img, err := remoteImage(ctx, ref)
	if err != nil {
		return nil, err
	}
	st, err := layerstat.Analyze(img)
	if err != nil {
		return nil, fmt.Errorf("analyzing the layers of %s: %w", ref, err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return nil, fmt.Errorf("reading the config of %s: %w", ref, err)
	}
	out := &Image{Ref: ref, BaseLayers: baseLayers(cfg.RootFS.DiffIDs, base)}
	createdBy := layerHistory(cfg.History, len(st.Layers))
	for i, l := range st.Layers {
		layer := Layer{Digest: l.Digest.String(), Size: l.Compressed, Uncompressed: l.Uncompressed, Wasted: l.Wasted,
			CreatedBy: createdBy[i], Base: i < out.BaseLayers}
		out.Layers = append(out.Layers, layer)
		out.Size += l.Compressed
		out.Uncompressed += l.Uncompressed
		if layer.Base {
			out.BaseWasted += l.Wasted
		} else {
			out.OwnWasted += l.Wasted
		}
	}
	return out, nil
}

// baseLayers is len(base) when the image's layers start with the base
// image's, else 0: then every layer counts as the Dockerfile's own.
func baseLayers(diffIDs []v1.Hash, base []string) int {
	if len(base) > len(diffIDs) {
		return 0
	}
	for i, d := range base {
		if diffIDs[i].String() != d {
			return 0
		}
	}
	return len(base)
}

// layerHistory returns the instruction behind each of n layers: the
// history entries that are not empty layers, in order. When their number
// does not match, the history cannot be trusted and every entry is empty.
func layerHistory(history []v1.History, n int) []string {
	var out []string
	for _, h := range history {
		if !h.EmptyLayer {
			out = append(out, shortCreatedBy(h.CreatedBy))
		}
	}
	if len(out) != n {
		return make([]string, n)
	}
	return out
}

// shortCreatedBy drops what BuildKit adds to a RUN's history entry.
func shortCreatedBy(s string) string {
	s = strings.TrimSuffix(s, " # buildkit")
	for _, p := range []string{"RUN /bin/sh -c ", "/bin/sh -c #(nop) ", "/bin/sh -c "} {
		if rest, ok := strings.CutPrefix(s, p); ok {
			if p == "RUN /bin/sh -c " {
				return "RUN " + rest
			}
			return rest
		}
	}
	return s
}
