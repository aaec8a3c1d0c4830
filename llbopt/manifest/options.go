package manifest

import (
	"path"
	"strings"

	"github.com/org/optfrontend/llbopt/pkgcache"
)

// optionKind is what an option of a tool takes.
type optionKind int

const (
	// flag takes no value.
	flag optionKind = iota + 1
	// boolFlag takes no value, or true or false (yarn's --production).
	boolFlag
	// valued takes a value that names nothing of the project: a number,
	// a URL, a group.
	valued
	// pathValued takes a path the tool writes or reads, which must lie
	// outside the project.
	pathValued
)

// optionTable is the options of a tool this package knows, by name; any
// other option is refused.
type optionTable map[string]optionKind

// subcommand finds a tool's subcommand: its first operand, past the values
// of the options the table knows to take one. at is its index, -1 when the
// command has none. ok is false when a word before it is known only when
// the build runs: the command may then be anything.
func subcommand(args []string, known []bool, opts optionTable) (sub string, at int, ok bool) {
	for i := 0; i < len(args); i++ {
		if !known[i] {
			return "", -1, false
		}
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" {
			return a, i, true
		}
		if k := opts[a]; k == valued || k == pathValued {
			i++
		}
	}
	return "", -1, true
}

// readOptions walks a command's arguments by the tool's table: operand
// gets each word that is no option (with its index, the subcommand's
// included) and option each known option with its value. An argument
// known only when the build runs, an option the table does not know, and
// a path option that points into the project are refusals.
func readOptions(c pkgcache.Command, args []string, known []bool, opts optionTable, operand func(i int, a string) error, option func(opt, val string) error) error {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !known[i] {
			return refuse(c, "has an argument known only when the build runs (%s)", a)
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			if err := operand(i, a); err != nil {
				return err
			}
			continue
		}
		opt, val, hasVal := strings.Cut(a, "=")
		kind, ok := opts[opt]
		switch {
		case !ok || kind == flag && hasVal || kind == boolFlag && hasVal && val != "true" && val != "false":
			return refuse(c, "has an option this pass does not know (%s)", a)
		case kind == boolFlag && !hasVal && i+1 < len(args) && known[i+1] && (args[i+1] == "true" || args[i+1] == "false"):
			i++
			val = args[i]
		case (kind == valued || kind == pathValued) && !hasVal:
			if i+1 >= len(args) {
				return refuse(c, "ends without the value of %s", opt)
			}
			i++
			if !known[i] {
				return refuse(c, "takes %s from a value known only when the build runs", opt)
			}
			val = args[i]
		}
		if kind == pathValued && inProject(c.Cwd, val) {
			return refuse(c, "uses %s, a path in the project", val)
		}
		if option != nil {
			if err := option(opt, val); err != nil {
				return err
			}
		}
	}
	return nil
}

// inProject tells whether a path a setting names may lie in the project
// the install runs in (dir, "" when unknown): a relative path (the tools
// resolve it against the project), one the environment expands, or an
// absolute path at or under dir, where the copy of the source lands. A
// path under ~ is the home's.
func inProject(dir, p string) bool {
	switch {
	case p == "" || strings.Contains(p, "$"):
		return true
	case p == "~" || strings.HasPrefix(p, "~/"):
		return false
	case !path.IsAbs(p):
		return true
	case dir == "":
		return false
	}
	dir, p = path.Clean(dir), path.Clean(p)
	return dir == "/" || p == dir || strings.HasPrefix(p, dir+"/")
}

// inProject is inProject for the directory the install runs in.
func (inst Install) inProject(p string) bool {
	return inProject(inst.dir, p)
}

// envValue returns a variable the command sees, and whether it is set.
func envValue(c pkgcache.Command, name string) (string, bool) {
	for _, kv := range c.Env {
		if k, v, _ := strings.Cut(kv, "="); k == name {
			return v, true
		}
	}
	return "", false
}

// truthy tells whether a variable's value turns a setting on, as the
// Python tools read 1, true, yes and on.
func truthy(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// remoteURL tells whether a source names a remote location and nothing of
// the project: an http(s), ssh or git URL, or git's scp-like form.
func remoteURL(v string) bool {
	v = strings.ToLower(strings.TrimSpace(v))
	for _, p := range []string{"https://", "http://", "git+https://", "git+http://", "ssh://", "git+ssh://", "git://", "git@"} {
		if strings.HasPrefix(v, p) {
			return true
		}
	}
	return false
}
