package llbopt

import (
	"context"
	"fmt"
	"strings"

	"github.com/moby/buildkit/util/apicaps"
)

// SlimSwap is the slim fix's change of the target stage's base image, as
// the frontend resolved it before the build: the stage's steps run on From,
// as written, and the image ships them on To.
type SlimSwap struct {
	// From is the stage's base image, normalized without a digest
	// (docker.io/library/python:3.12); To is its -slim variant, with the
	// digest its tag named when the frontend resolved it, so that the
	// build is the same every time for the same digests.
	From, To string
	// FromHistory and ToHistory are the two images' config histories (JSON
	// arrays), which the frontend swaps in the image's history.
	FromHistory, ToHistory []byte
}

// SlimBase is the slim fix (BUILDKIT_OPT_FIX=slim) where the frontend chose
// to keep the build on the full image (see frontend/slim.go): every step of
// the target stage runs on the base the Dockerfile names, and the image is
// the -slim variant with every step's own layer on it, the image a
// multi-stage build with a -slim runtime stage gives by hand. It proves
// the change in the build first with the layer check (elfcheck.go): every
// program and library the stage's steps made must find its shared
// libraries on the -slim image, and no step may have run the package
// manager (dpkg's database would then be the full image's). When the
// check fails or cannot run, the image stays on the full base and the
// report says why at the FROM line.
type SlimBase struct {
	// Swap is the frontend's decision; nil leaves every build alone.
	Swap *SlimSwap
	// Read runs the check; nil leaves the image alone.
	Read FileReader
	// Caps are the builder's LLB capabilities: diff and merge ops.
	Caps *apicaps.CapSet
}

// Name implements Pass: the fix's word, BUILDKIT_OPT_FIX=slim.
func (SlimBase) Name() string { return "slim" }

// Apply implements Pass.
func (p SlimBase) Apply(ctx context.Context, g *Graph) (Report, error) {
	var rep Report
	term := g.Terminal()
	if p.Swap == nil || term == nil || term.Op.Op != nil || len(term.Inputs) != 1 {
		return rep, nil
	}
	top := term.Inputs[0]
	steps, start := layerChain(g, top)
	src := start.Node
	if src == nil || src.Op.GetSource() == nil || !sameImage(src.Op.GetSource().Identifier, p.Swap.From) || len(steps) == 0 {
		// The frontend resolved the target stage's base from the
		// Dockerfile: the chain ends elsewhere only when a pass before
		// this one made the image of other layers (nodevdeps).
		rep.Findings = append(rep.Findings, Finding{Node: top.Node, Message: fmt.Sprintf(
			"kept %s: the image's layers no longer start at it (another fix changed them)", p.Swap.From)})
		return rep, nil
	}
	at := src
	if _, ok := g.Location(src); !ok {
		at = steps[0].node
	}
	keep := func(why string) (Report, error) {
		rep.Findings = append(rep.Findings, Finding{Node: at, Message: fmt.Sprintf("kept %s: %s", p.Swap.From, why)})
		return rep, nil
	}
	if why := diffMergeMissing(p.Caps); why != "" {
		return keep(why)
	}
	if p.Read == nil {
		return keep("whether the image works on " + p.Swap.To + " is checked by running it in the build, and nothing runs here")
	}
	// The check and the image read the steps' layers through diffs; the
	// steps get cache records of their own first (fork.go).
	if !fork(steps[0], p.Caps) {
		return keep("the first step's op cannot be given a cache key of its own, which reading its layer without harming other builds on this builder needs (docs/buildkit-diff-chain.md)")
	}
	slim := cloneNode(src)
	slim.Op.GetSource().Identifier = "docker-image://" + p.Swap.To
	g.Add(slim)
	parts := append([]Edge{{Node: slim}}, stepLayers(g, steps, 0, len(steps)-1)...)
	image := addMerge(g, parts, "the stage's layers on "+p.Swap.To)
	made := addDiff(g, start, top, "what the stage's steps made")
	full, slimBase := start, Edge{Node: slim}
	verdict, err := layerCheck(ctx, g, p.Read, at, image, made, checkMounts{full: &full, slim: &slimBase}, "", "check the image on "+p.Swap.To)
	if err != nil {
		return rep, err
	}
	if !strings.HasPrefix(verdict, "ok ") {
		return keep("on " + p.Swap.To + " " + strings.ReplaceAll(strings.TrimSpace(verdict), "\n", "; "))
	}
	term.Inputs[0] = image
	rep.Layers = append(rep.Layers, LayerEdit{Base: &BaseEdit{From: p.Swap.FromHistory, To: p.Swap.ToHistory}})
	rep.Findings = append(rep.Findings, Finding{Node: at, Changed: true, Message: fmt.Sprintf(
		"the image is %s with the stage's own layers on it: its steps ran on %s as written, and every program and library they made finds its shared libraries on %s; the image no longer has what the full image adds (compilers, headers, many tools)",
		p.Swap.To, p.Swap.From, p.Swap.To)})
	return rep, nil
}

// sameImage tells whether a source identifier names ref, whatever digest
// it was resolved to.
func sameImage(identifier, ref string) bool {
	id, _, _ := strings.Cut(strings.TrimPrefix(identifier, "docker-image://"), "@")
	return id == ref
}

// BaseEdit is an image history's change of base image: the base's own
// entries (From, a JSON array as its config holds them) give way to the
// new base's (To).
type BaseEdit struct {
	From, To []byte
}
