package llbopt

import (
	"context"
	"fmt"
	"path"

	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/apicaps"

	"github.com/org/optfrontend/llbopt/pkgcache"
)

// NoDevDeps gives the stage that ships production dependencies only where it
// copies a tree from a build stage whose node_modules npm installed with
// the dev dependencies (npm ci or npm install, as a build needs them): the
// copy reads the build stage's result after `npm prune --omit=dev`, run
// without network in the installer's directory, as its user. It changes
// what the image holds, so it never runs by default: the
// BUILDKIT_OPT_FIX=nodevdeps build arg asks for it, and the report names
// every copy it changed.
type NoDevDeps struct{}

// Name implements Pass.
func (NoDevDeps) Name() string { return "nodevdeps" }

// Apply implements Pass.
func (NoDevDeps) Apply(_ context.Context, g *Graph) (Report, error) {
	var rep Report
	term := g.Terminal()
	if term == nil || term.Op.Op != nil || len(term.Inputs) != 1 {
		return rep, nil
	}
	steps, _ := layerChain(g, term.Inputs[0])
	for _, s := range steps {
		file := s.node.Op.GetFile()
		if file == nil {
			continue
		}
		for _, a := range file.Actions {
			cp := a.GetCopy()
			in := int(a.SecondaryInput)
			if cp == nil || in < 0 || in >= len(s.node.Inputs) || !builtByRun(g, s.node, a) {
				continue
			}
			src := s.node.Inputs[in]
			install := devInstall(g, src)
			if install == nil {
				continue
			}
			exec := install.Op.GetExec()
			dir := path.Join("/", exec.Meta.Cwd)
			copied := path.Clean("/" + cp.Src)
			if !(copied == dir || copied == path.Join(dir, "node_modules") || within(dir, copied) || copied == "/") {
				continue
			}
			pruned := addPrune(g, install, src)
			s.node.Inputs[in] = pruned
			rep.Findings = append(rep.Findings, Finding{Node: s.node, Changed: true, Message: fmt.Sprintf(
				"the copy of %s takes node_modules without dev dependencies: `npm prune --omit=dev` ran in %s on the build stage's result", cp.Src, dir)})
		}
	}
	return rep, nil
}

// devInstall finds, on the chain of the state a copy reads, the last npm
// install that installed dev dependencies.
func devInstall(g *Graph, src Edge) *Node {
	steps, _ := layerChain(g, src)
	for i := len(steps) - 1; i >= 0; i-- {
		exec := steps[i].node.Op.GetExec()
		if exec == nil || exec.Meta == nil {
			continue
		}
		cmds, err := pkgcache.Commands(execOf(exec))
		if err != nil {
			continue
		}
		for _, c := range cmds {
			if c.Name != "npm" || len(c.Args) == 0 || (c.Args[0] != "ci" && c.Args[0] != "install" && c.Args[0] != "i") {
				continue
			}
			for j, a := range c.Args {
				if !c.Known[j] || a == "--omit=dev" || a == "--production" || a == "--only=production" || a == "--only=prod" || a == "-g" || a == "--global" {
					return nil
				}
			}
			if c.Cwd == "" || path.Clean(c.Cwd) != path.Join("/", exec.Meta.Cwd) {
				return nil // installed somewhere the exec's own directory does not say
			}
			return steps[i].node
		}
	}
	return nil
}

// addPrune adds the exec that removes dev dependencies from src, as the
// installing exec's user, environment and directory, without network.
func addPrune(g *Graph, install *Node, src Edge) Edge {
	meta := install.Op.GetExec().Meta
	n := addExec(g, execSpec{
		Platform: install.Op.Platform,
		Meta: &pb.Meta{Args: []string{"npm", "prune", "--omit=dev", "--no-audit", "--no-fund"}, Env: meta.Env, Cwd: meta.Cwd, User: meta.User,
			RemoveMountStubsRecursive: true},
		Mounts:  []*pb.Mount{{Input: 0, Dest: pb.RootMount, Output: 0}},
		Network: pb.NetMode_NONE,
		Inputs:  []Edge{src},
		Name:    "npm prune --omit=dev for the stage that ships",
		Caps:    []apicaps.CapID{pb.CapExecMetaBase, pb.CapExecMountBind, pb.CapExecMetaNetwork},
	})
	n.Locations = install.Locations
	return Edge{Node: n}
}
