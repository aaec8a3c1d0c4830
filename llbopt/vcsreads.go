package llbopt

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/moby/buildkit/solver/pb"

	"github.com/org/optfrontend/llbopt/pkgcache"
)

// dirSet is a kind of context directory the contextfilter pass keeps out,
// and what a step must do to read one.
type dirSet struct {
	// names are the names, or name patterns (*.pyc), of its members.
	names []string
	// mention finds a member's name as a path element in any text.
	mention *regexp.Regexp
	// goReads is whether go build reads them (it stamps VCS information;
	// it never reads directories whose names start with . or _).
	goReads bool
}

// vcsSet is the version-control directories.
var vcsSet = dirSet{
	names: []string{".git", ".hg", ".svn"},
	// .git, .git/HEAD, /src/.hg, but not .gitignore.
	mention: regexp.MustCompile(`(^|[^A-Za-z0-9_.-])\.(git|hg|svn)($|[^A-Za-z0-9_.-])`),
	goReads: true,
}

// noiseSet is Python's and its tools' caches and virtualenvs.
var noiseSet = dirSet{
	names:   []string{"__pycache__", "*.pyc", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".tox", ".venv"},
	mention: regexp.MustCompile(`(^|[^A-Za-z0-9_.-])(__pycache__|\.pytest_cache|\.mypy_cache|\.ruff_cache|\.tox|\.venv)($|[^A-Za-z0-9_.-])|[A-Za-z0-9_]\.pyc($|[^A-Za-z0-9_.-])`),
}

// readsVCS says why a step of the graph may read version-control
// directories, "" when none can.
func readsVCS(g *Graph) string { return vcsSet.readBy(g) }

// readsNoise says why a step of the graph may read the tool caches or
// virtualenvs of the context by name, "" when none can.
func readsNoise(g *Graph) string { return noiseSet.readBy(g) }

// readBy says why a step of the graph may read members of the set, ""
// when none can. Anything the pass does not fully
// understand counts as a read: a script it cannot parse, a command it does
// not know, a word known only when the build runs, a glob that may match
// them, any mention of them that no command it knows accounts for (a
// redirection, a here-document), and every copy or bind mount whose
// source names them or may match them.
func (d dirSet) readBy(g *Graph) string {
	for _, n := range g.Nodes() {
		why := ""
		switch {
		case n.Op.GetExec() != nil && n.Op.GetExec().Meta != nil:
			why = d.execReads(n.Op.GetExec())
		case n.Op.GetFile() != nil:
			why = d.fileReads(n.Op.GetFile())
		}
		if why == "" {
			continue
		}
		if loc, ok := g.Location(n); ok {
			why += fmt.Sprintf(" (line %d)", loc.Start)
		}
		return why
	}
	return ""
}

// fileReads says why a file op's copies may take members by name: a
// source or include pattern that names or may match them.
func (d dirSet) fileReads(f *pb.FileOp) string {
	for _, a := range f.Actions {
		cp := a.GetCopy()
		if cp == nil {
			continue
		}
		if d.patternMayName(cp.Src, false) {
			return fmt.Sprintf("a copy of %s takes them", cp.Src)
		}
		for _, p := range cp.IncludePatterns {
			if d.patternMayName(p, false) {
				return fmt.Sprintf("a copy including %s may take them", p)
			}
		}
	}
	return ""
}

// execReads says why a RUN may read members.
func (d dirSet) execReads(exec *pb.ExecOp) string {
	for _, m := range exec.Mounts {
		if m.MountType == pb.MountType_BIND && m.Dest != pb.RootMount && d.patternMayName(m.Selector, false) {
			return fmt.Sprintf("the mount of %s at %s reads them", m.Selector, m.Dest)
		}
	}
	cmds, err := pkgcache.Commands(execOf(exec))
	if err != nil {
		return "a RUN whose script cannot be read may use them"
	}
	accounted := 0
	for _, c := range cmds {
		if why := d.reader(c); why != "" {
			return fmt.Sprintf("`%s` %s", c.Text, why)
		}
		if changesOnly[c.Name] {
			for _, a := range c.Args {
				accounted += len(d.mention.FindAllStringIndex(a, -1))
			}
		}
	}
	mentions := 0
	for _, a := range exec.Meta.Args {
		mentions += len(d.mention.FindAllStringIndex(a, -1))
	}
	if mentions > accounted {
		return "names them in a way this pass does not follow (a redirection, a here-document), so may read them"
	}
	return ""
}

// patternMayName tells whether a path or pattern names a member or
// something in one, or has an element that may match one. shell is set
// for a shell glob, whose * does not match a leading dot; BuildKit's copy
// patterns match it.
func (d dirSet) patternMayName(p string, shell bool) bool {
	for _, el := range strings.Split(p, "/") {
		for _, v := range d.names {
			if ok, err := path.Match(v, el); ok || err != nil {
				return true // el is a member (a name, or a name the pattern takes)
			}
		}
		if !strings.ContainsAny(el, "*?[") {
			continue
		}
		if el == "**" {
			return true
		}
		for _, v := range d.names {
			if shell && !strings.HasPrefix(el, ".") && strings.HasPrefix(v, ".") {
				continue // a shell glob's leading wildcard does not match a leading dot
			}
			if strings.ContainsAny(v, "*?[") {
				v = strings.NewReplacer("*", "x", "?", "x").Replace(v) // a name the member pattern takes
			}
			if ok, err := path.Match(el, v); ok || err != nil {
				return true
			}
		}
	}
	return false
}

// changesOnly are commands that read no file's content: they print their
// words, change the system's users, or make, remove or change the
// attributes of the paths they name. A .git they name is changed, not
// read, and its absence changes nothing else.
var changesOnly = map[string]bool{
	"echo": true, "printf": true, "true": true, "false": true, "id": true, "whoami": true, "sleep": true,
	"export": true, "set": true, "cd": true, "dirname": true, "basename": true, "command": true, "type": true, "which": true,
	"mkdir": true, "rm": true, "rmdir": true, "chown": true, "chgrp": true, "chmod": true, "touch": true, "ln": true,
	"useradd": true, "adduser": true, "groupadd": true, "addgroup": true, "usermod": true, "groupmod": true,
	"apt-get": true, "apt": true, "apk": true,
}

// pathReaders read the files their operands name, and the directories
// they name when recurse says so for their flags.
var pathReaders = map[string]func(flags []string) bool{
	"cat": never, "head": never, "tail": never, "test": never, "[": never, "stat": never, "wc": never,
	"sha256sum": never, "sha1sum": never, "md5sum": never, "sed": never, "awk": never, "sort": never,
	"cut": never, "readlink": never, "realpath": never, "file": never, "cmp": never, "mv": never,
	"gzip": never, "gunzip": never, "unzip": never, "curl": never, "wget": never, "dpkg": never,
	"cp": anyFlag("r", "R", "a", "recursive", "archive"), "install": never,
	"ls":   anyFlag("R", "a", "A", "recursive", "all", "almost-all"),
	"grep": anyFlag("r", "R", "recursive", "dereference-recursive"), "diff": anyFlag("r", "recursive"),
	"tar": always, "find": always, "du": always, "rsync": always, "zip": always, "xargs": always,
}

func never([]string) bool  { return false }
func always([]string) bool { return true }

// anyFlag tells whether one of the flags is given, as -x (alone or among
// other letters) or --long.
func anyFlag(names ...string) func([]string) bool {
	return func(flags []string) bool {
		for _, f := range flags {
			for _, n := range names {
				if len(n) == 1 && !strings.HasPrefix(f, "--") && strings.Contains(f[1:], n) || f == "--"+n {
					return true
				}
			}
		}
		return false
	}
}

// reader says why a command may read members.
func (d dirSet) reader(c pkgcache.Command) string {
	sub := ""
	if ops := operandsOf(c); len(ops) > 0 {
		sub = ops[0].val
	}
	if changesOnly[c.Name] {
		return ""
	}
	if recurse, ok := pathReaders[c.Name]; ok {
		return d.pathReader(c, recurse)
	}
	switch c.Name {
	case "sh", "bash", "dash", "ash":
		if keepsFiles(c) && !slices.Contains(c.Known, false) {
			return "" // the walk reads the script's own commands
		}
		return "runs a script that may read them"
	case "npm", "yarn", "pnpm":
		switch sub {
		case "ci", "install", "i", "add", "clean-install":
			if slices.Contains(c.Args, "--ignore-scripts") {
				return ""
			}
			return "runs the project's install scripts (prepare, postinstall), which may read them"
		}
		return "runs package scripts that may read them"
	case "go":
		if !d.goReads || sub == "mod" && len(c.Args) > 1 && c.Args[1] == "download" || sub == "env" || sub == "version" {
			return ""
		}
		return "stamps version-control information into what it builds"
	case "pip", "pip3", "uv", "poetry":
		return pipReadsVCS(c, sub)
	}
	if strings.HasPrefix(c.Name, "python") && len(c.Args) > 2 && c.Args[0] == "-m" && c.Args[1] == "pip" {
		return d.reader(pkgcache.Command{Name: "pip", Args: c.Args[2:], Known: c.Known[2:], Text: c.Text})
	}
	return "may read them"
}

// pathReader says why a command that reads the paths it names may read
// members: an operand that names or may match them,
// one known only when the build runs, or any operand at all where the
// command walks the directories it names.
func (d dirSet) pathReader(c pkgcache.Command, recurse func([]string) bool) string {
	var flags []string
	for i, a := range c.Args {
		if c.Known[i] && strings.HasPrefix(a, "-") {
			flags = append(flags, a)
		}
	}
	walks := recurse(flags)
	for i, a := range c.Args {
		switch {
		case !c.Known[i]:
			return fmt.Sprintf("reads %s, known only when the build runs, which may name them", a)
		case d.patternMayName(a, true) || d.mention.MatchString(a):
			return fmt.Sprintf("reads %s", a)
		case walks && !strings.HasPrefix(a, "-"):
			return fmt.Sprintf("walks %s, which may hold them", a)
		}
	}
	return ""
}

// pipReadsVCS says why a Python install may read version-control
// directories: it builds the project, whose version setuptools-scm and its
// kin take from them, or reads a requirements file that may name it.
func pipReadsVCS(c pkgcache.Command, sub string) string {
	if c.Name == "poetry" && sub == "install" {
		return "installs the project, whose version may come from them"
	}
	for i, a := range c.Args {
		switch {
		case !c.Known[i]:
			return fmt.Sprintf("installs %s, known only when the build runs, which may be the project", a)
		case a == "." || strings.HasPrefix(a, "./") || strings.HasPrefix(a, "/") || a == "-e" || a == "--editable" || strings.HasPrefix(a, "git+"):
			return "installs the project, whose version may come from them"
		case a == "-r" || a == "--requirement" || strings.HasPrefix(a, "--requirement=") || strings.HasPrefix(a, "-r") && len(a) > 2 && a[1] == 'r':
			return "reads a requirements file that may install the project, whose version may come from them"
		}
	}
	return ""
}
