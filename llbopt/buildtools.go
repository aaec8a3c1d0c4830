package llbopt

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/moby/buildkit/util/apicaps"

	"github.com/org/optfrontend/llbopt/pkgcache"
)

// BuildTools leaves the build-only packages a stage installs (compilers,
// make, -dev headers) out of the image that ships, as a multi-stage build
// would: where a step of the target stage only installs such packages with
// apt, and a later step compiles (pip, npm, make, a compiler), the image
// is exported without that step's layer, every later step's layer applied
// on the state before it. Every step still runs as written; only the
// exported layers change.
//
// It proves the change in the build before making it: a check runs on the
// image without the packages and resolves, with ldd, the shared libraries
// of every ELF file the steps after the install made; and it compares
// dpkg's status before the install with the install's own: the install
// must not have upgraded a package the image already had (leaving it out
// would put the old version back, a security fix among them), nor brought
// a package that is neither a build tool (buildOnlyPattern) nor a library
// (python3 pulled in by python3-dev, perl by dpkg-dev, fonts, manpages),
// and no later step may have run the package manager (dpkg's database
// would then list the tools as installed). When any of this fails, or the
// check cannot run, the layers stay as they are and the report says why.
type BuildTools struct {
	// Read runs the check; nil leaves every stage as it is.
	Read FileReader
	// Caps are the builder's LLB capabilities: the pass needs diff and
	// merge ops.
	Caps *apicaps.CapSet
}

// Name implements Pass.
func (BuildTools) Name() string { return "buildtools" }

// buildOnlyPattern matches the Debian packages that only building needs,
// the closed list: compilers, binutils, make and its kin, -dev packages.
// It is an extended regular expression that Go and awk read alike: the
// check in the image uses it too.
const buildOnlyPattern = `^(gcc|g[+][+]|cpp|clang|make|cmake|ninja-build|autoconf|automake|libtool|pkg-config|pkgconf|build-essential|dpkg-dev|bison|flex|binutils|binutils-[a-z0-9-]+|rpcsvc-proto|[a-z0-9.+-]+-dev)(-[0-9.]+)?(:[a-z0-9]+)?$`

// buildOnly matches the Debian packages that only building needs.
var buildOnly = regexp.MustCompile(buildOnlyPattern)

// compilers are the commands that compile, or install packages that may.
var compilers = map[string]bool{
	"pip": true, "pip3": true, "uv": true, "poetry": true, "npm": true, "yarn": true, "pnpm": true,
	"make": true, "cmake": true, "gcc": true, "g++": true, "cc": true, "c++": true, "clang": true,
	"go": true, "cargo": true, "python": true, "python3": true,
}

// Apply implements Pass.
func (p BuildTools) Apply(ctx context.Context, g *Graph) (Report, error) {
	var rep Report
	term := g.Terminal()
	if term == nil || term.Op.Op != nil || len(term.Inputs) != 1 {
		return rep, nil
	}
	top := term.Inputs[0]
	steps, _ := layerChain(g, top)
	users := edgeUsers(g)
	for i, s := range steps {
		pkgs, ok := toolInstall(s.node)
		if !ok || i == 0 && s.prev.Node == nil {
			continue
		}
		// Only within the target stage, and only when a later step of it
		// compiles: then the packages served the build.
		compiles := false
		j := i + 1
		for ; j < len(steps); j++ {
			if boundary(steps, j-1, users) != "" {
				break
			}
			if compilesWith(steps[j].node) {
				compiles = true
			}
		}
		if !compiles || j != len(steps) {
			continue
		}
		if why := diffMergeMissing(p.Caps); why != "" {
			rep.Findings = append(rep.Findings, Finding{Node: s.node, Message: "kept " + strings.Join(pkgs, ", ") + " in the image: " + why})
			return rep, nil
		}
		if p.Read == nil {
			// optctl explain runs the passes with no daemon: say so at the
			// step rather than stay silent.
			rep.Findings = append(rep.Findings, Finding{Node: s.node, Message: "kept " + strings.Join(pkgs, ", ") +
				" in the image: whether the image works without them is checked by running it in the build, and nothing runs here"})
			return rep, nil
		}
		// The check and the image read the layers of the install and
		// of every later step through diffs; those steps get cache
		// records of their own first (fork.go), kept whatever the
		// check says so that they run once.
		if !fork(s, p.Caps) {
			rep.Findings = append(rep.Findings, Finding{Node: s.node, Message: "kept " + strings.Join(pkgs, ", ") +
				" in the image: the install's op cannot be given a cache key of its own, which reading its layer without harming other builds on this builder needs (docs/buildkit-diff-chain.md)"})
			return rep, nil
		}
		pruned := p.prune(g, steps, i)
		verdict, err := p.check(ctx, g, s, pruned, top)
		if err != nil {
			return rep, err
		}
		if !strings.HasPrefix(verdict, "ok ") {
			rep.Findings = append(rep.Findings, Finding{Node: s.node, Message: fmt.Sprintf(
				"kept %s in the image: without them %s", strings.Join(pkgs, ", "), strings.ReplaceAll(strings.TrimSpace(verdict), "\n", "; "))})
			return rep, nil
		}
		kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimPrefix(verdict, "ok ")), 10, 64)
		term.Inputs[0] = pruned
		rep.Layers = append(rep.Layers, LayerEdit{Kinds: kindsFrom(steps, i), Dropped: 1, Lines: s.loc})
		rep.Findings = append(rep.Findings, Finding{Node: s.node, Changed: true, Message: fmt.Sprintf(
			"left the build-only packages %s out of the image (about %d kB): the image is every later step's layers on the state before this one, every library the later steps' programs link against still resolves there, and the install upgraded nothing and brought only build tools and libraries",
			strings.Join(pkgs, ", "), kb), Allows: allowPackages(pkgs)})
		return rep, nil // one install per stage: the image is then what a multi-stage build gives
	}
	return rep, nil
}

// prune is the image without step i: the state before it, merged with the
// layer of every later step.
func (p BuildTools) prune(g *Graph, steps []step, i int) Edge {
	parts := append([]Edge{steps[i].prev}, stepLayers(g, steps, i+1, len(steps)-1)...)
	return addMerge(g, parts, "the image without the build tools")
}

// check runs the layer check (elfcheck.go) on the pruned image.
func (p BuildTools) check(ctx context.Context, g *Graph, s step, pruned, top Edge) (string, error) {
	made := addDiff(g, s.out, top, "what the steps after the build tools made")
	tools := addDiff(g, s.prev, s.out, "the build tools' layer")
	return layerCheck(ctx, g, p.Read, s.node, pruned, made, checkMounts{tools: &tools}, buildOnlyPattern, "check the image without the build tools")
}

// toolInstall tells whether an exec only installs build-only packages with
// apt (apt-get update, install, clean and removing apt's lists allowed
// beside), and returns them.
func toolInstall(n *Node) ([]string, bool) {
	exec := n.Op.GetExec()
	if exec == nil || exec.Meta == nil {
		return nil, false
	}
	cmds, err := pkgcache.Commands(execOf(exec))
	if err != nil {
		return nil, false
	}
	var pkgs []string
	for _, c := range cmds {
		switch c.Name {
		case "sh", "bash", "dash":
			continue
		case "rm":
			for i, a := range c.Args {
				if c.Known[i] && !strings.HasPrefix(a, "-") && !strings.HasPrefix(path.Clean(a), "/var/lib/apt/lists") {
					return nil, false
				}
			}
			continue
		case "apt-get", "apt":
		default:
			return nil, false
		}
		sub := ""
		for i, a := range c.Args {
			if !c.Known[i] {
				return nil, false
			}
			if strings.HasPrefix(a, "-") {
				continue
			}
			if sub == "" {
				sub = a
				continue
			}
			if sub == "install" {
				if !buildOnly.MatchString(a) {
					return nil, false
				}
				pkgs = append(pkgs, a)
			}
		}
		switch sub {
		case "update", "install", "clean", "autoclean":
		default:
			return nil, false
		}
	}
	return pkgs, len(pkgs) > 0
}

// compilesWith tells whether an exec runs a command that compiles or
// installs packages that may be compiled.
func compilesWith(n *Node) bool {
	exec := n.Op.GetExec()
	if exec == nil || exec.Meta == nil {
		return false
	}
	cmds, err := pkgcache.Commands(execOf(exec))
	if err != nil {
		return false
	}
	for _, c := range cmds {
		if compilers[c.Name] {
			return true
		}
	}
	return false
}
