package llbopt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/apicaps"

	"github.com/org/optfrontend/llbopt/pkgcache"
)

// NoDevDeps gives the stage that ships production dependencies only where it
// copies a tree from a build stage whose node_modules npm installed with
// the dev dependencies (npm ci or npm install, as a build needs them): the
// copy reads the build stage's result after `npm prune --omit=dev`, run
// without network in the installer's directory, as its user.
//
// Where the stage that ships ran that install itself (one stage: npm ci,
// then the build), its image gets the install's layer as `npm prune
// --omit=dev` leaves it, every later step's layer on top (see oneStage):
// every step still runs as written, on the full install, and only the
// exported layers change.
//
// It changes what the image holds, so it never runs by default: the
// BUILDKIT_OPT_FIX=nodevdeps build arg asks for it, and the report names
// every copy or install it changed.
type NoDevDeps struct {
	// Caps are the builder's LLB capabilities: the one-stage form needs
	// diff and merge ops.
	Caps *apicaps.CapSet
	// List reads the install's directory before it, for the one-stage
	// form; nil leaves such stages alone.
	List DirReader
}

// Name implements Pass.
func (NoDevDeps) Name() string { return "nodevdeps" }

// Apply implements Pass.
func (p NoDevDeps) Apply(ctx context.Context, g *Graph) (Report, error) {
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
	if len(rep.Findings) == 0 {
		fs, err := p.oneStage(ctx, g, term, steps)
		if err != nil {
			return rep, err
		}
		rep.Findings = fs
	}
	return rep, nil
}

// devInstall finds, on the chain of the state a copy reads, the last npm
// install that installed dev dependencies.
func devInstall(g *Graph, src Edge) *Node {
	steps, _ := layerChain(g, src)
	if i := devInstallStep(steps); i >= 0 {
		return steps[i].node
	}
	return nil
}

// devInstallStep returns the index of the last step that runs npm ci or
// npm install, when that install installed dev dependencies in the step's
// own directory; -1 otherwise.
func devInstallStep(steps []step) int {
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
					return -1
				}
			}
			if c.Cwd == "" || path.Clean(c.Cwd) != path.Join("/", exec.Meta.Cwd) {
				return -1 // installed somewhere the exec's own directory does not say
			}
			return i
		}
	}
	return -1
}

// pruneCache is where the prune's npm keeps its cache and logs: a tmpfs,
// so that what it writes there (index entries, a debug log) stays out of
// the pruned tree, whose layer may ship whole.
const pruneCache = "/.optfrontend/npm-cache"

// addPrune adds the exec that removes dev dependencies from src, as the
// installing exec's user, environment and directory, without network.
func addPrune(g *Graph, install *Node, src Edge) Edge {
	meta := install.Op.GetExec().Meta
	env := slices.DeleteFunc(slices.Clone(meta.Env), func(kv string) bool {
		k, _, _ := strings.Cut(kv, "=")
		return strings.EqualFold(k, "npm_config_cache") || strings.EqualFold(k, "npm_config_update_notifier")
	})
	env = append(env, "npm_config_cache="+pruneCache, "npm_config_update_notifier=false")
	n := addExec(g, execSpec{
		Platform: install.Op.Platform,
		Meta: &pb.Meta{Args: []string{"npm", "prune", "--omit=dev", "--no-audit", "--no-fund"}, Env: env, Cwd: meta.Cwd, User: meta.User,
			RemoveMountStubsRecursive: true},
		Mounts: []*pb.Mount{{Input: 0, Dest: pb.RootMount, Output: 0},
			{Input: int64(pb.Empty), Dest: pruneCache, Output: int64(pb.SkipOutput), MountType: pb.MountType_TMPFS}},
		Network: pb.NetMode_NONE,
		Inputs:  []Edge{src},
		Name:    "npm prune --omit=dev for the stage that ships",
		Caps:    []apicaps.CapID{pb.CapExecMetaBase, pb.CapExecMountBind, pb.CapExecMetaNetwork, pb.CapExecMountTmpfs},
	})
	n.Locations = install.Locations
	return Edge{Node: n}
}

// oneStage is the one-stage form: where the image's own chain ran an npm
// install with dev dependencies, the image gets that install's layer as
// `npm prune --omit=dev` leaves it, and every later step's layer on top of
// it. It applies only when all of these hold, and otherwise says why at
// the install's line:
//   - the install's step removes nothing but what npm itself replaces
//     (a copy of what the step made cannot remove files), and npm
//     installs in the step's directory (no --prefix, no workspace);
//   - it is the chain's only install of the project's packages (an
//     earlier one's layer would keep them), no later step runs a package
//     manager other than `npm run`/`npm test` (an install or prune after
//     it would have made the layers after it on another node_modules),
//     and every later RUN parses;
//   - the Dockerfile's commands from the install's stage on (CMD,
//     ENTRYPOINT) run node on a file, without a preloaded module (-r,
//     --import, --loader) or code given inline: a command through npm, npx
//     or a shell may run a dev dependency when the container starts;
//   - the install's directory holds no node_modules before it (npm
//     replaces it, and a copy of what the install made cannot remove
//     files), read in the build;
//   - the builder has diff and merge ops, and the install's op can be
//     given a cache key of its own (fork.go).
//
// A program that requires a package its package.json lists only under
// devDependencies at run time breaks, as it would with `npm ci
// --omit=dev`: that is what the fix asks for.
func (p NoDevDeps) oneStage(ctx context.Context, g *Graph, term *Node, steps []step) ([]Finding, error) {
	i := devInstallStep(steps)
	if i < 0 || steps[i].prev.Node == nil {
		return nil, nil
	}
	s := steps[i]
	refuse := func(why string) ([]Finding, error) {
		return []Finding{{Node: s.node, Message: "kept the dev dependencies in the image: " + why}}, nil
	}
	for _, before := range steps[:i] {
		exec := before.node.Op.GetExec()
		if exec == nil || exec.Meta == nil {
			continue
		}
		cmds, _ := pkgcache.Commands(execOf(exec))
		for _, c := range cmds {
			if installsModules(c) {
				return refuse(fmt.Sprintf("`%s` at %s installed packages before it, and its layer would keep what the prune removes", c.Text, before.loc))
			}
		}
	}
	installCmds, err := pkgcache.Commands(execOf(s.node.Op.GetExec()))
	if err != nil {
		return refuse(fmt.Sprintf("the install's script could not be parsed: %v", err))
	}
	for _, c := range installCmds {
		if c.Name == "npm" {
			if j := slices.IndexFunc(c.Args, func(a string) bool {
				return slices.Contains(words("--prefix -C -w --workspace --workspaces --global-style --install-strategy"), strings.SplitN(a, "=", 2)[0])
			}); j >= 0 {
				return refuse(fmt.Sprintf("`%s` installs elsewhere than its directory (%s), where the prune would not look", c.Text, c.Args[j]))
			}
			continue // npm ci replaces node_modules (none is there before it, see below); npm cache clean empties its cache, which the image leaves out
		}
		if _, removes := commandEffects(c); len(removes) > 0 {
			return refuse(fmt.Sprintf("`%s` in the install's step removes files, which the image's copy of what the step made could not remove", c.Text))
		}
	}
	for _, later := range steps[i+1:] {
		exec := later.node.Op.GetExec()
		if exec == nil || exec.Meta == nil {
			continue
		}
		cmds, err := pkgcache.Commands(execOf(exec))
		if err != nil {
			return refuse(fmt.Sprintf("the RUN at %s could not be parsed (%v), and may install or prune packages", later.loc, err))
		}
		for _, c := range cmds {
			if why := changesModules(c); why != "" {
				return refuse(fmt.Sprintf("`%s` at %s %s, so the layers after the install were made on another node_modules", c.Text, later.loc, why))
			}
		}
	}
	if why := nodeCommands(g, s.loc); why != "" {
		return refuse(why)
	}
	if why := diffMergeMissing(p.Caps); why != "" {
		return refuse(why)
	}
	dir := path.Join("/", s.node.Op.GetExec().Meta.Cwd)
	if p.List == nil {
		return refuse("whether the install's directory already holds node_modules is read in the build, and nothing is read here")
	}
	def, err := g.Definition(s.prev)
	if err != nil {
		return nil, fmt.Errorf("encoding the state before the install: %w", err)
	}
	names, err := p.List(ctx, def, dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return refuse(fmt.Sprintf("%s could not be listed before the install: %v", dir, err))
	}
	if slices.Contains(names, "node_modules") {
		return refuse(fmt.Sprintf("%s already holds node_modules before the install (copied from the context?), whose files npm replaces; the image's copy of what the install made could not remove them", dir))
	}
	// Forked only now that nothing refuses: a forked step runs again
	// under its own cache key.
	if !fork(s, p.Caps) {
		return refuse("the install's op cannot be given a cache key of its own, which reading its layer without harming other builds on this builder needs (docs/buildkit-diff-chain.md)")
	}
	// The install's net change without dev dependencies, copied onto the
	// state before it as one layer: a diff over the install and the prune
	// would export both layers, the dev dependencies still in the first.
	pruned := addPrune(g, s.node, s.out)
	net := addDiff(g, s.prev, pruned, "what "+s.loc.String()+" made, without dev dependencies")
	layer := addCopyOnto(g, s.prev, net, s.node.Op.Platform, "the layer of "+s.loc.String()+" without dev dependencies")
	allows := []Allow{{Path: path.Join(dir, "node_modules")}}
	also := ""
	if cache := npmCache(s.node.Op.GetExec()); cache != "" && p.Caps.Supports(pb.CapFileCopyIncludeExcludePatterns) == nil {
		// The image runs node, not npm (nodeCommands): npm's cache is
		// what `npm cache clean --force` removes in the seeds' good
		// Dockerfiles. Where a cache mount holds it, it is not there.
		cp := layer.Node.Op.GetFile().Actions[0].GetCopy()
		cp.ExcludePatterns = []string{strings.TrimPrefix(cache, "/")}
		addCaps(layer.Node, string(pb.CapFileCopyIncludeExcludePatterns))
		allows = append(allows, Allow{Path: cache, MissingOnly: true})
		also = fmt.Sprintf(", and without npm's cache (%s), which the image's node program does not read", cache)
	}
	parts := append([]Edge{layer}, stepLayers(g, steps, i+1, len(steps)-1)...)
	term.Inputs[0] = addMerge(g, parts, "the image with production dependencies only")
	return []Finding{{Node: s.node, Changed: true, Allows: allows, Message: fmt.Sprintf(
		"left the dev dependencies out of the image: its layer of this install is what `npm prune --omit=dev` (run without network in %s) leaves of it%s; every later step ran on the full install, and their layers are applied on top", dir, also)}}, nil
}

// npmCache is the directory the npm of an install keeps its cache in, ""
// when it cannot be told (a user whose home is not known here).
func npmCache(exec *pb.ExecOp) string {
	res := pkgcache.Analyze(execOf(exec), nil)
	if res.Unresolved != nil || res.Unparsed != nil {
		return ""
	}
	for _, c := range res.Caches {
		if c.Tool == "npm" {
			return c.Dir
		}
	}
	return ""
}

// moduleRunners are the npm subcommands that run a package's scripts
// without changing node_modules.
var moduleRunners = words("run run-script rum urn test tst t start")

// changesModules tells why a command may change node_modules, "" when it
// does not: a package manager other than npm running a script.
func changesModules(c pkgcache.Command) string {
	switch c.Name {
	case "npm":
		if len(c.Args) > 0 && c.Known[0] && slices.Contains(moduleRunners, c.Args[0]) {
			return ""
		}
		return "runs npm"
	case "npx", "yarn", "yarnpkg", "pnpm", "pnpx", "corepack", "bun":
		return "runs " + c.Name
	case "":
		return "runs a command whose name the script computes"
	}
	return ""
}

// installsModules tells whether a command installs or removes a
// project's packages (not npm's global ones).
func installsModules(c pkgcache.Command) bool {
	switch c.Name {
	case "yarn", "yarnpkg", "pnpm":
		return true
	case "npm":
		if len(c.Args) == 0 || !slices.Contains(words("ci install i add update up dedupe prune uninstall rm remove un link"), c.Args[0]) {
			return false
		}
		return !slices.Contains(c.Args, "-g") && !slices.Contains(c.Args, "--global")
	}
	return false
}

// nodeCommands tells why the image's command may need a dev dependency
// when the container starts, "" when every CMD and ENTRYPOINT from the
// stage of the step at loc to the end of its Dockerfile runs node on a
// file, and one of them is a CMD. ENTRYPOINTs of earlier stages count
// too: a stage inherits them.
func nodeCommands(g *Graph, loc Location) string {
	var dt []byte
	for _, info := range g.infos {
		if info != nil && info.Filename == loc.File {
			dt = info.Data
		}
	}
	if dt == nil {
		return "the Dockerfile, which says what the image runs, is not in the build's definition"
	}
	res, err := parser.Parse(bytes.NewReader(dt))
	if err != nil {
		return fmt.Sprintf("the Dockerfile could not be parsed: %v", err)
	}
	start := stageLines(g)[loc.File]
	from := 0
	for _, l := range start {
		if l <= loc.Start {
			from = l
		}
	}
	cmd := false
	for _, n := range res.AST.Children {
		kind := strings.ToLower(n.Value)
		if kind != "cmd" && kind != "entrypoint" || kind == "cmd" && n.StartLine < from {
			continue
		}
		cmd = cmd || kind == "cmd"
		if why := nodeCommand(n); why != "" {
			return fmt.Sprintf("the %s at %s:%d %s", strings.ToUpper(kind), loc.File, n.StartLine, why)
		}
	}
	if !cmd {
		return "no CMD from the install's stage on says what the image runs (the base image's may run anything)"
	}
	return ""
}

// nodeCommand tells why one CMD or ENTRYPOINT may run a dev dependency.
func nodeCommand(n *parser.Node) string {
	var argv []string
	for a := n.Next; a != nil; a = a.Next {
		argv = append(argv, a.Value)
	}
	if n.Attributes == nil || !n.Attributes["json"] {
		// Shell form: one string the shell reads.
		if len(argv) != 1 || strings.ContainsAny(argv[0], "$`;&|<>(){}*?\\\"'") {
			return "runs a shell script"
		}
		argv = strings.Fields(argv[0])
	}
	if len(argv) == 0 {
		return "is empty"
	}
	if b := path.Base(argv[0]); b != "node" && b != "nodejs" {
		return fmt.Sprintf("runs %s, which may run a dev dependency", argv[0])
	}
	for _, a := range argv[1:] {
		for _, f := range []string{"-r", "--require", "--import", "--loader", "--experimental-loader", "-e", "--eval", "-p", "--print"} {
			if a == f || strings.HasPrefix(a, f+"=") || f == "-r" && strings.HasPrefix(a, "-r") {
				return fmt.Sprintf("runs node with %s, which may load a dev dependency", a)
			}
		}
	}
	return ""
}
