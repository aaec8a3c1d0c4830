package llbopt

import (
	"context"

	"github.com/moby/buildkit/util/apicaps"
)

// VCSDirs leaves version-control directories (.git, .hg, .svn) out of the
// copies that the leftovers pass prunes. A program may read them when it
// runs (a version endpoint printing .git/HEAD, setuptools-scm), which
// nothing in the graph shows, so this changes what the image does and
// never runs by default: the BUILDKIT_OPT_FIX=vcsdirs build arg asks for
// it, and the report names every copy it changed.
type VCSDirs struct {
	// Caps are the builder's LLB capabilities: copy exclude patterns need
	// file.copy.includeexcludepatterns.
	Caps *apicaps.CapSet
}

// Name implements Pass.
func (VCSDirs) Name() string { return "vcsdirs" }

// Apply implements Pass.
func (p VCSDirs) Apply(_ context.Context, g *Graph) (Report, error) {
	return pruneCopies(g, p.Caps, vcsLeftovers), nil
}
