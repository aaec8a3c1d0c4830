package llbopt

import (
	"path"
	"slices"
	"strings"

	"github.com/moby/buildkit/solver/pb"

	"github.com/org/optfrontend/llbopt/pkgcache"
)

// effects is what a step may do to the files of the steps before it, as far
// as its op or its script tells. Both lists hold absolute, clean path
// prefixes; "/" means anywhere.
type effects struct {
	// writes are where the step may create or change files.
	writes []string
	// removes are where the step deletes, moves, re-owns or re-modes files
	// that may already exist: what it leaves of an earlier layer's files
	// there is the bytes that layer wastes.
	removes []string
	// removers are the commands behind removes, for the report.
	removers []string
}

// anywhere is the prefix that overlaps every path.
const anywhere = "/"

// systemDirs are where a system package manager installs, so that an
// apt-get install after a COPY into /app is not taken to write there.
var systemDirs = []string{"/bin", "/boot", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/opt", "/root", "/run", "/sbin", "/tmp", "/usr", "/var"}

// stepEffects reads what a step may write and remove.
func stepEffects(n *Node) effects {
	switch op := n.Op.Op.(type) {
	case *pb.Op_Exec:
		if op.Exec.Meta == nil {
			return effects{writes: []string{anywhere}}
		}
		return execEffects(execOf(op.Exec))
	case *pb.Op_File:
		var fx effects
		for _, a := range op.File.Actions {
			switch x := a.Action.(type) {
			case *pb.FileAction_Copy:
				fx.writes = append(fx.writes, copyTarget(x.Copy))
			case *pb.FileAction_Mkfile:
				fx.writes = append(fx.writes, clean(x.Mkfile.Path))
			case *pb.FileAction_Mkdir:
				fx.writes = append(fx.writes, clean(x.Mkdir.Path))
			case *pb.FileAction_Rm:
				fx.removes = append(fx.removes, clean(x.Rm.Path))
				fx.removers = append(fx.removers, "rm "+x.Rm.Path)
			default:
				fx.writes = append(fx.writes, anywhere)
			}
		}
		return fx
	}
	return effects{writes: []string{anywhere}}
}

// execEffects reads a script command by command. A script that does not
// parse may write anywhere and is taken to remove nothing, so it never
// starts a squash by itself.
func execEffects(e pkgcache.Exec) effects {
	cmds, err := pkgcache.Commands(e)
	if err != nil {
		return effects{writes: []string{anywhere}}
	}
	var fx effects
	for _, c := range cmds {
		w, r := commandEffects(c)
		fx.writes = append(fx.writes, w...)
		if len(r) > 0 {
			fx.removes = append(fx.removes, r...)
			fx.removers = append(fx.removers, c.Text)
		}
	}
	return fx
}

// commandEffects classifies one command. Commands it does not know may
// write anywhere and remove nothing: a squash starts only at a command
// known to delete or alter existing files.
func commandEffects(c pkgcache.Command) (writes, removes []string) {
	ops := operandsOf(c)
	sub := ""
	if len(ops) > 0 {
		sub = ops[0].val
	}
	switch c.Name {
	case "echo", "printf", "true", "false", "test", "[", "cat", "ls", "id", "whoami", "which", "sleep", "command", "type", "set":
		return nil, nil
	case "sh", "bash", "dash", "ash", "zsh", "ksh":
		if slices.Contains(c.Args, "-c") {
			return nil, nil // the walk lists the script's own commands
		}
	case "rm", "rmdir", "unlink", "shred":
		return nil, paths(c, ops)
	case "mv":
		return paths(c, ops), paths(c, ops)
	case "chown", "chgrp", "chmod":
		if slices.ContainsFunc(c.Args, func(a string) bool { return strings.HasPrefix(a, "--reference") }) {
			return nil, paths(c, ops)
		}
		if len(ops) < 2 {
			return nil, nil
		}
		return nil, paths(c, ops[1:])
	case "find":
		return findEffects(c)
	case "apt-get", "apt", "aptitude":
		switch sub {
		case "clean", "autoclean":
			return nil, []string{"/var/cache/apt"}
		case "purge", "remove", "autoremove", "upgrade", "dist-upgrade", "full-upgrade":
			return systemDirs, []string{anywhere}
		case "update":
			return []string{"/var/lib/apt/lists", "/var/cache/apt"}, nil
		}
		return systemDirs, nil
	case "dpkg":
		for _, a := range c.Args {
			switch a {
			case "-r", "--remove", "-P", "--purge":
				return systemDirs, []string{anywhere}
			}
		}
		return systemDirs, nil
	case "apk":
		switch sub {
		case "del", "upgrade":
			return systemDirs, []string{anywhere}
		case "cache":
			return nil, []string{"/var/cache/apk", "/etc/apk/cache"}
		}
		return systemDirs, nil
	case "pip", "pip3", "uv", "poetry", "conda":
		if sub == "uninstall" || sub == "clean" || (sub == "cache" && len(ops) > 1 && ops[1].val != "dir") {
			return nil, []string{anywhere}
		}
		return pipWrites(c), nil
	case "npm", "pnpm", "yarn":
		return npmEffects(c, sub)
	case "mkdir", "touch":
		return paths(c, ops), nil
	case "useradd", "adduser", "groupadd", "addgroup", "usermod", "groupmod":
		return []string{"/etc", "/home", "/var"}, nil
	case "cp", "ln", "install":
		if len(ops) == 0 {
			return nil, nil
		}
		return paths(c, ops[len(ops)-1:]), nil
	case "tar", "unzip":
		return extractWrites(c), nil
	case "curl", "wget":
		return downloadWrites(c), nil
	}
	if strings.HasPrefix(c.Name, "python") && len(c.Args) > 2 && c.Args[0] == "-m" && c.Args[1] == "pip" {
		return commandEffects(pkgcache.Command{Name: "pip", Args: c.Args[2:], Known: c.Known[2:], Cwd: c.Cwd, Text: c.Text})
	}
	return []string{anywhere}, nil
}

// keepsFiles tells whether a command is known never to delete a file that
// existed before it ran: it only adds files, or changes them in place.
func keepsFiles(c pkgcache.Command) bool {
	switch c.Name {
	case "echo", "printf", "true", "false", "test", "[", "cat", "ls", "id", "whoami", "which", "sleep", "command", "type", "set",
		"chown", "chgrp", "chmod", "touch", "mkdir", "cp", "ln", "install", "tar", "unzip", "curl", "wget",
		"useradd", "adduser", "groupadd", "addgroup", "usermod", "groupmod":
		return true
	case "sh", "bash", "dash", "ash", "zsh", "ksh":
		return slices.Contains(c.Args, "-c") // the walk lists the script's own commands
	}
	return false
}

// pipWrites is where pip and its kin install: the interpreter's prefix and
// the user's home, unless the command names another place.
func pipWrites(c pkgcache.Command) []string {
	for _, a := range c.Args {
		for _, opt := range []string{"-t", "--target", "--prefix", "--root", "-e", "--editable", "--src"} {
			if a == opt || strings.HasPrefix(a, opt+"=") {
				return []string{anywhere}
			}
		}
	}
	w := append([]string{"/home"}, systemDirs...)
	if c.Name == "uv" || c.Name == "poetry" {
		w = append(w, cwdOrAnywhere(c)) // they make .venv and lock files here
	}
	return w
}

// npmEffects: npm ci deletes node_modules before it installs, prune and
// uninstall remove packages, cache clean empties the cache.
func npmEffects(c pkgcache.Command, sub string) (writes, removes []string) {
	home := []string{"/root", "/home", "/usr/local"}
	if c.Cwd == "" {
		return []string{anywhere}, nil
	}
	modules := path.Join(c.Cwd, "node_modules")
	writes = append([]string{c.Cwd}, home...)
	switch sub {
	case "ci":
		return writes, []string{modules}
	case "prune", "uninstall", "un", "remove", "rm", "r", "dedupe":
		return writes, []string{modules}
	case "cache":
		return nil, home
	}
	return writes, nil
}

// findEffects: find alters files only with -delete or an -exec of a
// command that does.
func findEffects(c pkgcache.Command) (writes, removes []string) {
	var starts []string
	i := 0
	for ; i < len(c.Args); i++ {
		a := c.Args[i]
		if strings.HasPrefix(a, "-") || a == "(" || a == "!" {
			break
		}
		starts = append(starts, a)
	}
	alters := false
	for j := i; j < len(c.Args); j++ {
		switch c.Args[j] {
		case "-delete":
			alters = true
		case "-exec", "-execdir", "-ok", "-okdir":
			if j+1 < len(c.Args) {
				_, r := commandEffects(pkgcache.Command{Name: path.Base(c.Args[j+1]), Cwd: c.Cwd, Args: []string{"x", "x"}, Known: []bool{true, true}})
				alters = alters || len(r) > 0
			}
		}
	}
	if !alters {
		return nil, nil
	}
	if len(starts) == 0 {
		starts = []string{"."}
	}
	ops := make([]operand, len(starts))
	for k, s := range starts {
		ops[k] = operand{val: s, known: c.Known[k]}
	}
	return nil, paths(c, ops)
}

// extractWrites is where tar and unzip put what they unpack: the directory
// named by -C (tar) or -d (unzip), else the working directory.
func extractWrites(c pkgcache.Command) []string {
	for i, a := range c.Args {
		for _, opt := range []string{"-C", "--directory", "-d"} {
			switch {
			case a == opt && i+1 < len(c.Args):
				return paths(c, []operand{{val: c.Args[i+1], known: c.Known[i+1]}})
			case strings.HasPrefix(a, opt+"="):
				return paths(c, []operand{{val: strings.TrimPrefix(a, opt+"="), known: c.Known[i]}})
			}
		}
	}
	return []string{cwdOrAnywhere(c)}
}

// downloadWrites is where curl and wget save: the file named by -o/-O
// (curl -o, wget -O) or the directory of -P, else the working directory;
// curl without -o writes to standard output, which a redirect may send
// anywhere.
func downloadWrites(c pkgcache.Command) []string {
	out := "-o"
	if c.Name == "wget" {
		out = "-O"
	}
	for i, a := range c.Args {
		if (a == out || a == "--output" || a == "--output-document" || a == "-P") && i+1 < len(c.Args) {
			return paths(c, []operand{{val: c.Args[i+1], known: c.Known[i+1]}})
		}
	}
	if c.Name == "curl" && !slices.Contains(c.Args, "-O") && !slices.Contains(c.Args, "--remote-name") {
		return []string{anywhere}
	}
	return []string{cwdOrAnywhere(c)}
}

func cwdOrAnywhere(c pkgcache.Command) string {
	if c.Cwd == "" {
		return anywhere
	}
	return c.Cwd
}

// operand is a non-option argument.
type operand struct {
	val   string
	known bool
}

// operandsOf returns the arguments that are not options, everything after
// "--" included.
func operandsOf(c pkgcache.Command) []operand {
	var out []operand
	opts := true
	for i, a := range c.Args {
		if opts && c.Known[i] && a == "--" {
			opts = false
			continue
		}
		if opts && c.Known[i] && len(a) > 1 && a[0] == '-' {
			continue
		}
		out = append(out, operand{val: a, known: c.Known[i]})
	}
	return out
}

// paths makes operands absolute prefixes: a glob stands for the directory
// it matches in, an operand the script computes for anywhere.
func paths(c pkgcache.Command, ops []operand) []string {
	var out []string
	for _, o := range ops {
		p := o.val
		if i := strings.IndexAny(p, "*?["); i >= 0 {
			p = p[:i]
			if !strings.HasSuffix(p, "/") {
				p = path.Dir(p)
			}
		}
		switch {
		case !o.known:
			return []string{anywhere}
		case path.IsAbs(p):
			out = append(out, path.Clean(p))
		case c.Cwd == "":
			return []string{anywhere}
		default:
			out = append(out, path.Join(c.Cwd, p))
		}
	}
	return out
}

// copyTarget is what a copy writes: the destination, or the source's name
// inside it when the destination is a directory (written with a trailing
// slash, or the root) and the source a single named file.
func copyTarget(c *pb.FileActionCopy) string {
	dest := clean(c.Dest)
	src := path.Clean("/" + c.Src)
	if (dest == anywhere || strings.HasSuffix(c.Dest, "/")) && src != "/" && !strings.ContainsAny(src, "*?[") {
		return path.Join(dest, path.Base(src))
	}
	return dest
}

func clean(p string) string {
	if p == "" {
		return anywhere
	}
	return path.Clean("/" + p)
}

// overlaps tells whether two path prefixes share any path.
func overlaps(a, b string) bool {
	return a == b || strings.HasPrefix(a, strings.TrimSuffix(b, "/")+"/") || strings.HasPrefix(b, strings.TrimSuffix(a, "/")+"/")
}
