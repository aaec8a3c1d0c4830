package pkgcache

import (
	"path"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// dispatch classifies a command by its literal name. funcs is false once a
// wrapper (env, sudo, command...) has run it, as those bypass functions.
func (w *walker) dispatch(c *call, funcs bool) {
	if len(c.argv) == 0 {
		return
	}
	if !c.argv[0].plain {
		w.recordUnnamed(c)
		return
	}
	name := c.argv[0].val
	if funcs && c.shell != nil && c.shell.funcs[name] {
		return
	}
	if c.shell != nil && w.builtin(c, name) {
		return
	}
	base := path.Base(name)
	if next, ok := w.unwrap(c, base); ok {
		if next != nil {
			w.dispatch(next, false)
		}
		return
	}
	w.record(c, base)
	switch {
	case w.shellCmd(c, base):
	case w.pythonCmd(c, base):
	case base == "rm":
		w.rm(c)
	default:
		if t := toolNamed(base); t != nil {
			w.match(c, t)
		}
	}
}

// builtin handles the builtins that change what later commands see.
func (w *walker) builtin(c *call, name string) bool {
	switch name {
	case "cd":
		w.cd(c)
	case "export":
		w.exportCmd(c)
	case "unset":
		w.unset(c)
	default:
		return false
	}
	return true
}

// cd tracks the working directory; an unknown target makes it unknown.
func (w *walker) cd(c *call) {
	args := operands(c.argv[1:])
	switch {
	case len(args) == 0:
		home, ok := c.shell.env("HOME")
		c.shell.cwd = ""
		if ok && home.known {
			c.shell.cwd = home.val
		}
	case !args[0].lit || args[0].val == "-":
		c.shell.cwd = ""
	case path.IsAbs(args[0].val):
		c.shell.cwd = path.Clean(args[0].val)
	case c.shell.cwd != "":
		c.shell.cwd = path.Join(c.shell.cwd, args[0].val)
	}
}

// exportCmd handles export as a plain command, as POSIX shells parse it.
func (w *walker) exportCmd(c *call) {
	args := operands(c.argv[1:])
	for _, a := range args {
		name, val, hasVal := strings.Cut(a.val, "=")
		if !a.lit {
			name, hasVal = litName(a), true
		}
		if name == "" {
			continue
		}
		if !hasVal {
			w.markExported(c.shell, name, true)
			continue
		}
		v := variable{val: val, known: a.lit, exported: true, from: origin{edit: a.span.edit(""), text: a.text}}
		if len(c.argv) == 2 {
			v.from.edit = c.span.edit("true")
		}
		c.shell.vars[name] = v
	}
}

// litName returns the NAME of a NAME=value word whose value is not
// literal, or "".
func litName(a word) string {
	if a.node == nil || len(a.node.Parts) == 0 {
		return ""
	}
	lit, ok := a.node.Parts[0].(*syntax.Lit)
	if !ok {
		return ""
	}
	name, _, ok := strings.Cut(lit.Value, "=")
	if !ok {
		return ""
	}
	return name
}

// unset removes variables, or functions with -f.
func (w *walker) unset(c *call) {
	funcs := false
	for _, a := range c.argv[1:] {
		switch {
		case a.val == "-f":
			funcs = true
		case strings.HasPrefix(a.val, "-"):
		case funcs:
			delete(c.shell.funcs, a.val)
		default:
			delete(c.shell.vars, a.val)
		}
	}
}

// operands returns the words after the leading options.
func operands(args []word) []word {
	for i, a := range args {
		if a.plain && a.val == "--" {
			return args[i+1:]
		}
		if !a.lit || len(a.val) < 2 || a.val[0] != '-' {
			return args[i:]
		}
	}
	return nil
}
