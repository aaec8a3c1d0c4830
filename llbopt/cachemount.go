package llbopt

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"

	"github.com/org/optfrontend/llbopt/pkgcache"
)

// cacheIDPrefix marks the cache mounts this pass adds, so that they never
// share a cache with one the user declared.
const cacheIDPrefix = "optfrontend/"

// CacheMount gives every RUN that calls a package manager a cache mount at
// the directory the tool really uses, so downloads survive between builds
// and never land in the image. Flags that only existed to keep the cache out
// of the image (pip --no-cache-dir, npm cache clean, apt's docker-clean) are
// neutralized, since the mount keeps it out now. A step gets the mount only
// where that is the same build (see plan in cachemount_safety.go): nothing
// built on it reads the directory without the same mount, no clean-up in
// it may remove the mount point, and the image does not need the files. A
// RUN that already mounts something there, a script that cannot be parsed
// and a directory that cannot be resolved are left alone too, and the
// report says why.
type CacheMount struct {
	// Namespace prefixes every cache id, as BUILDKIT_CACHE_MOUNT_NS does
	// for the mounts the user declares.
	Namespace string
	// Users reads the user database of the filesystem an exec runs on, for
	// the execs that run as a user other than root: their cache directory
	// is under the home /etc/passwd gives, and the mount must be theirs.
	// nil leaves such execs' HOME-relative caches alone.
	Users UserDB
	// Entries lists a directory of the filesystem an exec runs on, to
	// find a symbolic link on the way to a cache directory: the runtime
	// follows it when it places the mount, so the mount would not be
	// where the report and the plan say. nil does not look (optctl
	// explain, which has no daemon).
	Entries EntryReader
}

// UserDB returns the users that the root filesystem a definition's result
// is lists in its /etc/passwd. The frontend solves the state to read the
// file: the steps before the exec run then, as they would anyway, and the
// solver reuses their results for the build itself.
type UserDB func(ctx context.Context, rootfs *pb.Definition) (pkgcache.Lookup, error)

// Name implements Pass.
func (CacheMount) Name() string { return "cachemount" }

// Apply implements Pass. Every step and cache directory is decided over
// the whole graph first (see plan), then the steps are rewritten in
// order.
func (p CacheMount) Apply(ctx context.Context, g *Graph) (Report, error) {
	var rep Report
	pl := newPlan(g)
	pl.ctx, pl.entries = ctx, p.Entries
	// Inputs before their users: a pass before this one may have added a
	// step that runs before an existing one (manifestfirst's build on
	// stubs), and hiddenRefusal asks about the steps before a step.
	order, err := g.order()
	if err != nil {
		return rep, err
	}
	for _, n := range order {
		res, ok := pl.results[n]
		if !ok {
			continue
		}
		if res.Unresolved != nil && p.Users != nil && runsAsUser(n.Op.GetExec()) {
			// Read the users now, when the steps before this one are as
			// the build will run them, so that no step runs twice.
			res = p.withUsers(ctx, g, n, pl, &rep)
			pl.results[n] = res
		}
		if err := pl.checkLinks(n, res); err != nil {
			return rep, fmt.Errorf("op %s: %w", n.Digest(), err)
		}
		fs, err := p.rewrite(ctx, g, n, n.Op.GetExec(), res, pl)
		if err != nil {
			return rep, fmt.Errorf("op %s: %w", n.Digest(), err)
		}
		pl.rewritten[n] = true
		rep.Findings = append(rep.Findings, fs...)
	}
	return rep, nil
}

func (p CacheMount) rewrite(ctx context.Context, g *Graph, n *Node, exec *pb.ExecOp, res pkgcache.Result, pl *plan) ([]Finding, error) {
	in := execOf(exec)
	var out []Finding
	note := func(format string, a ...any) {
		out = append(out, Finding{Node: n, Message: fmt.Sprintf(format, a...)})
	}
	if res.Unparsed != nil {
		return out, nil // not a script we understand, and so nothing we touch
	}
	if res.Unresolved != nil {
		note("left some package-manager caches alone: %v", res.Unresolved)
	}
	caches := keepable(res, note, func(c pkgcache.Cache) string { return pl.refusal(n, c.Dir) })
	if len(caches) == 0 {
		return out, nil
	}
	defeats := fixable(res.Defeats, caches)
	fixed, err := pkgcache.Neutralize(in, defeats)
	if err != nil {
		note("left the package-manager caches alone: %v", err)
		return out, nil
	}
	for _, c := range caches {
		if err := addCacheMount(ctx, g, n, exec, c, p.Namespace); err != nil {
			return nil, err
		}
		msg := fmt.Sprintf("cache mount for %s at %s (sharing=%s), used by `%s`", c.Tool, c.Dir, c.Sharing, c.Command)
		if c.Links {
			// The verify mode's allowance for c.Dir explains these links
			// (fstree.Allowance).
			msg += fmt.Sprintf("; the files %s links from there into the image are copies now, no longer hard links of each other", c.Tool)
		}
		out = append(out, Finding{Node: n, Changed: true, Message: msg, Allows: []Allow{{Path: c.Dir, Parents: true}}})
	}
	exec.Meta.Args, exec.Meta.Env = fixed.Args, fixed.Env
	for _, d := range defeats {
		if d.Fix.Mount != nil {
			if err := addFileMount(ctx, g, n, exec, *d.Fix.Mount); err != nil {
				return nil, err
			}
		}
		out = append(out, Finding{Node: n, Changed: true, Message: fmt.Sprintf(
			"neutralized %s in `%s`: %s", d.What, d.Command, d.Fix.Note)})
	}
	return out, nil
}

// runsAsUser tells whether an exec runs as a user other than root.
func runsAsUser(exec *pb.ExecOp) bool {
	u, _, _ := strings.Cut(exec.Meta.User, ":")
	return u != "" && u != "root" && u != "0"
}

// withUsers analyzes an exec again with the users of the filesystem it
// runs on.
func (p CacheMount) withUsers(ctx context.Context, g *Graph, n *Node, pl *plan, rep *Report) pkgcache.Result {
	exec := n.Op.GetExec()
	fallback := pkgcache.Analyze(execOf(exec), nil)
	root := rootMount(exec)
	if root == nil || root.Input < 0 || int(root.Input) >= len(n.Inputs) {
		return fallback
	}
	def, err := g.Definition(n.Inputs[root.Input])
	if err != nil {
		return fallback
	}
	lookup, err := p.Users(ctx, def)
	if err != nil {
		rep.Findings = append(rep.Findings, Finding{Node: n, Message: fmt.Sprintf("could not read the users of the filesystem this step runs on: %v", err)})
		return fallback
	}
	pl.lookup = lookup
	return pkgcache.Analyze(execOf(exec), lookup)
}

// keepable drops the caches this pass must not mount, noting why: refusal
// is the plan's answer for a cache of this step.
func keepable(res pkgcache.Result, note func(string, ...any), refusal func(pkgcache.Cache) string) []pkgcache.Cache {
	var keep []pkgcache.Cache
	for _, c := range res.Caches {
		if why := refusal(c); why != "" {
			note("no cache mount for %s at %s: %s", c.Tool, c.Dir, why)
			continue
		}
		keep = append(keep, c)
	}
	return keep
}

// fixable returns the defeats of the mounted tools that have a fix.
func fixable(ds []pkgcache.Defeat, caches []pkgcache.Cache) []pkgcache.Defeat {
	var out []pkgcache.Defeat
	for _, d := range ds {
		mounted := slices.ContainsFunc(caches, func(c pkgcache.Cache) bool { return c.Tool == d.Tool })
		if mounted && canFix(d.Fix) {
			out = append(out, d)
		}
	}
	return out
}

func canFix(f pkgcache.Fix) bool {
	return len(f.Edits) > 0 || f.UnsetEnv != "" || f.Mount != nil
}

// overlappingMount returns an existing mount at dir, above it (other than
// the root) or inside it.
func overlappingMount(exec *pb.ExecOp, dir string) *pb.Mount {
	for _, m := range exec.Mounts {
		if m.Dest == "/" {
			continue
		}
		if m.Dest == dir || within(dir, m.Dest) || within(m.Dest, dir) {
			return m
		}
	}
	return nil
}

func addCacheMount(ctx context.Context, g *Graph, n *Node, exec *pb.ExecOp, c pkgcache.Cache, namespace string) error {
	m := &pb.Mount{
		Input:     int64(pb.Empty),
		Dest:      c.Dir,
		Output:    int64(pb.SkipOutput),
		MountType: pb.MountType_CACHE,
		CacheOpt:  &pb.CacheOpt{ID: namespace + "/" + cacheIDPrefix + c.Tool + c.Dir, Sharing: sharing(c.Sharing)},
	}
	caps := []string{string(pb.CapExecMountCache), string(pb.CapExecMountCacheSharing)}
	if c.Owner != nil {
		// As dockerfile2llb does for --mount=type=cache,uid=,gid=: the
		// cache starts as a directory the user owns.
		st := llb.Scratch().File(llb.Mkdir("/cache", 0o755, llb.WithUIDGID(c.Owner.UID, c.Owner.GID)),
			llb.WithCustomName("[internal] optfrontend: cache mount permissions"))
		idx, err := mountInput(ctx, g, n, st)
		if err != nil {
			return err
		}
		m.Input, m.Selector = idx, "/cache"
		caps = append(caps, string(pb.CapExecMountSelector))
	}
	insertMount(exec, m)
	addCaps(n, caps...)
	return nil
}

func addFileMount(ctx context.Context, g *Graph, n *Node, exec *pb.ExecOp, f pkgcache.FileMount) error {
	name := "/" + path.Base(f.Path)
	st := llb.Scratch().File(llb.Mkfile(name, 0o644, []byte(f.Content)),
		llb.WithCustomName("[internal] optfrontend: "+f.Path))
	idx, err := mountInput(ctx, g, n, st)
	if err != nil {
		return err
	}
	insertMount(exec, &pb.Mount{Input: idx, Selector: name, Dest: f.Path, Output: int64(pb.SkipOutput), Readonly: true, MountType: pb.MountType_BIND})
	addCaps(n, string(pb.CapExecMountBind), string(pb.CapExecMountSelector))
	return nil
}

func sharing(s string) pb.CacheSharingOpt {
	if s == pkgcache.SharingLocked {
		return pb.CacheSharingOpt_LOCKED
	}
	return pb.CacheSharingOpt_SHARED
}
