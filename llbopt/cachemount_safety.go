package llbopt

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/moby/buildkit/solver/pb"

	"github.com/org/optfrontend/llbopt/pkgcache"
)

// A cache mount at D keeps what a step writes in D out of the step's
// output. That is the same build only when nothing after the step reads D
// without the same mount, and when the step itself cannot fail on the
// mount point. plan decides it once per step and directory, over the whole
// graph, so that every step of a chain that shares D is decided alike: a
// step gets the mount only if every later step that may read D gets it
// too.
type plan struct {
	g       *Graph
	reads   *Reads
	results map[*Node]pkgcache.Result
	// lookup is the last user database read, to predict the caches of
	// later steps that run as the same users.
	lookup  pkgcache.Lookup
	decided map[planKey]string
}

type planKey struct {
	n   *Node
	dir string
}

func newPlan(g *Graph) *plan {
	pl := &plan{g: g, reads: NewReads(g), results: map[*Node]pkgcache.Result{}, decided: map[planKey]string{}}
	for _, n := range g.Nodes() {
		if exec := n.Op.GetExec(); exec != nil && exec.Meta != nil {
			pl.results[n] = pkgcache.Analyze(execOf(exec), nil)
		}
	}
	return pl
}

// result is the caches an exec uses: as analyzed once its users are
// known, else predicted with the users read last.
func (pl *plan) result(n *Node) pkgcache.Result {
	res := pl.results[n]
	if exec := n.Op.GetExec(); res.Unresolved != nil && pl.lookup != nil && exec != nil && runsAsUser(exec) {
		return pkgcache.Analyze(execOf(exec), pl.lookup)
	}
	return res
}

// refusal returns why n must not get a cache mount at dir, "" when it
// may. The answer is computed once per step and directory.
func (pl *plan) refusal(n *Node, dir string) string {
	k := planKey{n, dir}
	if why, ok := pl.decided[k]; ok {
		return why
	}
	pl.decided[k] = "it is being decided" // a graph has no cycles; this is never read
	why := pl.decide(n, dir)
	pl.decided[k] = why
	return why
}

func (pl *plan) decide(n *Node, dir string) string {
	res := pl.result(n)
	i := slices.IndexFunc(res.Caches, func(c pkgcache.Cache) bool { return c.Dir == dir })
	if i < 0 || res.Unparsed != nil {
		return "the step does not use it"
	}
	c := res.Caches[i]
	if why := localRefusal(n.Op.GetExec(), res, c); why != "" {
		return why
	}
	cmds, err := pl.reads.Commands(n)
	if err != nil {
		return fmt.Sprintf("the script could not be parsed: %v", err)
	}
	if why := cleanupRefusal(cmds, dir); why != "" {
		return why
	}
	if why := contentRefusal(cmds, dir); why != "" {
		return why
	}
	if c.Runtime && pl.reads.InImage(n) {
		return fmt.Sprintf("the program the image ships may read %s at run time (%s keeps more than a cache there), so the image must keep it", dir, c.Tool)
	}
	mounted := func(d *Node) bool { return pl.refusal(d, dir) == "" }
	if r := pl.reads.FirstReader(n, dir, c.Tool, mounted, pl.result); r != nil {
		where := "a later step"
		if loc, ok := pl.g.Location(r.Node); ok {
			where = "the step at " + loc.String()
		}
		return fmt.Sprintf("%s may read it without this mount: %s", where, r.Why)
	}
	return ""
}

// localRefusal is what the exec alone says against a mount at c.Dir: a
// mount of its own there, a command that only reads what an earlier step
// left, a clean-up that removes the directory itself.
func localRefusal(exec *pb.ExecOp, res pkgcache.Result, c pkgcache.Cache) string {
	if m := overlappingMount(exec, c.Dir); m != nil {
		return fmt.Sprintf("the RUN already mounts %s", m.Dest)
	}
	if c.Offline {
		return fmt.Sprintf("`%s` only reads what an earlier step downloaded", c.Command)
	}
	// An rm of the directory itself (rm -rf /var/lib/apt/lists), or of a
	// parent, cannot stay: it fails on the mount point. Nor can it go: the
	// image would then keep a directory (the mount point, or the parent's
	// other files) that stock's build removes. So the step keeps no mount.
	if i := slices.IndexFunc(res.Defeats, func(d pkgcache.Defeat) bool {
		return d.Tool == c.Tool && d.Breaks
	}); i >= 0 {
		return removesMountPoint(res.Defeats[i].Command, c.Dir)
	}
	return ""
}

// removesMountPoint is the refusal for a command that removes or moves
// dir itself, or a directory above it.
func removesMountPoint(cmd, dir string) string {
	return fmt.Sprintf("`%s` removes %s itself or a directory above it: on a cache mount that fails with \"Device or resource busy\", and without it the image would keep what stock's build removes", cmd, dir)
}

// removers are the commands that remove or move the paths they are given;
// on a cache mount's mount point, or a directory above it, they fail with
// "Device or resource busy".
var removers = words("rm rmdir unlink shred mv find")

// cleanupRefusal returns the first command of the step that may remove
// or move dir, or a directory above it: dir itself, a parent that takes
// the mount point with it, a glob, an argument the script computes. Only
// a path strictly inside dir (rm -rf /var/lib/apt/lists/*), which empties
// the cache, or one elsewhere, is safe.
func cleanupRefusal(cmds []pkgcache.Command, dir string) string {
	for _, c := range cmds {
		switch {
		case c.Name == "":
			return fmt.Sprintf("`%s` runs a command whose name the script computes, which may remove the mount point", c.Text)
		case c.Name == "xargs":
			if i := slices.IndexFunc(c.Args, func(a string) bool { return slices.Contains(removers, a) }); i >= 0 || slices.Contains(c.Known, false) {
				return fmt.Sprintf("`%s` removes paths it reads from its input, which may be the mount point", c.Text)
			}
			continue
		case !slices.Contains(removers, c.Name):
			continue
		}
		for _, t := range cleanupTargets(c) {
			if takesMountPoint(t, dir) || c.Name == "mv" && overlaps(globBase(t), dir) {
				// mv into the directory, or out of it, moves files
				// between the image and the cache: not a clean-up.
				return removesMountPoint(c.Text, dir)
			}
		}
	}
	return ""
}

// cleanupTargets are the paths a remover removes or moves, made absolute,
// globs kept as written; "/" when one is computed or relative to a
// directory the script computes.
func cleanupTargets(c pkgcache.Command) []string {
	if c.Name == "find" {
		_, removes := commandEffects(c) // its starting points: find deletes them too
		return removes
	}
	var out []string
	for _, o := range operandsOf(c) {
		p := o.val
		switch {
		case !o.known:
			return []string{anywhere}
		case !path.IsAbs(p) && c.Cwd == "":
			return []string{anywhere}
		case !path.IsAbs(p):
			p = path.Join(c.Cwd, p)
		}
		out = append(out, path.Clean(p))
	}
	return out
}

// takesMountPoint tells whether removing target removes dir itself or a
// directory above it. A glob counts when it may match either (dot files
// included, which the shell would skip: the safe side).
func takesMountPoint(target, dir string) bool {
	if !strings.ContainsAny(target, "*?[") {
		return target == dir || within(dir, target)
	}
	for a := dir; a != "/" && a != "."; a = path.Dir(a) {
		if ok, err := path.Match(target, a); ok || err != nil {
			return true
		}
	}
	return false
}

// contentRefusal returns the first command that names a path inside dir
// (pip download --dest ~/.cache/pip/wheels, --find-links into it, a
// variable pointing there): what the step puts there, or expects there,
// is content the build means to keep, not a cache.
func contentRefusal(cmds []pkgcache.Command, dir string) string {
	for _, c := range cmds {
		if slices.Contains(removers, c.Name) || c.Runs {
			continue // a clean-up (see cleanupRefusal and the defeats), or a shell whose commands follow
		}
		for i, a := range c.Args {
			if c.Known[i] && namesInside(a, dir) {
				return fmt.Sprintf("`%s` names %s, a path inside it: files there are the build's own, not a cache", c.Text, a)
			}
		}
		for _, kv := range c.Env {
			if namesInside(kv, dir) {
				return fmt.Sprintf("`%s` runs with %s, a path inside it: files there are the build's own, not a cache", c.Text, kv)
			}
		}
		for _, rd := range c.Redirects {
			if rd.Known && namesInside(rd.Path, dir) {
				return fmt.Sprintf("`%s` redirects to %s, a path inside it", c.Text, rd.Path)
			}
		}
	}
	return ""
}
