package pkgcache

import (
	"path"
	"slices"
	"strings"
)

// shift returns the command that a wrapper runs: the words from i on. It
// is nil when there are none. keepShell keeps builtins reachable (command,
// time); other wrappers are programs that exec their argument.
func (c *call) shift(i int, sc *scope, keepShell bool) *call {
	if i >= len(c.argv) {
		return nil
	}
	next := *c
	next.argv = c.argv[i:]
	next.sc = sc
	if !keepShell {
		next.shell = nil
	}
	return &next
}

// unwrap recognizes the commands that run another command: it returns
// that command, or nil when there is none to see, and false when base is
// not a wrapper.
func (w *walker) unwrap(c *call, base string) (*call, bool) {
	switch base {
	case "exec":
		return c.shift(1+skipOptions(c.argv[1:], "-a"), c.sc, false), true
	case "nohup":
		return c.shift(1, c.sc, false), true
	case "command":
		return w.commandCmd(c), true
	case "time":
		return c.shift(1+skipOptions(c.argv[1:], "-f -o"), c.sc, true), true
	case "nice":
		return c.shift(1+skipOptions(c.argv[1:], "-n"), c.sc, false), true
	case "timeout":
		i := 1 + skipOptions(c.argv[1:], "-s -k")
		return c.shift(i+1, c.sc, false), true
	case "env":
		return w.envCmd(c), true
	case "sudo":
		return w.sudoCmd(c), true
	}
	return nil, false
}

// skipOptions returns how many leading words are options, counting the
// values of the options in valueOpts.
func skipOptions(args []word, valueOpts string) int {
	takes := words(valueOpts)
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a.plain && a.val == "--":
			return i + 1
		case !a.lit || len(a.val) < 2 || a.val[0] != '-':
			return i
		case slices.Contains(takes, a.val):
			i++
		}
	}
	return len(args)
}

// commandCmd handles command [-p] cmd; command -v only looks a name up.
func (w *walker) commandCmd(c *call) *call {
	for _, a := range c.argv[1:] {
		if a.val == "-v" || a.val == "-V" {
			return nil
		}
	}
	return c.shift(1+skipOptions(c.argv[1:], ""), c.sc, true)
}

// envCmd handles env [-i] [-u NAME] [-C DIR] [NAME=VALUE]... cmd.
func (w *walker) envCmd(c *call) *call {
	sc := c.sc.clone()
	args := c.argv[1:]
	i := 0
	for ; i < len(args); i++ {
		n, ok := envOption(sc, args, i)
		if !ok {
			return nil
		}
		if n == 0 {
			break
		}
		i += n - 1
	}
	i += assignWords(sc, args[i:])
	return c.shift(1+i, sc, false)
}

// envOption applies the env option at args[i] and returns how many words
// it took: 0 at the first non-option, false for an option it cannot read.
func envOption(sc *scope, args []word, i int) (int, bool) {
	a := args[i]
	next := func() (string, bool) {
		if i+1 >= len(args) || !args[i+1].lit {
			return "", false
		}
		return args[i+1].val, true
	}
	switch {
	case !a.lit:
		return 0, false
	case a.val == "-i" || a.val == "-" || a.val == "--ignore-environment":
		sc.vars = map[string]variable{}
	case a.val == "-u" || a.val == "--unset":
		name, ok := next()
		delete(sc.vars, name)
		return 2, ok
	case strings.HasPrefix(a.val, "--unset="):
		delete(sc.vars, strings.TrimPrefix(a.val, "--unset="))
	case a.val == "-C" || a.val == "--chdir":
		dir, ok := next()
		sc.cwd = joinDir(sc.cwd, dir)
		return 2, ok
	case strings.HasPrefix(a.val, "--chdir="):
		sc.cwd = joinDir(sc.cwd, strings.TrimPrefix(a.val, "--chdir="))
	case a.val == "--":
		return 1, true
	case strings.HasPrefix(a.val, "-"):
		return 0, false
	default:
		return 0, true
	}
	return 1, true
}

// joinDir resolves dir against cwd; "" when it cannot.
func joinDir(cwd, dir string) string {
	if path.IsAbs(dir) {
		return path.Clean(dir)
	}
	if cwd == "" {
		return ""
	}
	return path.Join(cwd, dir)
}

// assignWords exports the leading NAME=VALUE words into sc and returns
// how many there were.
func assignWords(sc *scope, args []word) int {
	for i, a := range args {
		name, val, ok := strings.Cut(a.val, "=")
		if !ok || name == "" || !a.lit && litName(a) == "" {
			return i
		}
		if !a.lit {
			name = litName(a)
		}
		sc.vars[name] = variable{val: val, known: a.lit, exported: true, from: origin{edit: a.span.edit(""), text: a.text}}
	}
	return len(args)
}

// sudoCmd handles sudo [-E] [-H] [-u USER] [NAME=VALUE]... cmd. Without
// -E sudo resets the environment, keeping none of the variables that
// choose a cache directory, and sets HOME to the target user's.
func (w *walker) sudoCmd(c *call) *call {
	args := c.argv[1:]
	opts := sudoOpts{user: "root"}
	i := 0
	for ; i < len(args); i++ {
		n, ok := opts.parse(args, i)
		if !ok {
			return nil
		}
		if n == 0 {
			break
		}
		i += n - 1
	}
	sc := c.sc.clone()
	sc.id = resolveUser(opts.user, w.lookup)
	if !opts.keepEnv {
		sc.vars = map[string]variable{}
	}
	if !opts.keepEnv || opts.setHome {
		delete(sc.vars, "HOME")
		if sc.id.home != "" {
			sc.vars["HOME"] = variable{val: sc.id.home, known: true, exported: true}
		}
	}
	i += assignWords(sc, args[i:])
	return c.shift(1+i, sc, false)
}

// sudoOpts are the sudo options that matter here.
type sudoOpts struct {
	user             string
	keepEnv, setHome bool
}

// parse reads the sudo option at args[i], like envOption.
func (o *sudoOpts) parse(args []word, i int) (int, bool) {
	a := args[i]
	switch {
	case !a.lit:
		return 0, false
	case a.val == "-E" || a.val == "--preserve-env":
		o.keepEnv = true
	case a.val == "-H" || a.val == "--set-home":
		o.setHome = true
	case a.val == "-n" || a.val == "--non-interactive" || a.val == "-S" || a.val == "--stdin":
	case a.val == "-u" || a.val == "--user":
		if i+1 >= len(args) || !args[i+1].lit {
			return 0, false
		}
		o.user = args[i+1].val
		return 2, true
	case strings.HasPrefix(a.val, "--user="):
		o.user = strings.TrimPrefix(a.val, "--user=")
	case a.val == "--":
		return 1, true
	case strings.HasPrefix(a.val, "-"):
		return 0, false
	default:
		return 0, true
	}
	return 1, true
}
