package pkgcache

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Command is one simple command an exec runs, as the walk sees it: after
// wrappers (env, sudo, command, sh -c ...) are unwrapped, with its words
// expanded where the script makes them knowable.
type Command struct {
	// Name is the command's name without its directory: rm, apt-get, pip.
	Name string
	// Args are the words after the name. Known[i] tells whether Args[i] is
	// the value the shell passes; an unknown word holds its text as written.
	Args  []string
	Known []bool
	// Cwd is the working directory the command runs in, "" when a cd the
	// walk could not follow made it unknown.
	Cwd string
	// Text is the command as written, for reports.
	Text string
	// Uses is set when the command is a package manager's use of its
	// caches (pip install, go build): it reads and writes the cache
	// directories Analyze reports for the exec, and the paths it is given.
	Uses bool
	// Runs is set for a shell whose script the walk read (sh -c with a
	// literal script, a literal here-document): that script's commands
	// are listed after it. A shell without Runs runs a script the walk
	// cannot see (sh script.sh).
	Runs bool
	// Env is the exported variables the command sees, as "K=V", sorted;
	// those whose value the script computes are left out and counted in
	// EnvUnknown.
	Env        []string
	EnvUnknown int
	// Redirects are the command's redirections of the form < FILE, > FILE
	// and the like (not here-documents).
	Redirects []Redirect

	spans    []span // where each of Args is written in Exec.Args
	inScript []bool // Args[i] is a word of a shell script, not an argv element
}

// InsertAfter returns the edit that writes text right after Args[i], for a
// fix that adds a flag; ok is false when that word cannot be edited in
// place (it comes from a variable, the script is not verbatim in the
// exec's argv, or the word is an argv element of the exec form, where a
// flag is an element of its own).
func (c Command) InsertAfter(i int, text string) (ed Edit, ok bool) {
	if i < 0 || i >= len(c.spans) || !c.spans[i].ok || !c.Known[i] || !c.inScript[i] {
		return Edit{}, false
	}
	s := c.spans[i]
	return Edit{Arg: s.arg, Start: s.end, End: s.end, Text: text}, true
}

// Redirect is one redirection of a command to or from a file.
type Redirect struct {
	// Op is the operator as written: <, >, >>, <>, &>...
	Op string
	// Path is the file, made absolute when it is a known relative path
	// and the working directory is known; the text as written otherwise.
	Path string
	// Known tells whether Path is the file the shell opens.
	Known bool
}

// Apply returns e with the edits applied; e itself is left as it is.
// Overlapping edits are an error.
func Apply(e Exec, edits []Edit) (Exec, error) {
	args, err := applyEdits(e.Args, edits)
	if err != nil {
		return e, fmt.Errorf("editing the command: %w", err)
	}
	e.Args = args
	return e, nil
}

// Commands lists the simple commands an exec runs, in the order they are
// written, for passes that reason about what a script does to the
// filesystem without parsing it again. Functions the script defines and
// shell builtins other than those that run a program are not listed. The
// error is non-nil when part of the script could not be parsed: the list
// is then incomplete and must not be trusted.
func Commands(e Exec) ([]Command, error) {
	return commands(e, false)
}

// AllCommands is Commands, and also lists, with an empty Name, each
// command whose name the script computes ("$GO" build, $(which pip)
// install): for questions such as "may this step read that directory?",
// which such a command answers with "maybe".
func AllCommands(e Exec) ([]Command, error) {
	return commands(e, true)
}

func commands(e Exec, unnamed bool) ([]Command, error) {
	if len(e.Args) == 0 {
		return nil, nil
	}
	w := &walker{exec: e, commands: []Command{}, unnamed: unnamed}
	sc := w.initialScope()
	c := &call{argv: argWords(e.Args, 0), sc: sc, text: strings.Join(e.Args, " "), line: 1, seq: w.next()}
	w.dispatch(c, false)
	if len(w.unparsed) > 0 {
		return nil, errors.Join(w.unparsed...)
	}
	return w.commands, nil
}

// record keeps a command for Commands; it does nothing during Analyze.
func (w *walker) record(c *call, base string) {
	if w.commands == nil {
		return
	}
	cmd := Command{Name: base, Cwd: c.sc.cwd, Text: c.text}
	for k, v := range c.sc.vars {
		switch {
		case !v.exported:
		case v.known:
			cmd.Env = append(cmd.Env, k+"="+v.val)
		default:
			cmd.EnvUnknown++
		}
	}
	slices.Sort(cmd.Env)
	cmd.Redirects = w.redirects(c)
	for _, a := range c.argv[1:] {
		cmd.Args = append(cmd.Args, a.val)
		cmd.Known = append(cmd.Known, a.lit)
		cmd.spans = append(cmd.spans, a.span)
		cmd.inScript = append(cmd.inScript, a.node != nil)
	}
	w.commands = append(w.commands, cmd)
}

// recordUnnamed keeps, for AllCommands, a command whose name is not a
// literal.
func (w *walker) recordUnnamed(c *call) {
	if w.commands == nil || !w.unnamed {
		return
	}
	w.record(c, "")
}

// recordRedirects keeps, for AllCommands, the redirections of a compound
// command (while ...; done < file) as those of the null command ":".
func (w *walker) recordRedirects(sc *scope, s *syntax.Stmt) {
	if w.commands == nil || !w.unnamed {
		return
	}
	c := &call{sc: sc, shell: sc, stmt: s, text: sc.src.textOf(s), line: sc.src.lineOf(s)}
	w.commands = append(w.commands, Command{Name: ":", Cwd: sc.cwd, Text: c.text, Redirects: w.redirects(c)})
}

// last returns the command recorded last, for flags set after record.
func (w *walker) last() *Command {
	if len(w.commands) == 0 {
		return nil
	}
	return &w.commands[len(w.commands)-1]
}

// redirects reads the file redirections of a command's statement.
func (w *walker) redirects(c *call) []Redirect {
	if c.stmt == nil {
		return nil
	}
	sc := c.shell
	if sc == nil {
		sc = c.sc
	}
	var out []Redirect
	for _, r := range c.stmt.Redirs {
		switch r.Op {
		case syntax.Hdoc, syntax.DashHdoc, syntax.WordHdoc, syntax.DplIn, syntax.DplOut:
			continue
		}
		if r.Word == nil {
			continue
		}
		val, ok := w.expand(sc, r.Word, false)
		rd := Redirect{Op: r.Op.String(), Path: val, Known: ok}
		if ok {
			if p := joinDir(c.sc.cwd, val); p != "" {
				rd.Path = p
			} else {
				rd.Known = false
			}
		}
		out = append(out, rd)
	}
	return out
}
