package pkgcache

import (
	"errors"
	"fmt"
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
		cmd.spans = append(cmd.spans, a.span)
		cmd.inScript = append(cmd.inScript, a.node != nil)
	}
	w.commands = append(w.commands, cmd)
}
