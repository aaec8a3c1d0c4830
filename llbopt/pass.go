package llbopt

import (
	"context"
	"fmt"
	"slices"

	"github.com/moby/buildkit/solver/pb"
	"google.golang.org/protobuf/proto"
)

// Pass is one optimization over an LLB graph. A pass owns one idea, knows
// nothing of the other passes, and rewrites only what it can show is
// equivalent; where it cannot, it leaves the op alone and says why in its
// report.
type Pass interface {
	// Name is the stable name used in reports, in the BUILDKIT_OPT build
	// arg that switches the pass off, and in its documentation.
	Name() string
	// Apply edits the graph in place and reports what it changed.
	Apply(ctx context.Context, g *Graph) (Report, error)
}

// Report is what one pass did to one graph.
type Report struct {
	Pass     string
	Findings []Finding
	// Layers lists the changes a pass made to the layers the graph exports,
	// which the image config's history must then follow.
	Layers []LayerEdit
}

// LayerEdit is one change to the exported layers: consecutive layers of the
// image now share one, or are gone. Positions count from the image's last
// layer, since the graph does not know how many layers the base image has.
type LayerEdit struct {
	// Kinds lists, base first, the instruction that makes each layer from
	// the first merged one to the image's last: "RUN" for an exec, "COPY"
	// for a file op (COPY, ADD or WORKDIR), so that the history entries can
	// be checked against them before they change.
	Kinds []string
	// Merged is how many of the first Kinds' layers are now one: the last of
	// them carries it and the others are empty.
	Merged int
	// Dropped is how many of the first Kinds' layers are no longer in the
	// image at all (their steps ran, but what they made does not ship);
	// Merged is then 0.
	Dropped int
	// Lines is where the merged steps are written.
	Lines Location
	// Base, when set, is a change of the base image's own entries (the
	// slim fix); Kinds, Merged and Dropped are then unused.
	Base *BaseEdit
}

// Finding is one change a pass made, or one it refused to make, at a place
// in the Dockerfile.
type Finding struct {
	// Node is the op the finding is about; after Encode its Digest is the
	// one the daemon sees.
	Node *Node
	// Message says what was changed, or why not, in words for the user.
	Message string
	// Changed is false for a refusal or a note that left the graph as it was.
	Changed bool
	// Allows lists what the change may make differ between the image and
	// stock's, so that the verify mode can tell an explained difference
	// from a defect. A change that names nothing here claims the image is
	// stock's (squash, manifestfirst).
	Allows []Allow
}

// Allow is one difference from stock's image that a change explains.
type Allow struct {
	// Path is an absolute path pattern in the image, in .dockerignore
	// syntax ("**" for any number of directories): the paths it matches and
	// everything under them may differ.
	Path string
	// Package is a Debian package the change left out of the image: the
	// files dpkg lists for it may be missing.
	Package string
	// MissingOnly narrows the allowance to paths the optimized image lacks:
	// a change that only leaves files out explains nothing else.
	MissingOnly bool
	// Parents also explains the directories above Path missing from the
	// optimized image, for a change that moves a directory out of the image
	// (a cache mount): its parents, made only to hold it, go with it.
	Parents bool
}

// Pipeline runs passes in a fixed order over a definition.
type Pipeline struct {
	passes []Pass
}

// NewPipeline returns a pipeline that runs the passes in the order given.
func NewPipeline(passes ...Pass) *Pipeline {
	return &Pipeline{passes: passes}
}

// Without returns a pipeline of the same passes but those named, in the
// same order.
func (p *Pipeline) Without(names ...string) *Pipeline {
	var keep []Pass
	for _, pass := range p.passes {
		if !slices.Contains(names, pass.Name()) {
			keep = append(keep, pass)
		}
	}
	return &Pipeline{passes: keep}
}

// Run decodes def, applies every pass, validating the graph after each, and
// encodes the result. When no pass changed anything it returns def itself,
// so the daemon sees the definition exactly as dockerfile2llb made it.
func (p *Pipeline) Run(ctx context.Context, def *pb.Definition) (*pb.Definition, *Graph, []Report, error) {
	if len(p.passes) == 0 || def == nil || len(def.Def) == 0 {
		return def, nil, nil, nil
	}
	g, err := Decode(def)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("decoding definition: %w", err)
	}
	var reports []Report
	for _, pass := range p.passes {
		rep, err := pass.Apply(ctx, g)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("pass %s: %w", pass.Name(), err)
		}
		rep.Pass = pass.Name()
		if err := g.Validate(); err != nil {
			return nil, nil, nil, fmt.Errorf("pass %s left an invalid graph: %w", pass.Name(), err)
		}
		reports = append(reports, rep)
	}
	out, err := g.Encode()
	if err != nil {
		return nil, nil, nil, fmt.Errorf("encoding definition: %w", err)
	}
	if proto.Equal(out, def) {
		return def, g, reports, nil
	}
	return out, g, reports, nil
}
