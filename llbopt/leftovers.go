package llbopt

import (
	"context"

	"github.com/moby/buildkit/util/apicaps"
)

// Leftovers keeps builder leftovers out of the image that ships: where the
// target stage copies a tree another stage built, the package managers'
// caches inside that tree are left out of the copy. It touches only copies
// after which the target stage runs nothing, so no step of the build can
// read what is left out, and never a copy straight from a source (context,
// image, Git, URL). A cache is filled and read back by its tool only to
// save time, so the program that ships behaves the same without it.
// Version-control directories are the vcsdirs fix's: a program may read
// them.
type Leftovers struct {
	// Caps are the builder's LLB capabilities: copy exclude patterns need
	// file.copy.includeexcludepatterns.
	Caps *apicaps.CapSet
}

// Name implements Pass.
func (Leftovers) Name() string { return "leftovers" }

// Apply implements Pass.
func (p Leftovers) Apply(_ context.Context, g *Graph) (Report, error) {
	return pruneCopies(g, p.Caps, cacheLeftovers), nil
}
