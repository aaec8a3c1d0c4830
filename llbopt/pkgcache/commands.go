package pkgcache

import (
	"errors"
	"strings"
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
}

// Commands lists the simple commands an exec runs, in the order they are
// written, for passes that reason about what a script does to the
// filesystem without parsing it again. Functions the script defines and
// shell builtins other than those that run a program are not listed. The
// error is non-nil when part of the script could not be parsed: the list
// is then incomplete and must not be trusted.
func Commands(e Exec) ([]Command, error) {
	if len(e.Args) == 0 {
		return nil, nil
	}
	w := &walker{exec: e, commands: []Command{}}
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
	for _, a := range c.argv[1:] {
		cmd.Args = append(cmd.Args, a.val)
		cmd.Known = append(cmd.Known, a.lit)
	}
	w.commands = append(w.commands, cmd)
}
