package llbopt

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"

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
	// owned are decide's answers, before partnerRefusal.
	owned map[planKey]string
	// ctx and entries read the filesystem a step runs on (linkRefusal);
	// entries is nil when there is no daemon to ask.
	ctx     context.Context
	entries EntryReader
	// listed are the directories linkRefusal has listed.
	listed map[listingKey]listing
	// rewritten are the steps Apply has rewritten, whose decisions stand.
	rewritten map[*Node]bool
}

type planKey struct {
	n   *Node
	dir string
}

// beingDecided marks a decision under way in plan.decided.
const beingDecided = "it is being decided"

func newPlan(g *Graph) *plan {
	pl := &plan{g: g, reads: NewReads(g), results: map[*Node]pkgcache.Result{}, decided: map[planKey]string{}, owned: map[planKey]string{}, listed: map[listingKey]listing{}, rewritten: map[*Node]bool{}}
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
	// A graph has no cycles, so refusal never meets its own mark; hiddenRefusal
	// reads it for an earlier step still being decided and does not count it.
	pl.decided[k] = beingDecided
	why := pl.own(n, dir)
	if why == "" {
		why = pl.partnerRefusal(n, dir)
	}
	pl.decided[k] = why
	return why
}

// own is what decide says of n and dir alone, computed once; refusal adds
// what the step's other caches say (partnerRefusal).
func (pl *plan) own(n *Node, dir string) string {
	k := planKey{n, dir}
	if why, ok := pl.owned[k]; ok {
		return why
	}
	pl.owned[k] = beingDecided
	why := pl.decide(n, dir)
	pl.owned[k] = why
	return why
}

// partners are, for a tool's cache, the caches whose content depends on
// what it holds: go build writes into its build cache entries that depend
// on what it finds in the module cache, and a module cache mount, shared
// with other builds, holds more than the step's own downloads (fresh-clone
// CI of 48296c7: one build cache entry more than stock's). So a step whose
// build cache stays in the image gets no module cache mount either. The
// other way is safe: what go writes into the module cache is what the
// build needs, whatever the build cache holds.
var partners = map[string][]string{
	"go-mod": {"go-build"},
}

// partnerRefusal is the refusal for a cache of n one of whose partners
// (see partners) n keeps in the image.
func (pl *plan) partnerRefusal(n *Node, dir string) string {
	res := pl.result(n)
	i := slices.IndexFunc(res.Caches, func(c pkgcache.Cache) bool { return c.Dir == dir })
	if i < 0 {
		return ""
	}
	c := res.Caches[i]
	for _, pc := range res.Caches {
		if pc.Dir == dir || !slices.Contains(partners[c.Tool], pc.Tool) {
			continue
		}
		// A partner still being decided asked about this one: what it
		// says of itself is the whole answer.
		if why := pl.own(n, pc.Dir); why != "" && why != beingDecided {
			return fmt.Sprintf("the step keeps %s at %s in the image (%s), and what go writes there depends on what it finds in %s, so the image's would differ from stock's", pc.Tool, pc.Dir, why, c.Dir)
		}
	}
	return ""
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
	if why := fileMountRefusal(res, c, cmds); why != "" {
		return why
	}
	if why := unsetRefusal(res, c, cmds); why != "" {
		return why
	}
	if why := pl.hiddenRefusal(n, c); why != "" {
		return why
	}
	if why := pl.ownerRefusal(n, c); why != "" {
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

// checkLinks refuses, before n is rewritten, the mounts the plan gave it
// whose way has a symbolic link in the filesystem n runs on (linkRefusal).
// It reads that filesystem only now, when every step before n is as the
// build will run it (Apply goes inputs first), so no step runs twice; the
// decisions of the steps not rewritten yet are then made again, knowing n
// keeps those files (and its partners', see partners) in the image. A
// step before n on the same filesystem that got a mount n now refuses
// cannot be taken back: the link appeared between them, and the pass
// fails, so that the build is stock's (the safety net) rather than wrong.
func (pl *plan) checkLinks(n *Node, res pkgcache.Result) error {
	var mounted []string
	links := map[string]string{}
	for _, c := range res.Caches {
		if pl.refusal(n, c.Dir) != "" {
			continue
		}
		mounted = append(mounted, c.Dir)
		if why := pl.linkRefusal(n, c.Dir); why != "" {
			links[c.Dir] = why
		}
	}
	if len(links) == 0 {
		return nil
	}
	for k := range pl.decided {
		if !pl.rewritten[k.n] {
			delete(pl.decided, k)
			delete(pl.owned, k)
		}
	}
	for dir, why := range links {
		pl.owned[planKey{n, dir}] = why
	}
	root := rootMount(n.Op.GetExec())
	if root == nil || root.Input < 0 || int(root.Input) >= len(n.Inputs) {
		return nil
	}
	steps, _ := layerChain(pl.g, n.Inputs[root.Input])
	for _, dir := range mounted {
		why := pl.refusal(n, dir)
		if why == "" {
			continue
		}
		for _, s := range steps {
			if got, ok := pl.decided[planKey{s.node, dir}]; ok && got == "" && pl.rewritten[s.node] {
				return fmt.Errorf("a cache mount at %s was given to an earlier step, and %s", dir, why)
			}
		}
	}
	return nil
}

// linkRefusal is the refusal for a cache directory on whose way a name of
// the step's filesystem is a symbolic link (/root -> var/roothome, the
// ostree layout) or not a directory: the runtime follows the link when it
// places the mount, so the mount would be at another path than the one
// this plan and the report name, and the image would lack what the report
// says it keeps. Names are read from / down to the first that does not
// exist yet, which the runtime makes as a directory.
func (pl *plan) linkRefusal(n *Node, dir string) string {
	if pl.entries == nil {
		return ""
	}
	root := rootMount(n.Op.GetExec())
	if root == nil || root.Input < 0 || int(root.Input) >= len(n.Inputs) {
		return "" // scratch: nothing on the way
	}
	in := n.Inputs[root.Input]
	def, err := pl.g.Definition(in)
	if err != nil {
		return fmt.Sprintf("the filesystem the step runs on could not be read: %v", err)
	}
	names := strings.Split(strings.Trim(path.Clean(dir), "/"), "/")
	ways := make([]string, len(names)) // the directories to list: /, then each name's parent
	for i := range names {
		ways[i] = "/" + strings.Join(names[:i], "/")
	}
	listed := pl.listings(in, def, ways)
	for i, name := range names {
		cur := ways[i]
		l := listed[cur]
		if l.err != nil {
			return fmt.Sprintf("%s could not be listed in the filesystem the step runs on: %v", cur, l.err)
		}
		j := slices.IndexFunc(l.entries, func(e DirEntry) bool { return e.Name == name })
		if j < 0 {
			return "" // the runtime makes the rest
		}
		p := path.Join(cur, name)
		switch e := l.entries[j]; {
		case e.Mode&fs.ModeSymlink != 0:
			return fmt.Sprintf("%s is a symbolic link (to %s) in the filesystem the step runs on: the mount would be placed where it leads, not at %s", p, e.Linkname, dir)
		case !e.Mode.IsDir():
			return fmt.Sprintf("%s is not a directory in the filesystem the step runs on", p)
		}
	}
	return ""
}

// listing is one directory of a step's filesystem, as entries read it.
type listing struct {
	entries []DirEntry
	err     error
}

type listingKey struct {
	fs  Edge
	dir string
}

// listings lists the directories of the filesystem fs (whose definition
// is def), each once per plan: the steps of a chain share / and most of
// the way to their caches. The first listing of a filesystem solves it,
// so / is listed alone first and the rest, each a round trip to the
// daemon, at the same time; a directory that turns out not to exist
// (its parent lacks it or has a link there) is listed for nothing, and
// its error is never read.
func (pl *plan) listings(fs Edge, def *pb.Definition, dirs []string) map[string]listing {
	out := make(map[string]listing, len(dirs))
	var todo []string
	for _, d := range dirs {
		if l, ok := pl.listed[listingKey{fs, d}]; ok {
			out[d] = l
		} else {
			todo = append(todo, d)
		}
	}
	list := func(d string) listing {
		es, err := pl.entries(pl.ctx, def, d)
		return listing{es, err}
	}
	if len(todo) > 0 && todo[0] == "/" {
		out["/"] = list("/")
		todo = todo[1:]
	}
	got := make([]listing, len(todo))
	var wg sync.WaitGroup
	for i, d := range todo {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = list(d)
		}()
	}
	wg.Wait()
	for i, d := range todo {
		out[d] = got[i]
	}
	for d, l := range out {
		pl.listed[listingKey{fs, d}] = l
	}
	return out
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

// fileMountRefusal is the refusal for a step that touches a file this pass
// would mount its own over (apt's docker-clean), or its directory: a
// command that removes, edits or lists it would meet the mount instead
// ("Device or resource busy", another content).
func fileMountRefusal(res pkgcache.Result, c pkgcache.Cache, cmds []pkgcache.Command) string {
	for _, d := range res.Defeats {
		if d.Tool != c.Tool || d.Fix.Mount == nil {
			continue
		}
		p := d.Fix.Mount.Path
		names := func(v string) bool { return v == p || v == path.Dir(p) || namesInside(v, path.Dir(p)) }
		for _, cmd := range cmds {
			if cmd.Runs {
				continue // a shell: the commands of its script follow
			}
			for i, a := range cmd.Args {
				switch {
				case cmd.Known[i] && names(a):
					return fmt.Sprintf("`%s` touches %s, over which this pass would mount its own file", cmd.Text, path.Dir(p))
				case !cmd.Known[i] && !cmd.Uses && !slices.Contains(silent, cmd.Name):
					// A word known only when the build runs may name it; a
					// package manager's are its packages.
					return fmt.Sprintf("`%s` may touch %s (%s is known only when the build runs), over which this pass would mount its own file", cmd.Text, path.Dir(p), a)
				}
			}
			for _, rd := range cmd.Redirects {
				if !rd.Known || names(rd.Path) {
					return fmt.Sprintf("`%s` writes in %s, over which this pass would mount its own file", cmd.Text, path.Dir(p))
				}
			}
		}
	}
	return ""
}

// wrappers run another program the script walker does not follow, with
// the environment they were given: a variable this pass unsets for the
// tool it sees is unset for the one they run too.
var wrappers = words("su sudo runuser setpriv gosu su-exec chroot nohup timeout nice ionice env xargs make sg newgrp unshare nsenter chpst flock stdbuf script")

// unsetRefusal is the refusal for a step where this pass would unset a
// variable (PIP_NO_CACHE_DIR) that also reaches commands it does not see
// into (pip run through su, a script file): they would then write a cache
// into the image that stock's build leaves out, where no mount is.
func unsetRefusal(res pkgcache.Result, c pkgcache.Cache, cmds []pkgcache.Command) string {
	i := slices.IndexFunc(res.Defeats, func(d pkgcache.Defeat) bool { return d.Tool == c.Tool && d.Fix.UnsetEnv != "" })
	if i < 0 {
		return ""
	}
	v := res.Defeats[i].Fix.UnsetEnv
	for _, cmd := range cmds {
		switch {
		case cmd.Name == "":
			return fmt.Sprintf("`%s` runs a command whose name the script computes, which would lose %s too", cmd.Text, v)
		case slices.Contains(wrappers, cmd.Name):
			return fmt.Sprintf("`%s` runs a program this pass does not see into, which would lose %s too", cmd.Text, v)
		case strings.Contains(cmd.Name, "/"):
			return fmt.Sprintf("`%s` runs a program of the build (%s), which would lose %s too", cmd.Text, cmd.Name, v)
		case slices.Contains(shells, cmd.Name) && !cmd.Runs:
			return fmt.Sprintf("`%s` runs a script this pass does not see into, which would lose %s too", cmd.Text, v)
		case !cmd.Uses && interpreter(cmd.Name):
			return fmt.Sprintf("`%s` runs a program this pass does not see into, which would lose %s too", cmd.Text, v)
		}
	}
	return ""
}

// interpreter tells whether a command runs a program of its own, which may
// run anything (python setup.py, node build.js).
func interpreter(name string) bool {
	for _, p := range words("python perl ruby node php lua tclsh Rscript java deno bun") {
		if rest, ok := strings.CutPrefix(name, p); ok && strings.Trim(rest, "0123456789.") == "" {
			return true
		}
	}
	return false
}

// hiddenRefusal is the refusal for a step whose filesystem may already
// hold files in c.Dir that the mount would hide: a step without network
// cannot fetch them again, and an earlier copy into the directory (COPY
// --from=deps /go/pkg/mod /go/pkg/mod) or an earlier step that used it
// without this mount put them there for this step to read.
func (pl *plan) hiddenRefusal(n *Node, c pkgcache.Cache) string {
	exec := n.Op.GetExec()
	if exec.Network == pb.NetMode_NONE {
		return fmt.Sprintf("the step runs without a network: it can only use what is already in %s, which a mount would hide", c.Dir)
	}
	root := rootMount(exec)
	if root == nil || root.Input < 0 || int(root.Input) >= len(n.Inputs) {
		return ""
	}
	steps, _ := layerChain(pl.g, n.Inputs[root.Input])
	for _, s := range steps {
		where := "an earlier step"
		if loc, ok := pl.g.Location(s.node); ok {
			where = "the step at " + loc.String()
		}
		if f := s.node.Op.GetFile(); f != nil {
			for _, a := range f.Actions {
				if dest := fillsDir(s.node, a, c.Dir); dest != "" {
					return fmt.Sprintf("%s writes %s, in or above it: the mount would hide those files from this step", where, dest)
				}
			}
			continue
		}
		if s.node.Op.GetExec() == nil {
			continue
		}
		for _, ec := range pl.result(s.node).Caches {
			if ec.Dir != c.Dir {
				continue
			}
			// Apply decides steps inputs first, so an earlier step is
			// decided already or being decided (it asked about this one);
			// should it not be, deciding it now is safe: what it asks of
			// this step then reads as not mounted, which only refuses more.
			why, ok := pl.decided[planKey{s.node, c.Dir}]
			if !ok {
				why = pl.refusal(s.node, c.Dir)
			}
			if why != "" && why != beingDecided {
				return fmt.Sprintf("%s leaves files in it without this mount (%s): the mount would hide them from this step", where, why)
			}
		}
	}
	return ""
}

// fillsDir returns where a file action of n may put files in dir: a file
// or link made in it, a copy into it, or a copy above it of another
// stage, image or context (COPY --from=deps /go /go), whose files may lie
// in it. A copy of the build context above it (COPY . /) is not counted:
// a context holding a tool's cache at that path is not how projects are
// laid out. "" when it does not.
func fillsDir(n *Node, a *pb.FileAction, dir string) string {
	in := func(p string) bool { return p == dir || within(p, dir) }
	switch x := a.Action.(type) {
	case *pb.FileAction_Mkfile:
		if p := path.Clean("/" + x.Mkfile.Path); in(p) {
			return p
		}
	case *pb.FileAction_Symlink:
		if p := path.Clean("/" + x.Symlink.Newpath); in(p) {
			return p
		}
	case *pb.FileAction_Copy:
		dest := path.Clean("/" + x.Copy.Dest)
		if in(dest) {
			return dest
		}
		if !within(dir, dest) && dest != "/" {
			return ""
		}
		if i := int(a.SecondaryInput); i >= 0 && i < len(n.Inputs) && n.Inputs[i].Node != nil {
			if src := n.Inputs[i].Node.Op.GetSource(); src != nil && src.Identifier == mainContext {
				return ""
			}
		}
		return dest
	}
	return ""
}

// ownerRefusal is the refusal for a step run by a user other than root
// whose cache directory lies below a directory that may not exist yet
// (~/.cache for ~/.cache/pip): the runtime makes a mount point's missing
// parents as root, so that directory would belong to root in the image,
// where the tool running as the user would have made it the user's, and
// a later write there by the user (mkdir ~/.cache/app, the program at run
// time) would fail.
func (pl *plan) ownerRefusal(n *Node, c pkgcache.Cache) string {
	exec := n.Op.GetExec()
	if !runsAsUser(exec) {
		return ""
	}
	parent := path.Dir(c.Dir)
	if home, ok := envValue(exec.Meta.Env, "HOME"); ok && path.Clean(home) == parent {
		return "" // the home the step runs with
	}
	if pl.lookup != nil {
		user, _, _ := strings.Cut(exec.Meta.User, ":")
		if _, _, home, ok := pl.lookup(user); ok && path.Clean(home) == parent {
			return "" // the home, which exists when the user writes in it
		}
	}
	return fmt.Sprintf("the step runs as %s and %s may not exist yet: the mount would make it belong to root in the image, where %s would make it the user's", exec.Meta.User, parent, c.Tool)
}
