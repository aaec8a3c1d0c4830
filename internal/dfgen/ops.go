package dfgen

import (
	"fmt"
	"io/fs"
	"math/rand/v2"
	"path"
	"strings"
)

// gen is the state of one Generate call.
type gen struct {
	r     *rand.Rand
	base  Base
	fs    *model
	ctx   map[string]ContextFile
	kinds map[string]bool
}

// op is one kind of file operation: cmd returns its shell command and
// updates the model, or "" when the state offers nothing to apply it to.
type op struct {
	name   string
	weight int
	cmd    func(g *gen) string
}

// ops is the grammar of RUN commands.
var ops = []op{
	{"create", 6, (*gen).create},
	{"mkdir", 3, (*gen).mkdir},
	{"append", 2, (*gen).append},
	{"edit-mtime", 5, (*gen).editMtime},
	{"rewrite", 5, (*gen).rewrite},
	{"stamp", 2, (*gen).stamp},
	{"delete", 3, (*gen).delete},
	{"whiteout", 2, (*gen).whiteout},
	{"rename", 3, (*gen).rename},
	{"chmod", 3, (*gen).chmod},
	{"chown", 3, (*gen).chown},
	{"hardlink", 3, (*gen).hardlink},
	{"symlink", 2, (*gen).symlink},
	{"swap", 2, (*gen).swap},
	{"opaque", 2, (*gen).opaque},
	{"xattr", 2, (*gen).xattr},
}

var (
	topNames   = []string{"a", "b", "c", "d", "e"}
	childNames = []string{"x", "y", "z"}
	owners     = []string{"0:0", "1:1", "33:33", "1000:1000", "1000:0", "65534:65534"}
	fileModes  = []string{"600", "644", "755", "444", "4755", "2755", "6755", "4700"}
	execModes  = []string{"755", "711", "4755", "6755"}
	dirModes   = []string{"700", "755", "555", "1777", "2775", "1755"}
	words      = []string{"alpha", "bravo", "mode=AAAA", "delta", "echo", "foxtrot", "golf", "hotel", "india", "kilo"}
)

// step is one RUN of 1-4 operations or, one time in four, a COPY.
func (g *gen) step() string {
	if g.r.IntN(4) == 0 {
		if s := g.copyStep(); s != "" {
			return s
		}
	}
	var cmds []string
	for n := 1 + g.r.IntN(4); len(cmds) < n; {
		if c := g.anyOp(); c != "" {
			cmds = append(cmds, c)
		}
	}
	return "RUN " + strings.Join(cmds, " && ")
}

// anyOp draws operation kinds by weight until one applies.
func (g *gen) anyOp() string {
	total := 0
	for _, o := range ops {
		total += o.weight
	}
	for {
		w := g.r.IntN(total)
		for _, o := range ops {
			if w -= o.weight; w < 0 {
				if c := o.cmd(g); c != "" {
					g.kinds[o.name] = true
					return c
				}
				break
			}
		}
	}
}

// pool is every path the generator may create: under /fz, beside the
// base's files and inside its directories.
func (g *gen) pool() []string {
	out := []string{"/fz", "/etc/fz.conf"}
	for _, a := range topNames {
		out = append(out, "/fz/"+a)
		for _, b := range childNames {
			out = append(out, "/fz/"+a+"/"+b)
		}
	}
	for _, d := range g.base.Dirs {
		for _, b := range childNames {
			out = append(out, d+"/"+b)
		}
	}
	for _, f := range g.base.Files {
		out = append(out, f.Path)
	}
	return out
}

func pick[T any](r *rand.Rand, xs []T) T { return xs[r.IntN(len(xs))] }

// choose picks one of the paths that keep says yes to, "" when none does.
func (g *gen) choose(paths []string, keep func(string) bool) string {
	var c []string
	for _, p := range paths {
		if keep(p) {
			c = append(c, p)
		}
	}
	if len(c) == 0 {
		return ""
	}
	return pick(g.r, c)
}

func (g *gen) word() string {
	return fmt.Sprintf("%s %d", pick(g.r, words), g.r.IntN(1000))
}

// existing picks a mutable path of the model of one of the kinds.
func (g *gen) existing(keep func(p string, e *entry) bool) string {
	return g.choose(g.fs.paths(file, dir, symlink), func(p string) bool {
		return g.fs.mutable(p) && keep(p, g.fs.m[p])
	})
}

// writable picks a file whose content may change.
func (g *gen) writable() string {
	return g.existing(func(p string, e *entry) bool { return e.kind == file && !e.ino.shared })
}

func (g *gen) newPath() string { return g.choose(g.pool(), g.fs.creatable) }

func (g *gen) create() string {
	p := g.newPath()
	if p == "" {
		return ""
	}
	g.fs.putFile(p)
	c := fmt.Sprintf("printf '%%s\\n' '%s' > %s", g.word(), p)
	if g.r.IntN(3) == 0 {
		c += " && " + g.touch(p)
	}
	return c
}

// touch sets p's mtime to one of the base's fixed times.
func (g *gen) touch(p string) string {
	s := pick(g.r, g.base.Stamps)
	if e := g.fs.m[p]; e.kind == file {
		e.ino.stamp = s
	}
	return fmt.Sprintf("touch -d '%s' %s", s, p)
}

func (g *gen) mkdir() string {
	p := g.newPath()
	if p == "" {
		return ""
	}
	g.fs.m[p] = &entry{kind: dir}
	return "mkdir " + p
}

func (g *gen) append() string {
	p := g.writable()
	if p == "" {
		return ""
	}
	return fmt.Sprintf("printf '%%s\\n' '%s' >> %s", g.word(), p)
}

// editMtime changes a file in place with sed, same size, and gives it its
// old mtime back, as `cp -p` and `touch -r` do. sed -i writes a new file,
// so p leaves its hard links.
func (g *gen) editMtime() string {
	p := g.writable()
	if p == "" {
		return ""
	}
	e := g.fs.m[p]
	e.ino = &inode{stamp: e.ino.stamp}
	return fmt.Sprintf("touch -r %s /tmp/.fzref && LC_ALL=C sed -i 's/[a-y]/z/' %s && touch -r /tmp/.fzref %s && rm /tmp/.fzref", p, p, p)
}

// rewrite writes a file's bytes again in place, the same size, and stamps
// it with the time it had (touch -r, or touch -d with the same time).
func (g *gen) rewrite() string {
	p := g.writable()
	if p == "" {
		return ""
	}
	body := fmt.Sprintf("tr 'a-y' 'b-z' < %s > /tmp/.fzt && cat /tmp/.fzt > %s && rm /tmp/.fzt", p, p)
	if s := g.fs.m[p].ino.stamp; s != "" && g.r.IntN(4) > 0 {
		return fmt.Sprintf("%s && touch -d '%s' %s", body, s, p)
	}
	return fmt.Sprintf("touch -r %s /tmp/.fzref && %s && touch -r /tmp/.fzref %s && rm /tmp/.fzref", p, body, p)
}

func (g *gen) stamp() string {
	p := g.existing(func(_ string, e *entry) bool { return e.kind != symlink })
	if p == "" {
		return ""
	}
	return g.touch(p)
}

func (g *gen) delete() string {
	p := g.existing(func(_ string, e *entry) bool { return !e.base })
	if p == "" {
		return ""
	}
	k := g.fs.kind(p)
	g.fs.remove(p)
	if k == dir {
		return "rm -r " + p
	}
	return "rm " + p
}

// whiteout deletes a file the base image has.
func (g *gen) whiteout() string {
	p := g.existing(func(_ string, e *entry) bool { return e.base && e.kind == file })
	if p == "" {
		return ""
	}
	g.fs.remove(p)
	return "rm " + p
}

func (g *gen) rename() string {
	from := g.existing(func(string, *entry) bool { return true })
	if from == "" {
		return ""
	}
	to := g.choose(g.pool(), func(p string) bool {
		return g.fs.creatable(p) && p != from && !strings.HasPrefix(p, from+"/")
	})
	if to == "" {
		return ""
	}
	g.fs.move(from, to)
	return fmt.Sprintf("mv %s %s", from, to)
}

func (g *gen) chmod() string {
	p := g.existing(func(_ string, e *entry) bool { return e.kind != symlink })
	if p == "" {
		return ""
	}
	modes := fileModes
	switch {
	case g.fs.kind(p) == dir:
		modes = dirModes
	case g.fs.shared(p):
		modes = execModes
	}
	return fmt.Sprintf("chmod %s %s", pick(g.r, modes), p)
}

func (g *gen) chown() string {
	p := g.existing(func(string, *entry) bool { return true })
	if p == "" {
		return ""
	}
	flags := " "
	switch {
	case g.fs.kind(p) == dir && g.r.IntN(2) == 0:
		flags = " -hR "
	case g.fs.kind(p) == symlink:
		flags = " -h "
	}
	return fmt.Sprintf("chown%s%s %s", flags, pick(g.r, owners), p)
}

func (g *gen) hardlink() string {
	from := g.choose(g.fs.paths(file), func(string) bool { return true })
	to := g.newPath()
	if from == "" || to == "" {
		return ""
	}
	g.fs.m[to] = &entry{kind: file, ino: g.fs.m[from].ino}
	return fmt.Sprintf("ln %s %s", from, to)
}

func (g *gen) symlink() string {
	to := g.newPath()
	if to == "" {
		return ""
	}
	var target string
	switch g.r.IntN(3) {
	case 0:
		target = pick(g.r, childNames)
	case 1:
		target = "../" + pick(g.r, topNames)
	default:
		target = pick(g.r, g.pool())
	}
	g.fs.m[to] = &entry{kind: symlink}
	return fmt.Sprintf("ln -s %s %s", target, to)
}

// swap turns a file or symlink into a directory, or a directory into a
// file, in one command.
func (g *gen) swap() string {
	p := g.existing(func(string, *entry) bool { return true })
	if p == "" {
		return ""
	}
	if g.fs.kind(p) == dir {
		g.fs.remove(p)
		g.fs.putFile(p)
		return fmt.Sprintf("rm -r %s && printf '%%s\\n' '%s' > %s", p, g.word(), p)
	}
	g.fs.remove(p)
	g.fs.m[p] = &entry{kind: dir}
	return fmt.Sprintf("rm %s && mkdir %s", p, p)
}

// opaque deletes a directory and makes it again with a new file: the
// layer holds an opaque directory.
func (g *gen) opaque() string {
	p := g.existing(func(_ string, e *entry) bool { return e.kind == dir })
	if p == "" {
		return ""
	}
	g.fs.remove(p)
	g.fs.m[p] = &entry{kind: dir}
	child := p + "/" + pick(g.r, childNames)
	g.fs.putFile(child)
	return fmt.Sprintf("rm -r %s && mkdir %s && printf '%%s\\n' '%s' > %s", p, p, g.word(), child)
}

// xattr gives a file a capability (security.capability is the one xattr
// containerd's layer writer keeps), through perl's syscall: no base has
// setfattr.
func (g *gen) xattr() string {
	if !g.base.Xattr {
		return ""
	}
	p := g.writable()
	if p == "" {
		return ""
	}
	caps := pick(g.r, []string{"1024", "8192", "1056"}) // net_bind_service, net_raw, both with chown
	return fmt.Sprintf(`perl -e '$n = "security.capability"; $v = pack("V5", 0x02000001, %s, 0, 0, 0); syscall(188, $ARGV[0], $n, $v, 20, 0) == 0 or die "setxattr: $!"' %s`, caps, p)
}

// copyStep copies a new context file, or one time in three a directory
// of two, with or without --chown and --chmod.
func (g *gen) copyStep() string {
	n := len(g.ctx)
	var flags string
	if g.r.IntN(2) == 0 {
		flags += " --chown=" + pick(g.r, owners)
	}
	if g.r.IntN(3) == 0 {
		flags += " --chmod=" + pick(g.r, []string{"644", "755", "600", "4755"})
	}
	mode := pick(g.r, []uint32{0o644, 0o755, 0o600})
	if g.r.IntN(3) == 0 {
		dst := g.choose(g.pool(), func(p string) bool { return g.fs.kind(p) == absent && g.fs.copyable(p) })
		if dst == "" {
			return ""
		}
		src := fmt.Sprintf("d%d", n)
		g.parents(dst)
		g.fs.m[dst] = &entry{kind: dir}
		for _, c := range childNames[:2] {
			g.ctx[src+"/"+c] = ContextFile{Data: []byte(g.word() + "\n"), Mode: fsMode(mode)}
			g.fs.putFile(dst + "/" + c)
		}
		g.kinds["copy-dir"] = true
		return fmt.Sprintf("COPY%s %s %s", flags, src, dst)
	}
	dst := g.choose(g.pool(), func(p string) bool { return g.fs.copyable(p) && !g.fs.shared(p) })
	if dst == "" {
		return ""
	}
	src := fmt.Sprintf("f%d", n)
	g.ctx[src] = ContextFile{Data: []byte(g.word() + "\n"), Mode: fsMode(mode)}
	g.parents(dst)
	g.fs.putFile(dst)
	g.kinds["copy"] = true
	return fmt.Sprintf("COPY%s %s %s", flags, src, dst)
}

func fsMode(m uint32) fs.FileMode { return fs.FileMode(m) }

// parents makes the missing parents COPY makes.
func (g *gen) parents(p string) {
	g.fs.mkdirAll(path.Dir(p))
}
