package llbopt

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/moby/buildkit/solver/pb"

	"github.com/org/optfrontend/llbopt/pkgcache"
)

// Reads answers, for the whole graph, "does anything built on top of this
// step read this directory?": every op that descends from the step, in its
// stage and in every other, and the final image. It is conservative by
// construction: a script it cannot parse, a command it does not know, a
// script it cannot see (sh script.sh, ./build.sh), an argument the script
// computes may read anything. Each exec's script is parsed once.
type Reads struct {
	g       *Graph
	users   map[*Node][]*Node
	after   map[*Node]map[*Node]bool
	scripts map[*Node]script
	image   map[*Node]bool
}

// script is an exec's commands, as pkgcache.AllCommands lists them.
type script struct {
	cmds []pkgcache.Command
	err  error
}

// Reader is an op that may read a directory, and why, in words for a
// report.
type Reader struct {
	Node *Node
	Why  string
}

// NewReads prepares the questions for a graph. It must be asked before
// the graph is edited again.
func NewReads(g *Graph) *Reads {
	r := &Reads{g: g, users: map[*Node][]*Node{}, after: map[*Node]map[*Node]bool{}, scripts: map[*Node]script{}}
	for _, n := range g.Nodes() {
		for _, e := range n.Inputs {
			if !slices.Contains(r.users[e.Node], n) {
				r.users[e.Node] = append(r.users[e.Node], n)
			}
		}
	}
	r.image = imageSources(g)
	return r
}

// Later returns every op built on top of n, directly or not, in graph
// order.
func (r *Reads) Later(n *Node) []*Node {
	set := r.laterSet(n)
	var out []*Node
	for _, x := range r.g.Nodes() {
		if set[x] {
			out = append(out, x)
		}
	}
	return out
}

func (r *Reads) laterSet(n *Node) map[*Node]bool {
	if s, ok := r.after[n]; ok {
		return s
	}
	s := map[*Node]bool{}
	var walk func(*Node)
	walk = func(x *Node) {
		for _, u := range r.users[x] {
			if !s[u] {
				s[u] = true
				walk(u)
			}
		}
	}
	walk(n)
	r.after[n] = s
	return s
}

// InImage tells whether what n leaves at a path can be at that same path
// in the final image: n is on the chain of root filesystems the result is
// built from (not only the source of a copy to another path).
func (r *Reads) InImage(n *Node) bool { return r.image[n] }

// Commands returns an exec's commands, parsed once; the error is non-nil
// when the script could not be parsed.
func (r *Reads) Commands(n *Node) ([]pkgcache.Command, error) {
	if s, ok := r.scripts[n]; ok {
		return s.cmds, s.err
	}
	exec := n.Op.GetExec()
	if exec == nil || exec.Meta == nil {
		return nil, nil
	}
	cmds, err := pkgcache.AllCommands(execOf(exec))
	r.scripts[n] = script{cmds, err}
	return cmds, err
}

// FirstReader returns the first op built on top of s that may read what s
// leaves in dir, the cache directory of the kind tool ("go-mod"; "" for
// a directory no tool owns), skipping the execs for which mounted says they will have
// a cache mount at dir themselves (they see the cache, not s's files). res
// gives the caches each exec uses. The final image is not asked: see
// InImage.
func (r *Reads) FirstReader(s *Node, dir, tool string, mounted func(*Node) bool, res func(*Node) pkgcache.Result) *Reader {
	from := func(n *Node) bool { return n == s || r.laterSet(s)[n] }
	for _, n := range r.Later(s) {
		switch op := n.Op.Op.(type) {
		case *pb.Op_Exec:
			if why, ok := r.execReads(n, op.Exec, dir, tool, from, mounted(n), res); ok {
				return &Reader{Node: n, Why: why}
			}
		case *pb.Op_File:
			if why, ok := fileReads(n, op.File, dir, from); ok {
				return &Reader{Node: n, Why: why}
			}
		}
	}
	return nil
}

// execReads tells whether an exec may read dir of the ops from says: each
// of its mounts whose input comes from them and shows dir (at the same
// path for the root filesystem, elsewhere for a mount with a selector) is
// asked of the exec's commands.
func (r *Reads) execReads(n *Node, exec *pb.ExecOp, dir, tool string, from func(*Node) bool, mounted bool, res func(*Node) pkgcache.Result) (string, bool) {
	for _, m := range exec.Mounts {
		if m.Input < 0 || int(m.Input) >= len(n.Inputs) || !from(n.Inputs[m.Input].Node) {
			continue
		}
		sel := clean(m.Selector)
		if !overlaps(sel, dir) {
			continue
		}
		at := m.Dest
		if sel == dir || within(dir, sel) {
			at = path.Join(m.Dest, strings.TrimPrefix(dir, sel))
		}
		if m.Dest == pb.RootMount && (mounted || hidden(exec, at)) {
			continue
		}
		if why, ok := r.scriptReads(n, at, tool, res(n)); ok {
			return why, true
		}
	}
	return "", false
}

// hidden tells whether another mount of the exec covers dir of its root
// filesystem.
func hidden(exec *pb.ExecOp, dir string) bool {
	return slices.ContainsFunc(exec.Mounts, func(m *pb.Mount) bool {
		return m.Dest != pb.RootMount && (m.Dest == dir || within(dir, m.Dest))
	})
}

// scriptReads asks each command of an exec whether it may read dir.
func (r *Reads) scriptReads(n *Node, dir, tool string, res pkgcache.Result) (string, bool) {
	cmds, err := r.Commands(n)
	if err != nil {
		return fmt.Sprintf("its script could not be parsed (%v)", err), true
	}
	for _, c := range cmds {
		if why, ok := CommandReads(c, dir, tool, res); ok {
			return why, true
		}
	}
	return "", false
}

// fileReads tells whether a file op copies from dir of the ops from says.
func fileReads(n *Node, f *pb.FileOp, dir string, from func(*Node) bool) (string, bool) {
	fromAny := slices.ContainsFunc(n.Inputs, func(e Edge) bool { return from(e.Node) })
	for _, a := range f.Actions {
		cp := a.GetCopy()
		if cp == nil {
			continue
		}
		src := a.SecondaryInput
		if src >= 0 && int(src) < len(n.Inputs) && !from(n.Inputs[src].Node) || src >= int64(len(n.Inputs)) && !fromAny || src < 0 {
			continue
		}
		if overlaps(globBase(clean(cp.Src)), dir) {
			return fmt.Sprintf("it copies %s", cp.Src), true
		}
	}
	return "", false
}

// globBase is the directory a pattern matches in: the path before its
// first glob character, up to a whole name.
func globBase(p string) string {
	i := strings.IndexAny(p, "*?[")
	if i < 0 {
		return p
	}
	p = p[:i]
	if !strings.HasSuffix(p, "/") {
		p = path.Dir(p)
	}
	return clean(p)
}

// imageSources returns the ops whose files reach the final image at the
// same paths: from the result, the root filesystem chain of every exec
// output, the base of every file op, the inputs of merges and diffs.
func imageSources(g *Graph) map[*Node]bool {
	out := map[*Node]bool{}
	t := g.Terminal()
	if t == nil || len(t.Inputs) == 0 {
		return out
	}
	var walk func(e Edge)
	walk = func(e Edge) {
		n := e.Node
		if out[n] {
			return
		}
		out[n] = true
		switch op := n.Op.Op.(type) {
		case *pb.Op_Exec:
			for _, m := range op.Exec.Mounts {
				if m.Output == e.Index && m.Input >= 0 && int(m.Input) < len(n.Inputs) {
					walk(n.Inputs[m.Input])
				}
			}
		case *pb.Op_File:
			for _, a := range op.File.Actions {
				if a.Input >= 0 && int(a.Input) < len(n.Inputs) {
					walk(n.Inputs[a.Input])
				}
			}
		default:
			for _, in := range n.Inputs {
				walk(in)
			}
		}
	}
	walk(t.Inputs[0])
	return out
}

// silent are commands that read no file named by their arguments.
var silent = words("echo printf true false : sleep id whoami set exit return umask ulimit hash trap shift wait alias unalias read basename dirname useradd adduser groupadd addgroup usermod groupmod env")

// fileArgs are commands that read (or stat, or remove) only the paths they
// are given, options' values included.
var fileArgs = words("cat head tail grep egrep fgrep zgrep sed awk cut sort uniq tr wc cp mv rm rmdir unlink shred ln ls stat du df diff cmp tar unzip gzip gunzip zcat xz bzip2 sha256sum sha512sum sha1sum md5sum chmod chown chgrp touch mkdir find install readlink realpath file test [ tee strip patch")

// shells run a script given as an argument or on standard input.
var shells = words("sh bash dash ash zsh ksh mksh busybox")

// systemState is what a system package manager reads whatever it is asked
// to do, beside the paths it is given.
var systemState = map[string][]string{
	"apt-get":   {"/var/lib/apt", "/var/cache/apt", "/var/lib/dpkg", "/etc/apt"},
	"apt":       {"/var/lib/apt", "/var/cache/apt", "/var/lib/dpkg", "/etc/apt"},
	"apt-cache": {"/var/lib/apt", "/var/cache/apt", "/var/lib/dpkg", "/etc/apt"},
	"dpkg":      {"/var/lib/dpkg", "/etc/dpkg"},
	"apk":       {"/etc/apk", "/var/cache/apk", "/lib/apk"},
}

// inspections are a tool's commands that only print what it knows: they
// read their own configuration, no cache.
var inspections = map[string][]string{
	"go":  words("version env help"),
	"pip": words("--version -V list freeze show help config debug"),
	"npm": words("--version -v version help config view ls"),
}

// CommandReads tells whether one command may read dir, and why. tool is
// the cache kind dir is, "" for none; res is the Analyze result of the
// exec the command is part of, for the cache directories a package
// manager's command uses.
func CommandReads(c pkgcache.Command, dir, tool string, res pkgcache.Result) (string, bool) {
	for _, rd := range c.Redirects {
		if rd.Op != "<" && rd.Op != "<>" {
			continue
		}
		if !rd.Known || overlaps(rd.Path, dir) {
			return fmt.Sprintf("`%s` reads %s", c.Text, rd.Path), true
		}
	}
	switch name := c.Name; {
	case name == "":
		return fmt.Sprintf("`%s` runs a command whose name the script computes", c.Text), true
	case slices.Contains(silent, name) || forced(c) || name == "apt-get" && firstArg(c) == "clean":
		return "", false
	case slices.Contains(fileArgs, name):
		return argsRead(c, dir, true)
	case slices.Contains(shells, name):
		if c.Runs {
			return "", false
		}
		return fmt.Sprintf("`%s` runs a script the model cannot read", c.Text), true
	case systemState[name] != nil:
		for _, d := range systemState[name] {
			if overlaps(d, dir) {
				return fmt.Sprintf("`%s` reads %s", c.Text, d), true
			}
		}
		return argsRead(c, dir, true)
	case c.Uses:
		return toolReads(c, dir, tool, res)
	case isInspection(c):
		return "", false
	}
	return fmt.Sprintf("`%s` is not a command the model knows, so it may read anything", c.Text), true
}

// forced tells whether a command is rm -f: what it leaves does not depend
// on what was there, so it reads nothing.
func forced(c pkgcache.Command) bool {
	if c.Name != "rm" {
		return false
	}
	for i, a := range c.Args {
		if a == "--" {
			return false
		}
		if c.Known[i] && (a == "--force" || len(a) > 1 && a[0] == '-' && a[1] != '-' && strings.ContainsRune(a, 'f')) {
			return true
		}
	}
	return false
}

// firstArg is the command's first argument, "" when it has none or the
// script computes it.
func firstArg(c pkgcache.Command) string {
	if len(c.Args) == 0 || !c.Known[0] {
		return ""
	}
	return c.Args[0]
}

func isInspection(c pkgcache.Command) bool {
	subs := inspections[strings.TrimRight(c.Name, "0123456789.")]
	return len(c.Args) > 0 && c.Known[0] && slices.Contains(subs, c.Args[0])
}

// toolReads is what a package manager's use of its caches reads: those
// caches, its working directory, the paths it is given and those its
// environment names.
func toolReads(c pkgcache.Command, dir, tool string, res pkgcache.Result) (string, bool) {
	if slices.Contains(res.UnresolvedTools, tool) {
		return fmt.Sprintf("`%s` uses a cache directory that could not be resolved", c.Text), true
	}
	for _, cache := range res.Caches {
		if overlaps(cache.Dir, dir) {
			return fmt.Sprintf("`%s` uses %s", c.Text, cache.Dir), true
		}
	}
	if c.Cwd == "" || c.Cwd == dir || within(c.Cwd, dir) {
		return fmt.Sprintf("`%s` runs in %s", c.Text, cwdText(c.Cwd)), true
	}
	for _, kv := range c.Env {
		if _, v, _ := strings.Cut(kv, "="); namesPath(v, dir) {
			return fmt.Sprintf("`%s` runs with %s", c.Text, kv), true
		}
	}
	return argsRead(c, dir, false)
}

func cwdText(cwd string) string {
	if cwd == "" {
		return "a directory the script computes"
	}
	return cwd
}

// argsRead takes every argument that is not an option for a path the
// command may read, and the value of every --option=value. A path above
// dir counts when the command may read directories whole (cp -r, tar);
// a package manager given a directory reads its project, not its tree.
func argsRead(c pkgcache.Command, dir string, trees bool) (string, bool) {
	for i, a := range c.Args {
		if !c.Known[i] {
			return fmt.Sprintf("`%s` has an argument the script computes (%s)", c.Text, a), true
		}
		if strings.HasPrefix(a, "-") {
			_, v, ok := strings.Cut(a, "=")
			if !ok {
				continue
			}
			a = v
		}
		if a == "" {
			continue
		}
		p := a
		if !path.IsAbs(p) {
			if c.Cwd == "" {
				return fmt.Sprintf("`%s` names %s in a directory the script computes", c.Text, a), true
			}
			p = path.Join(c.Cwd, p)
		}
		p = globBase(path.Clean(p))
		if p == dir || within(p, dir) || trees && within(dir, p) {
			return fmt.Sprintf("`%s` reads %s", c.Text, a), true
		}
	}
	return "", false
}

// namesPath tells whether a value (a path, a URL, a flag list) names dir or a
// path in it.
func namesPath(val, dir string) bool {
	for i := 0; ; {
		j := strings.Index(val[i:], dir)
		if j < 0 {
			return false
		}
		end := i + j + len(dir)
		if end == len(val) || strings.ContainsRune("/ :;,=\"'", rune(val[end])) {
			return true
		}
		i = end
	}
}

// namesInside tells whether a value names a path strictly inside dir.
func namesInside(val, dir string) bool {
	return strings.Contains(val, strings.TrimSuffix(dir, "/")+"/")
}

// words splits a space-separated list.
func words(s string) []string { return strings.Fields(s) }
