package llbopt

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/apicaps"
	"github.com/moby/patternmatcher"
	"google.golang.org/protobuf/proto"

	"github.com/org/optfrontend/llbopt/manifest"
	"github.com/org/optfrontend/llbopt/pkgcache"
)

// ManifestFirst runs a dependency install that follows a copy of the
// whole source (COPY . . then RUN pip install -r requirements.txt, npm ci,
// go mod download) on a copy of its manifests alone, so that a change to
// any other file of the source reuses the installed layer.
//
// The image keeps the stock layers: the copy of the source, then the
// install's layer, which is now the install's change over the manifests
// laid on that copy. The two agree with stock only where the install reads
// nothing but its manifests and touches nothing of the source but what it
// writes itself, so the pass proves that first: every command of the step
// is an install package manifest knows (or a removal outside the project),
// every manifest it reads is read from the context and names nothing of
// the project (an editable install, a file: dependency, an install script,
// a workspace, a local replace), and nothing else in the context changes
// what the install does (an installed node_modules npm install would
// update). npm ci replaces node_modules, so the later copy leaves out one
// the context carries. Anything else is refused with its reason.
type ManifestFirst struct {
	// Read and List read the build context, which the build transfers
	// anyway: the manifests and the names at its top. Without them the
	// pass refuses, since it cannot prove anything.
	Read FileReader
	List DirReader
	// Caps are the builder's LLB capabilities: diff and merge ops, and copy
	// include patterns.
	Caps *apicaps.CapSet
}

// Name implements Pass.
func (ManifestFirst) Name() string { return "manifestfirst" }

// sourceCopy is a copy of the whole build context right before a step.
type sourceCopy struct {
	node   *Node
	src    string // the copied directory of the context: "/"
	dest   string // where its contents land
	ctx    Edge   // the context's local source
	before Edge   // the state the copy writes on
}

// Apply implements Pass.
func (p ManifestFirst) Apply(ctx context.Context, g *Graph) (Report, error) {
	var rep Report
	for _, n := range g.Nodes() {
		exec := n.Op.GetExec()
		if exec == nil || exec.Meta == nil {
			continue
		}
		root, cp := wholeSourceCopy(n)
		if cp == nil {
			continue
		}
		cmds, err := pkgcache.Commands(execOf(exec))
		if err != nil {
			continue
		}
		// The install sees the variables the script sets too
		// (PIP_CONSTRAINT=constraints.txt pip install ..., export
		// npm_config_userconfig=...): envReads asks them all.
		meta, envWhy := scriptEnv(exec.Meta, cmds)
		if build, ok, why := recognizeCargo(cmds, cp.dest); ok {
			if why == "" {
				why = envWhy
			}
			rep.Findings = append(rep.Findings, p.applyCargo(ctx, g, n, root, cp, build, why, meta))
			continue
		}
		installs, why := recognizeInstalls(cmds, cp.dest)
		if len(installs) == 0 && why == "" {
			continue // not a dependency install
		}
		if why == "" {
			why = envWhy
		}
		if why == "" {
			why = p.missing(n, exec)
		}
		var plan *manifestPlan
		if why == "" {
			plan, why = p.plan(ctx, g, cp, installs, meta)
		}
		if why != "" {
			rep.Findings = append(rep.Findings, Finding{Node: n, Message: "kept the install after the copy of the whole source: " + why})
			continue
		}
		p.rewrite(g, n, root, cp, plan)
		msg := fmt.Sprintf("installs from %s alone, copied before the rest of the source: a change to any other file reuses this step", strings.Join(plan.files, ", "))
		if len(plan.files) == 0 {
			msg = "runs before the copy of the source, of which it reads no file: a change to the source reuses this step"
		}
		if len(plan.exclude) > 0 {
			msg += fmt.Sprintf("; the copy of the source leaves out %s, which the install makes anew", strings.Join(plan.exclude, ", "))
		}
		rep.Findings = append(rep.Findings, Finding{Node: n, Changed: true, Message: msg})
	}
	return rep, nil
}

// scriptEnv is the step's metadata with the variables its script's
// commands run with added to its environment, for envReads; why is set
// when the script gives a variable a value it computes, which may name a
// file of the source.
func scriptEnv(meta *pb.Meta, cmds []pkgcache.Command) (*pb.Meta, string) {
	out := proto.Clone(meta).(*pb.Meta)
	// The walk gives every command the HOME it runs with; only one the
	// script sets itself is news.
	home := "HOME=/root"
	if v, ok := envValue(meta.Env, "HOME"); ok {
		home = "HOME=" + v
	}
	for _, c := range cmds {
		if c.EnvUnknown > 0 && !c.Runs {
			return out, fmt.Sprintf("`%s` runs with a variable whose value the script computes, which may name a file of the source", c.Text)
		}
		for _, kv := range c.Env {
			if kv != home && !slices.Contains(out.Env, kv) {
				out.Env = append(out.Env, kv)
			}
		}
	}
	return out, ""
}

// wholeSourceCopy returns the exec's root mount and the copy it runs on,
// when that copy brings the whole build context (COPY . .) and nothing
// else; nil otherwise.
func wholeSourceCopy(n *Node) (*pb.Mount, *sourceCopy) {
	exec := n.Op.GetExec()
	var root *pb.Mount
	for _, m := range exec.Mounts {
		if m.Dest == pb.RootMount {
			root = m
		}
	}
	if root == nil || root.MountType != pb.MountType_BIND || root.Readonly || root.Input < 0 || int(root.Input) >= len(n.Inputs) || root.Output < 0 {
		return nil, nil
	}
	in := n.Inputs[root.Input]
	file := in.Node.Op.GetFile()
	if file == nil || len(file.Actions) != 1 || in.Index != 0 {
		return nil, nil
	}
	a := file.Actions[0]
	c := a.GetCopy()
	if c == nil || a.Input < 0 || int(a.Input) >= len(in.Node.Inputs) || a.SecondaryInput < 0 || int(a.SecondaryInput) >= len(in.Node.Inputs) {
		return nil, nil
	}
	src := in.Node.Inputs[a.SecondaryInput]
	if s := src.Node.Op.GetSource(); s == nil || s.Identifier != mainContext {
		return nil, nil
	}
	// Only the whole context: a narrower source may be a file, or a
	// directory whose manifests' paths the install resolves elsewhere.
	if !c.DirCopyContents || len(c.IncludePatterns) > 0 || path.Clean("/"+c.Src) != "/" || c.AttemptUnpackDockerCompatibility {
		return nil, nil
	}
	return root, &sourceCopy{node: in.Node, src: path.Clean("/" + c.Src), dest: path.Clean("/" + c.Dest), ctx: src, before: in.Node.Inputs[a.Input]}
}

// recognizeInstalls returns the installs of a step's commands, or why the
// step may read more than their manifests. Both are empty for a step that
// installs nothing.
func recognizeInstalls(cmds []pkgcache.Command, dest string) ([]manifest.Install, string) {
	var installs []manifest.Install
	other := ""
	for _, c := range cmds {
		inst, ok, err := manifest.Recognize(c)
		switch {
		case err != nil:
			return nil, err.Error()
		case ok:
			if c.Cwd == "" || path.Clean(c.Cwd) != dest {
				return nil, fmt.Sprintf("`%s` runs in %s, not in %s where the source is copied", c.Text, orUnknown(c.Cwd), dest)
			}
			installs = append(installs, inst)
		case other == "" && !harmless(c, dest):
			other = fmt.Sprintf("`%s` is not a dependency install, and may read any file of the source", c.Text)
		}
	}
	if len(installs) == 0 {
		return nil, ""
	}
	return installs, other
}

func orUnknown(s string) string {
	if s == "" {
		return "a directory the script changes to"
	}
	return s
}

// harmless tells whether a command beside an install reads nothing of the
// source: the shell that runs the script, and removals (of a cache) that
// stay outside the directory the source is copied to.
func harmless(c pkgcache.Command, dest string) bool {
	switch c.Name {
	case "sh", "bash", "dash", "ash":
		return keepsFiles(c)
	case "rm":
		ops := operandsOf(c)
		for _, o := range ops {
			if !o.known || !path.IsAbs(o.val) || overlaps(path.Clean(o.val), dest) {
				return false
			}
		}
		return len(ops) > 0
	}
	return false
}

// missing says why the pass cannot rewrite this step, whatever it
// installs: the builder, the readers, or another input of the step.
func (p ManifestFirst) missing(n *Node, exec *pb.ExecOp) string {
	if why := diffMergeMissing(p.Caps); why != "" {
		return why
	}
	if err := p.Caps.Supports(pb.CapFileCopyIncludeExcludePatterns); err != nil {
		return fmt.Sprintf("the builder lacks %s (%v)", pb.CapFileCopyIncludeExcludePatterns, err)
	}
	if p.Read == nil || p.List == nil {
		return "the build context cannot be read here, so the manifests cannot be checked"
	}
	for _, m := range exec.Mounts {
		if m.Dest != pb.RootMount && m.MountType == pb.MountType_BIND && m.Input >= 0 {
			return fmt.Sprintf("the step also mounts %s, which may hold the source", m.Dest)
		}
	}
	return ""
}

// manifestPlan is what the rewrite needs: the context paths of the
// manifests, relative to the copied directory, and what the later copy
// must leave out.
type manifestPlan struct {
	files   []string
	exclude []string
}

// plan reads the manifests the installs name from the context and checks
// each, following the files they name in turn.
func (p ManifestFirst) plan(ctx context.Context, g *Graph, cp *sourceCopy, installs []manifest.Install, meta *pb.Meta) (*manifestPlan, string) {
	def, names, leftOut, why := p.listSource(ctx, g, cp, meta)
	if why != "" {
		return nil, why
	}
	plan := &manifestPlan{}
	read := map[string][]byte{}
	for _, inst := range installs {
		for _, a := range inst.MustBeAbsent {
			if slices.Contains(names, a) {
				return nil, fmt.Sprintf("the context has %s, which %s would read as well", a, inst.Tool)
			}
		}
		for _, r := range inst.Replaces {
			if c := cp.node.Op.GetFile().Actions[0].GetCopy(); slices.Contains(names, r) && (c.Owner != nil || c.Mode >= 0 || c.ModeStr != "") {
				// npm ci empties node_modules but keeps the directory the
				// copy made, with the copy's owner and mode; left out of
				// the copy, it would be made anew as the install's user.
				return nil, fmt.Sprintf("the context has %s, which %s keeps as the copy makes it (--chown, --chmod), and this pass would leave out of the copy", r, inst.Tool)
			}
			if slices.Contains(names, r) && !slices.Contains(plan.exclude, r) {
				plan.exclude = append(plan.exclude, r)
			}
		}
		queue := slices.Clone(inst.Manifests)
		for _, f := range inst.IfPresent {
			if slices.Contains(names, f) {
				queue = append(queue, f)
			}
		}
		for len(queue) > 0 {
			f := queue[0]
			queue = queue[1:]
			if slices.Contains(plan.files, f) {
				continue
			}
			if leftOut(f) {
				return nil, fmt.Sprintf("the copy of the source leaves out %s (--exclude), which %s reads", f, inst.Tool)
			}
			if isVCSOrCache(f) {
				return nil, fmt.Sprintf("%s lies where the context filter keeps files out", f)
			}
			dt, err := p.Read(ctx, def, path.Join(cp.src, f))
			if err != nil {
				return nil, fmt.Sprintf("%s cannot be read from the build context: %v", f, err)
			}
			more, err := inst.Inspect(f, dt)
			if err != nil {
				return nil, err.Error()
			}
			plan.files = append(plan.files, f)
			read[f] = dt
			queue = append(queue, more...)
		}
	}
	slices.Sort(plan.files)
	slices.Sort(plan.exclude)
	if why := p.copyHolds(ctx, g, cp, plan.files, read); why != "" {
		return nil, why
	}
	return plan, ""
}

// listSource lists the top of the copied directory of the context, less
// what the copy leaves out, and says why the step cannot be rewritten when
// the context cannot be read or a variable of the step names a file the
// copy brings. def is the context's definition, for further reads.
func (p ManifestFirst) listSource(ctx context.Context, g *Graph, cp *sourceCopy, meta *pb.Meta) (def *pb.Definition, names []string, leftOut func(string) bool, why string) {
	def, err := g.Definition(cp.ctx)
	if err != nil {
		return nil, nil, nil, fmt.Sprintf("the build context cannot be read: %v", err)
	}
	names, err = p.List(ctx, def, cp.src)
	if err != nil {
		return nil, nil, nil, fmt.Sprintf("the build context cannot be listed: %v", err)
	}
	leftOut, err = copyLeavesOut(cp)
	if err != nil {
		return nil, nil, nil, err.Error()
	}
	names = slices.DeleteFunc(names, leftOut)
	if why := envReads(meta, cp.dest, names); why != "" {
		return nil, nil, nil, why
	}
	return def, names, leftOut, ""
}

// manifestCopy is a copy of the named files of the source alone, as the
// copy of the whole source makes it, named after them.
func manifestCopy(g *Graph, cp *sourceCopy, files []string) *Node {
	manifests := cloneNode(cp.node)
	mc := manifests.Op.GetFile().Actions[0].GetCopy()
	mc.IncludePatterns = slices.Clone(files)
	addCaps(manifests, string(pb.CapFileCopyIncludeExcludePatterns))
	if manifests.Metadata != nil && manifests.Metadata.Description != nil {
		if name, ok := manifests.Metadata.Description["llb.customname"]; ok {
			manifests.Metadata.Description["llb.customname"] = name + " (" + strings.Join(files, ", ") + " first)"
		}
	}
	g.Add(manifests)
	return manifests
}

// copyHolds reads back each manifest from a copy of the manifests alone,
// as the rewrite makes it, and says why one is not what the install reads
// from the whole source: a symbolic link to a file the copy leaves out
// dangles there, or reads another file.
func (p ManifestFirst) copyHolds(ctx context.Context, g *Graph, cp *sourceCopy, files []string, want map[string][]byte) string {
	if len(files) == 0 {
		return ""
	}
	probe := cloneNode(cp.node)
	probe.Inputs = []Edge{cp.ctx}
	a := probe.Op.GetFile().Actions[0]
	a.Input, a.SecondaryInput = -1, 0
	c := a.GetCopy()
	c.IncludePatterns = slices.Clone(files)
	// Only the content is compared. An owner given by name is looked up
	// in the destination's /etc/passwd, which the probe, copying onto
	// nothing, does not have: the copy would fail and the step be kept
	// for no reason (`COPY --chown=node:node . .`).
	c.Owner, c.Mode, c.ModeStr = nil, -1, ""
	def, err := g.Definition(Edge{Node: probe})
	if err != nil {
		return fmt.Sprintf("the copy of the manifests cannot be read back: %v", err)
	}
	for _, f := range files {
		dt, err := p.Read(ctx, def, path.Join(cp.dest, f))
		if err != nil {
			return fmt.Sprintf("%s is not the same file in a copy of the manifests alone (reading it there: %v; a symbolic link to a file of the source?), so the install would not read what it reads now", f, err)
		}
		if !bytes.Equal(dt, want[f]) {
			return fmt.Sprintf("%s is not the same file in a copy of the manifests alone (a symbolic link to a file of the source?), so the install would not read what it reads now", f)
		}
	}
	return ""
}

// copyLeavesOut returns whether the copy of the source leaves a path
// (relative to the copied directory) out, by its --exclude patterns: the
// install does not read such a file with stock either.
func copyLeavesOut(cp *sourceCopy) (func(string) bool, error) {
	c := cp.node.Op.GetFile().Actions[0].GetCopy()
	if len(c.ExcludePatterns) == 0 {
		return func(string) bool { return false }, nil
	}
	pm, err := patternmatcher.New(c.ExcludePatterns)
	if err != nil {
		return nil, fmt.Errorf("the copy's --exclude patterns cannot be read: %w", err)
	}
	return func(f string) bool {
		out, err := pm.MatchesOrParentMatches(f)
		return err != nil || out
	}, nil
}

// isVCSOrCache tells whether a manifest lies in a directory a context
// filter may leave out, where the copy would not find it.
func isVCSOrCache(f string) bool {
	for _, part := range strings.Split(f, "/") {
		if part == ".git" || part == ".venv" || part == "__pycache__" {
			return true
		}
	}
	return false
}

// rewrite runs the exec on a copy of the manifests and puts its layer on
// the copy of the whole source: Merge(copy, Diff(manifests, install)).
// Every user of the exec's result takes the merge instead.
func (p ManifestFirst) rewrite(g *Graph, n *Node, root *pb.Mount, cp *sourceCopy, plan *manifestPlan) {
	full := cp.node
	if len(plan.exclude) > 0 {
		full = cloneNode(cp.node)
		fa := full.Op.GetFile().Actions[0].GetCopy()
		fa.ExcludePatterns = append(fa.ExcludePatterns, plan.exclude...)
		addCaps(full, string(pb.CapFileCopyIncludeExcludePatterns))
		g.Add(full)
	}
	// An install that reads no manifest runs on the state before the copy.
	base := cp.before
	if len(plan.files) > 0 {
		base = Edge{Node: manifestCopy(g, cp, plan.files)}
	}

	out := Edge{Node: n, Index: root.Output}
	n.Inputs[root.Input] = base
	layer := addDiff(g, base, out, "the install's layer over its manifests")
	merged := addMerge(g, []Edge{{Node: full}, layer}, "the install's layer on the whole source")
	for _, u := range g.Nodes() {
		if u == layer.Node {
			continue
		}
		for i, e := range u.Inputs {
			if e == out {
				u.Inputs[i] = merged
			}
		}
	}
}
