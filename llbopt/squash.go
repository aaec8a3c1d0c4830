package llbopt

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/apicaps"

	"github.com/org/optfrontend/internal/netchange"
)

// Squash exports a run of consecutive steps as one layer holding their net
// change when a step of the run deletes, moves or re-owns files an earlier
// step of the run made, so that those files cost nothing in the image.
//
// Every step still runs, and is cached, as the Dockerfile wrote it; only the
// layers of the image change. The run's net change is written onto the
// state before the run by execs of the frontend's own binary (see
// netLayer), so that the layer holds every file of the run's own layers as
// an addition and every deletion by name: nothing is decided by a file's
// time or size. The image is the merge of what came before, that layer,
// and the layers after the run. A
// run never crosses a stage boundary, a step whose state another op uses (a
// stage that copies from it), a COPY --link or a step with no Dockerfile
// line. The frontend rewrites the image's history from Report.Layers so
// that every instruction is still listed.
type Squash struct {
	// All squashes every run of the target stage's steps, wasteful or not,
	// as the BUILDKIT_OPT_SQUASH build arg asks.
	All bool
	// Caps are the builder's LLB capabilities: without diff and merge ops
	// the pass changes nothing and says so.
	Caps *apicaps.CapSet
	// Helper is the reference of the frontend's own image, whose binary
	// writes a run's net change inside the build (package netchange).
	// Empty when unknown (the frontend runs in-process): the pass then
	// changes nothing and says so.
	Helper string
}

// Name implements Pass.
func (Squash) Name() string { return "squash" }

// run is a range of steps, inclusive, exported as one layer.
type run struct {
	first, last int
	why         string
}

// Apply implements Pass.
func (p Squash) Apply(_ context.Context, g *Graph) (Report, error) {
	var rep Report
	term := g.Terminal()
	if term == nil || term.Op.Op != nil || len(term.Inputs) != 1 {
		return rep, nil
	}
	top := term.Inputs[0]
	steps, start := layerChain(g, top)
	users := edgeUsers(g)
	// Each step's script is parsed once, for both the runs and their kind.
	fx := make([]effects, len(steps))
	for i, s := range steps {
		fx[i] = stepEffects(s.node)
	}
	var runs []run
	if p.All {
		runs = stageRuns(steps, users)
	} else {
		runs = p.wasteRuns(g, steps, fx, start, users, &rep)
	}
	if len(runs) == 0 {
		return rep, nil
	}
	if why := diffMergeMissing(p.Caps); why != "" {
		for _, r := range runs {
			rep.Findings = append(rep.Findings, Finding{Node: steps[r.last].node, Message: fmt.Sprintf(
				"did not squash %s: %s", span(steps, r), why)})
		}
		return rep, nil
	}
	helper, why := HelperImage(p.Helper)
	if why != "" {
		for _, r := range runs {
			rep.Findings = append(rep.Findings, Finding{Node: steps[r.last].node, Message: fmt.Sprintf(
				"did not squash %s: %s; the layers are as the Dockerfile makes them", span(steps, r), why)})
		}
		return rep, nil
	}
	// The helper reads each run's layers through diffs of its steps; the
	// steps get cache records of their own first (fork.go).
	kept := runs[:0]
	for _, r := range runs {
		if fork(steps[r.first], p.Caps) {
			kept = append(kept, r)
			continue
		}
		rep.Findings = append(rep.Findings, Finding{Node: steps[r.last].node, Message: fmt.Sprintf(
			"did not squash %s: the first step's op cannot be given a cache key of its own, which reading its layer without harming other builds on this builder needs (docs/buildkit-diff-chain.md); the layers are as the Dockerfile makes them", span(steps, r))})
	}
	if runs = kept; len(runs) == 0 {
		return rep, nil
	}
	img, err := p.rewrite(g, steps, runs, top, helper)
	if err != nil {
		return rep, err
	}
	term.Inputs[0] = img
	for _, r := range runs {
		rep.Layers = append(rep.Layers, LayerEdit{Kinds: kindsFrom(steps, r.first), Merged: r.last - r.first + 1, Lines: span(steps, r)})
		rep.Findings = append(rep.Findings, Finding{Node: steps[r.last].node, Changed: true, Message: fmt.Sprintf(
			"exported %s (%d layers) as one layer of their net change: %s", span(steps, r), r.last-r.first+1, r.why)})
	}
	return rep, nil
}

// wasteRuns finds, for each step that removes or alters files, the earliest
// step of its segment that may have made them.
func (p Squash) wasteRuns(g *Graph, steps []step, fx []effects, start Edge, users map[Edge]int, rep *Report) []run {
	link := ""
	if start.Node != nil && start.Node.Op.GetMerge() != nil {
		if loc, ok := g.Location(start.Node); ok {
			link = fmt.Sprintf("the COPY --link at line %d keeps the layers before it whole", loc.Start)
		}
	}
	var runs []run
	for k := range steps {
		if len(fx[k].removes) == 0 || steps[k].stage < 0 {
			continue
		}
		var made []int // the steps of k's segment that may have made what it alters, last first
		blocked := link
		for j := k - 1; j >= 0; j-- {
			if why := boundary(steps, j, users); why != "" {
				blocked = ""
				if len(made) == 0 && mayTouch(fx[:j+1], fx[k].removes) {
					blocked = why
				}
				break
			}
			if anyOverlap(fx[j].writes, fx[k].removes) {
				made = append(made, j)
			}
		}
		// The run starts at the earliest of them, but not at a copy of the
		// user's files: those change with every edit, so the run and its
		// helpers would run again on every source change, and what
		// squashing saves there is at most the copy's own size, which
		// COPY --chown/--chmod saves at no cost. Nor at a step that only
		// makes directories (WORKDIR): it leaves nothing to waste.
		first := -1
		var copies []int
		for _, j := range slices.Backward(made) {
			switch n := steps[j].node; {
			case copiesLocal(n):
				copies = append(copies, steps[j].loc.Start)
				continue
			case makesOnlyDirs(n):
				continue
			}
			first = j
			break
		}
		if len(copies) > 0 {
			rep.Findings = append(rep.Findings, Finding{Node: steps[k].node, Message: fmt.Sprintf(
				"left the copy at line %s its own layer: `%s` alters files it copied from the build context, which change with every edit, so squashing them would rewrite the whole copy on every source change; COPY --chown or --chmod makes them right in one layer",
				joinLines(copies), strings.Join(fx[k].removers, "`, `"))})
		}
		switch {
		case first >= 0:
			runs = append(runs, run{first: first, last: k, why: fmt.Sprintf("`%s` alters files the steps before it made", strings.Join(fx[k].removers, "`, `"))})
		case blocked != "":
			rep.Findings = append(rep.Findings, Finding{Node: steps[k].node, Message: fmt.Sprintf(
				"left the layers as they are: `%s` may alter files an earlier step made, but %s", strings.Join(fx[k].removers, "`, `"), blocked)})
		}
	}
	return mergeRuns(runs)
}

// joinLines lists line numbers: "4", "4 and 6", "4, 6 and 9".
func joinLines(lines []int) string {
	var parts []string
	for _, l := range lines {
		parts = append(parts, strconv.Itoa(l))
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// stageRuns is every segment of the target stage's steps, for BUILDKIT_OPT_SQUASH.
func stageRuns(steps []step, users map[Edge]int) []run {
	if len(steps) == 0 || steps[len(steps)-1].stage < 0 {
		return nil
	}
	target := steps[len(steps)-1].stage
	var runs []run
	last := len(steps) - 1
	for k := len(steps) - 2; k >= -1; k-- {
		if k >= 0 && steps[k].stage == target && boundary(steps, k, users) == "" {
			continue
		}
		if last-(k+1) >= 1 {
			runs = append([]run{{first: k + 1, last: last, why: "BUILDKIT_OPT_SQUASH asks for one layer per run of steps"}}, runs...)
		}
		if k < 0 || steps[k].stage != target {
			break
		}
		last = k
	}
	return runs
}

func mayTouch(fx []effects, removes []string) bool {
	for _, f := range fx {
		if anyOverlap(f.writes, removes) {
			return true
		}
	}
	return false
}

func anyOverlap(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if overlaps(x, y) {
				return true
			}
		}
	}
	return false
}

// mergeRuns joins runs that share a step; runs come ordered by last step.
func mergeRuns(runs []run) []run {
	var out []run
	for _, r := range runs {
		for len(out) > 0 && r.first <= out[len(out)-1].last {
			prev := out[len(out)-1]
			out = out[:len(out)-1]
			r.first = min(r.first, prev.first)
			r.why = prev.why + "; " + r.why
		}
		out = append(out, r)
	}
	return out
}

// span is the Dockerfile lines a run covers.
func span(steps []step, r run) Location {
	a, b := steps[r.first].loc, steps[r.last].loc
	return Location{File: a.File, Start: a.Start, End: max(b.End, b.Start)}
}

// rewrite returns the image with each run's layers replaced by its net
// change: the merge of the state before the run and that layer, on which
// the steps after the run then work in place of the run's last state. The
// states are equal file for file (the net change is the run's change), so
// those steps do what they did; their layers are their own ops' layers.
//
// The steps after a run are rebased rather than laid on as diffs of their
// stock states because BuildKit v0.34.2 gives an exported diff of one
// step's layer the chain of that step's whole image
// (docs/buildkit-diff-chain.md): a later pull of the stock image on the
// same builder could then come back as one layer. After the rebase the
// only diff the image exports is each net change's, over a helper's state
// that no other image has.
func (p Squash) rewrite(g *Graph, steps []step, runs []run, top Edge, helper string) (Edge, error) {
	img := addImage(g, helper, "the frontend image, for its squash helper")
	for _, r := range runs {
		lower := steps[r.first].prev
		state := netLayer(g, steps, r, img)
		if lower.Node != nil {
			state = addMerge(g, []Edge{lower, state}, fmt.Sprintf("squash %s: the state before the run and its net change", span(steps, r)))
		}
		if r.last == len(steps)-1 {
			return state, nil
		}
		next := &steps[r.last+1]
		if !setRootInput(next.out, state) {
			// layerChain found next by rootInput, which setRootInput
			// follows, so this does not happen; if it did, the build falls
			// back to the graph as the Dockerfile made it.
			return Edge{}, fmt.Errorf("squash: cannot rebase the step at %s on the squashed state", next.loc)
		}
		next.prev = state
	}
	return top, nil
}

// netLayer returns the net change of run r as one layer over the state
// before it.
//
// A layer is what BuildKit's overlayfs differ finds in a step's upperdir,
// each entry compared with the state below it (util/overlay Changes): an
// entry whose type, mode, owner, size and mtime equal the lower's is left
// out, content unread. The run's own layers, merged (the last writer wins,
// a later whiteout hides an earlier file), are therefore what stock's
// layers give for the run; the net layer must carry exactly those files,
// plus a whiteout for each entry of the state before the run that the run
// deleted, found by name in the directories the run's layers hold (a
// deletion copies its parent directory up). Two execs of the frontend's
// binary (netchange) build it, with nothing compared by time or size: the
// first removes from the state before the run every non-directory the run
// wrote, so that each becomes an addition, which the differ takes whole;
// the second, on that state, deletes what the run deleted and copies the
// run's files in. The layer is the second exec's upperdir, taken by a diff
// over the first's result. No step runs twice and nothing walks the whole
// filesystem.
func netLayer(g *Graph, steps []step, r run, helper Edge) Edge {
	lower, after := steps[r.first].prev, steps[r.last].out
	lines := span(steps, r)
	layers := addMerge(g, stepLayers(g, steps, r.first, r.last), fmt.Sprintf("squash %s: the run's layers", lines))
	cleared := lower
	if lower.Node != nil {
		cleared = addHelper(g, helper, netchange.Clear, lower, layers, Edge{}, fmt.Sprintf("squash %s: clear what the run rewrote", lines))
	}
	out := addHelper(g, helper, netchange.Write, cleared, layers, after, fmt.Sprintf("squash %s: write the net change", lines))
	// With --no-cache the steps run again; so do the helpers, or their
	// results (keyed by the content of their read-only mounts) would come
	// from an earlier build.
	if md := steps[r.last].node.Metadata; md != nil && md.IgnoreCache {
		out.Node.Metadata.IgnoreCache = true
		if cleared.Node != lower.Node {
			cleared.Node.Metadata.IgnoreCache = true
		}
	}
	if src := steps[r.first].node.Locations; len(src) > 0 {
		out.Node.Locations = []*pb.Location{{SourceIndex: src[0].SourceIndex, Ranges: []*pb.Range{{
			Start: &pb.Position{Line: int32(lines.Start)}, End: &pb.Position{Line: int32(lines.End)}}}}}
	}
	if lower.Node == nil {
		return out // a layer over scratch is the whole of it
	}
	return addDiff(g, cleared, out, fmt.Sprintf("squash %s: the net change", lines))
}
