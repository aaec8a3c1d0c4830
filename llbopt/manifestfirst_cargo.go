package llbopt

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/moby/buildkit/solver/pb"

	"github.com/org/optfrontend/llbopt/manifest"
	"github.com/org/optfrontend/llbopt/pkgcache"
)

// This file is manifestfirst's cargo build: the same idea as an install
// run on its manifests, but a build compiles the project itself, so the
// step runs twice. Once on Cargo.toml, Cargo.lock and a stub of each
// target, which compiles every dependency; then, after the stubs and the
// package's own fingerprints and artifacts from that run are removed (cargo would
// otherwise take the stubs' binaries for fresh whenever the source's
// files are older than that run), on the whole source laid over it, where
// only the package compiles. Safety condition: the package is one crate
// with no build script, no path dependency, no workspace, no [[example]],
// [[test]] or [[bench]], a Cargo.lock, no .cargo/ configuration and no
// target/ in the context; the step runs `cargo build` alone with options
// that name no file, and nothing redirects cargo's directories; and the
// step's stage is not the image (its layers would change), only read by
// later stages or steps. Dependencies compile the same way in both runs:
// same manifests, lock, toolchain, environment and cache mounts.

// recognizeCargo returns the step's cargo build, or why it cannot be
// split; ok is false when the step runs no cargo build.
func recognizeCargo(cmds []pkgcache.Command, dest string) (b manifest.CargoBuild, ok bool, why string) {
	other := ""
	for _, c := range cmds {
		cb, isBuild, err := manifest.RecognizeCargoBuild(c)
		switch {
		case isBuild && ok:
			return b, true, fmt.Sprintf("`%s` is a second cargo build in the step", c.Text)
		case isBuild && err != nil:
			return b, true, err.Error()
		case isBuild:
			if c.Cwd == "" || path.Clean(c.Cwd) != dest {
				return b, true, fmt.Sprintf("`%s` runs in %s, not in %s where the source is copied", c.Text, orUnknown(c.Cwd), dest)
			}
			b, ok = cb, true
		case other == "" && !harmless(c, dest):
			other = fmt.Sprintf("`%s` runs beside the build, and would run on the stubs too", c.Text)
		}
	}
	return b, ok, other
}

// imageStep tells whether n makes a layer of the image the build exports:
// its stage is the image, whose layers the rewrite would change. An
// image the pass cannot follow counts as holding it.
func imageStep(g *Graph, n *Node) bool {
	term := g.Terminal()
	if term == nil || term.Op.Op != nil || len(term.Inputs) != 1 {
		return true
	}
	steps, _ := layerChain(g, term.Inputs[0])
	return slices.ContainsFunc(steps, func(s step) bool { return s.node == n })
}

// cargoPlan lists the package in the build context and asks the manifest
// package for the files, stubs and removals.
func (p ManifestFirst) cargoPlan(ctx context.Context, g *Graph, cp *sourceCopy, b manifest.CargoBuild, meta *pb.Meta) (*manifest.CargoPlan, string) {
	def, top, leftOut, why := p.listSource(ctx, g, cp, meta)
	if why != "" {
		return nil, why
	}
	if !slices.Contains(top, "Cargo.toml") {
		return nil, "the context has no Cargo.toml where the source is copied"
	}
	// A directory absent from the context lists as nothing.
	list := func(dir string) []string {
		names, err := p.List(ctx, def, path.Join(cp.src, dir))
		if err != nil {
			return nil
		}
		return slices.DeleteFunc(names, func(n string) bool { return leftOut(path.Join(dir, n)) })
	}
	tree := manifest.CargoTree{Top: top, SrcBinDirs: map[string][]string{}}
	if slices.Contains(top, "src") {
		tree.Src = list("src")
		if slices.Contains(tree.Src, "bin") {
			tree.SrcBin = list("src/bin")
			for _, name := range tree.SrcBin {
				if strings.HasSuffix(name, ".rs") {
					continue
				}
				if names, err := p.List(ctx, def, path.Join(cp.src, "src/bin", name)); err == nil {
					tree.SrcBinDirs[name] = names
				}
			}
		}
	}
	toml, err := p.Read(ctx, def, path.Join(cp.src, "Cargo.toml"))
	if err != nil {
		return nil, fmt.Sprintf("Cargo.toml cannot be read from the build context: %v", err)
	}
	plan, err := b.Plan(toml, tree)
	if err != nil {
		return nil, err.Error()
	}
	for _, f := range plan.Files {
		if leftOut(f) {
			return nil, fmt.Sprintf("the copy of the source leaves out %s (--exclude), which cargo reads", f)
		}
	}
	read := map[string][]byte{"Cargo.toml": toml}
	for _, f := range plan.Files {
		if read[f] != nil {
			continue
		}
		dt, err := p.Read(ctx, def, path.Join(cp.src, f))
		if err != nil {
			return nil, fmt.Sprintf("%s cannot be read from the build context: %v", f, err)
		}
		read[f] = dt
	}
	if why := p.copyHolds(ctx, g, cp, plan.Files, read); why != "" {
		return nil, why
	}
	return plan, ""
}

// cargoRewrite runs the step first on a copy of the manifests and the
// stubs, removes what that run made of the package, lays the copy of the
// whole source on the result and runs the step there. Every user of the
// step's result keeps taking the step's output: only its input changed.
func (p ManifestFirst) cargoRewrite(g *Graph, n *Node, root *pb.Mount, cp *sourceCopy, plan *manifest.CargoPlan) {
	manifests := manifestCopy(g, cp, plan.Files)

	// The stubs, on the manifests: parents made as the copy makes them
	// (root's, 0755), each stub a file of its own.
	var dirs []string
	for _, s := range plan.Stubs {
		for d := path.Dir(s.Path); d != "." && !slices.Contains(dirs, d); d = path.Dir(d) {
			dirs = append(dirs, d)
		}
	}
	slices.Sort(dirs) // parents first
	var mk []*pb.FileAction
	for _, d := range dirs {
		mk = append(mk, &pb.FileAction{Action: &pb.FileAction_Mkdir{Mkdir: &pb.FileActionMkDir{
			Path: path.Join(cp.dest, d), Mode: 0o755, MakeParents: true, Timestamp: -1}}})
	}
	for _, s := range plan.Stubs {
		mk = append(mk, &pb.FileAction{Action: &pb.FileAction_Mkfile{Mkfile: &pb.FileActionMkFile{
			Path: path.Join(cp.dest, s.Path), Mode: 0o644, Data: []byte(s.Content), Timestamp: -1}}})
	}
	stubNode := addFileChain(g, Edge{Node: manifests}, manifests.Op.Platform,
		"stubs of the package's targets ("+stubNames(plan)+")", mk, pb.CapFileBase)

	// The step on the stubs: the same op, on another root.
	pre := cloneNode(n)
	pre.Inputs[root.Input] = Edge{Node: stubNode}
	if pre.Metadata != nil && pre.Metadata.Description != nil {
		if name, ok := pre.Metadata.Description["llb.customname"]; ok {
			pre.Metadata.Description["llb.customname"] = name + " (the dependencies, on stubs)"
		}
	}
	g.Add(pre)

	var rm []*pb.FileAction
	for _, pat := range plan.Remove {
		rm = append(rm, &pb.FileAction{Action: &pb.FileAction_Rm{Rm: &pb.FileActionRm{
			Path: path.Join(cp.dest, pat), AllowNotFound: true, AllowWildcard: true}}})
	}
	// The stubs and the directories made for them go too, so that the copy
	// of the source makes src/ as stock's copy does (its owner, mode and
	// times, a --chown or --chmod of the copy), not over ours.
	var roots []string
	for _, s := range plan.Stubs {
		if r, _, _ := strings.Cut(s.Path, "/"); !slices.Contains(roots, r) {
			roots = append(roots, r)
		}
	}
	for _, r := range roots {
		rm = append(rm, &pb.FileAction{Action: &pb.FileAction_Rm{Rm: &pb.FileActionRm{
			Path: path.Join(cp.dest, r), AllowNotFound: true}}})
	}
	rmNode := addFileChain(g, Edge{Node: pre, Index: root.Output}, manifests.Op.Platform,
		"remove the stubs and what they built of the package itself", rm, pb.CapFileBase, pb.CapFileRmWildcard)

	full := cloneNode(cp.node)
	fa := full.Op.GetFile().Actions[0]
	full.Inputs[fa.Input] = Edge{Node: rmNode}
	g.Add(full)
	n.Inputs[root.Input] = Edge{Node: full}
}

// stubNames lists the stubs' paths for a step name.
func stubNames(plan *manifest.CargoPlan) string {
	var names []string
	for _, s := range plan.Stubs {
		names = append(names, s.Path)
	}
	return strings.Join(names, ", ")
}

// applyCargo rewrites a step that runs a cargo build after the copy of the
// whole source, or says why not.
func (p ManifestFirst) applyCargo(ctx context.Context, g *Graph, n *Node, root *pb.Mount, cp *sourceCopy, b manifest.CargoBuild, why string, meta *pb.Meta) Finding {
	exec := n.Op.GetExec()
	if why == "" {
		why = p.missing(n, exec)
	}
	if why == "" && p.Caps != nil && p.Caps.Supports(pb.CapFileRmWildcard) != nil {
		why = fmt.Sprintf("the builder lacks %s", pb.CapFileRmWildcard)
	}
	if why == "" && imageStep(g, n) {
		why = "its stage is the image, whose layers this would change (a later stage that copies the build's output is what this pass rewrites)"
	}
	var plan *manifest.CargoPlan
	if why == "" {
		plan, why = p.cargoPlan(ctx, g, cp, b, meta)
	}
	if why != "" {
		return Finding{Node: n, Message: "kept the build after the copy of the whole source: " + why}
	}
	p.cargoRewrite(g, n, root, cp, plan)
	return Finding{Node: n, Changed: true, Message: fmt.Sprintf(
		"builds the dependencies first, on %s and stubs of the package's targets (%s), copied before the rest of the source: a change to any other file reuses them, and only the package compiles again",
		strings.Join(plan.Files, ", "), stubNames(plan))}
}
