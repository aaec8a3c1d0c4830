package checks

import (
	"path"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"mvdan.cc/sh/v3/syntax"
)

// shellCall is one simple command a RUN runs, after the wrappers around it
// (sudo, env, command, exec, nice, nohup, timeout) and sh -c are unwrapped.
type shellCall struct {
	// name is the command's name without its directory.
	name string
	// args are the words after the name.
	args []shellWord
	// outputs are the files its > and >> redirections write, where literal.
	outputs []string
	// text is the command as written, for messages.
	text string
}

// shellWord is one word of a command: its value when lit is set, else its
// text as written.
type shellWord struct {
	val string
	lit bool
}

// maxNesting bounds sh -c inside sh -c, so that no script recurses for ever.
const maxNesting = 8

// maxText bounds the command text a message quotes.
const maxText = 80

// runCalls lists the commands a RUN runs, the way dockerfile2llb builds
// its argv: the exec form as written; the shell form, heredocs included,
// as a script for shell. ok is false when the script is not a POSIX
// shell's or does not parse: nothing is known about it then.
func runCalls(c *instructions.RunCommand, shell []string) (calls []shellCall, ok bool) {
	w := &walker{}
	if !c.PrependShell {
		argv := make([]shellWord, len(c.CmdLine))
		for i, a := range c.CmdLine {
			argv[i] = shellWord{val: a, lit: true}
		}
		ok = w.argv(argv, strings.Join(c.CmdLine, " "), nil, nil, 0)
		return w.calls, ok
	}
	if len(shell) == 0 || !isShell(path.Base(shell[0])) {
		return nil, false
	}
	script, ok := runScript(c)
	if !ok {
		return nil, false
	}
	ok = w.script(script, 0)
	return w.calls, ok
}

// runScript is the script the shell form runs, heredocs joined as
// dockerfile2llb joins them.
func runScript(c *instructions.RunCommand) (string, bool) {
	script := strings.Join(c.CmdLine, " ")
	if len(c.Files) == 0 {
		return script, true
	}
	if parser.MustParseHeredoc(script) != nil {
		// RUN <<EOF: the document is the script, or a file run by its
		// shebang's interpreter.
		data := c.Files[0].Data
		if c.Files[0].Chomp {
			data = parser.ChompHeredocContent(data)
		}
		if first, _, _ := strings.Cut(data, "\n"); strings.HasPrefix(first, "#!") && !shebangShell(first) {
			return "", false
		}
		return data, true
	}
	var b strings.Builder
	b.WriteString(script)
	for _, f := range c.Files {
		b.WriteByte('\n')
		b.WriteString(f.Data)
		b.WriteString(f.Name)
	}
	return b.String(), true
}

func shebangShell(line string) bool {
	fields := strings.Fields(strings.TrimPrefix(line, "#!"))
	if len(fields) == 0 {
		return false
	}
	interp := path.Base(fields[0])
	if interp == "env" && len(fields) > 1 {
		interp = fields[1]
	}
	return isShell(interp)
}

func isShell(name string) bool {
	switch name {
	case "sh", "bash", "dash", "ash", "zsh", "ksh", "mksh":
		return true
	}
	return false
}

// walker collects the commands of a script and of the scripts it runs.
type walker struct {
	calls []shellCall
}

// script parses src as bash, else as POSIX sh, and records every simple
// command in it, in nested blocks, conditions, loops, pipelines, function
// bodies and command substitutions too. Only a name the shell sees
// literally is a command: echo apt-get install is echo.
func (w *walker) script(src string, depth int) bool {
	if depth > maxNesting {
		return false
	}
	f, err := syntax.NewParser(syntax.Variant(syntax.LangBash)).Parse(strings.NewReader(src), "")
	if err != nil {
		f, err = syntax.NewParser(syntax.Variant(syntax.LangPOSIX)).Parse(strings.NewReader(src), "")
		if err != nil {
			return false
		}
	}
	ok := true
	syntax.Walk(f, func(n syntax.Node) bool {
		st, isStmt := n.(*syntax.Stmt)
		if !isStmt {
			return true
		}
		call, isCall := st.Cmd.(*syntax.CallExpr)
		if !isCall || len(call.Args) == 0 {
			return true
		}
		argv := make([]shellWord, len(call.Args))
		for i, a := range call.Args {
			argv[i] = word(a)
		}
		if !w.argv(argv, show(call), outputs(st.Redirs), stdinScript(st.Redirs), depth) {
			ok = false
		}
		return true
	})
	return ok
}

// argv records one command line, looking through wrappers and into the
// script a shell is given with -c or on its standard input.
func (w *walker) argv(argv []shellWord, text string, outs []string, stdin *string, depth int) bool {
	argv = unwrap(argv)
	if len(argv) == 0 || !argv[0].lit {
		return true
	}
	name := path.Base(argv[0].val)
	if isShell(name) {
		script, known, isC := dashC(argv[1:])
		switch {
		case isC && known:
			return w.script(script, depth+1)
		case isC:
			return true
		case stdin != nil && !hasOperand(argv[1:]):
			return w.script(*stdin, depth+1)
		}
	}
	w.calls = append(w.calls, shellCall{name: name, args: argv[1:], outputs: outs, text: shorten(text)})
	return true
}

// unwrap drops the commands that run the rest of their arguments as a
// command, with their own options. nil means the command cannot be known.
func unwrap(argv []shellWord) []shellWord {
	for range maxNesting {
		if len(argv) == 0 || !argv[0].lit {
			return argv
		}
		next, isWrapper := wrapperArgs(path.Base(argv[0].val), argv[1:])
		if !isWrapper {
			return argv
		}
		argv = next
	}
	return nil
}

// wrapper is how a wrapper's own options read: which take a value, and
// whether NAME=value words come before the command (env).
type wrapper struct {
	valued  string // short options that take a value
	assigns bool
	// operand is set for timeout, whose duration comes before the command.
	operand bool
	// noRun lists options that make it print instead of run (command -v).
	noRun string
}

var wrappers = map[string]wrapper{
	"sudo":    {valued: "ugCDhpRrtTU"},
	"env":     {valued: "uCS", assigns: true},
	"command": {noRun: "vV"},
	"exec":    {valued: "a"},
	"nice":    {valued: "n"},
	"nohup":   {},
	"time":    {},
	"timeout": {valued: "sk", operand: true},
}

func wrapperArgs(name string, args []shellWord) ([]shellWord, bool) {
	wr, ok := wrappers[name]
	if !ok {
		return nil, false
	}
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case !a.lit:
			return nil, true
		case a.val == "--":
			return skipOperand(wr, args[i+1:]), true
		case strings.HasPrefix(a.val, "--"):
			// --user=x carries its value; long options without = are
			// flags for every wrapper here but sudo's rare --user x.
		case strings.HasPrefix(a.val, "-") && len(a.val) > 1:
			flags := a.val[1:]
			if wr.noRun != "" && strings.ContainsAny(flags, wr.noRun) {
				return nil, true
			}
			if j := strings.IndexAny(flags, wr.valued); j >= 0 && j == len(flags)-1 {
				i++ // the value is the next word
			}
		case wr.assigns && strings.Contains(a.val, "="):
		default:
			return skipOperand(wr, args[i:]), true
		}
	}
	return nil, true
}

func skipOperand(wr wrapper, args []shellWord) []shellWord {
	if wr.operand && len(args) > 0 {
		return args[1:]
	}
	return args
}

// dashC finds the script of sh -c script: isC is set when -c is among the
// options, known when the script is a literal.
func dashC(args []shellWord) (script string, known, isC bool) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case !a.lit:
			if isC {
				return "", false, true
			}
			return "", false, false
		case a.val == "-o" || a.val == "+o":
			i++
		case a.val == "--":
		case len(a.val) > 1 && (a.val[0] == '-' || a.val[0] == '+') && a.val[1] != '-':
			if strings.Contains(a.val, "c") {
				isC = true
			}
		case strings.HasPrefix(a.val, "--"):
		default:
			return a.val, isC, isC
		}
	}
	return "", false, isC
}

// hasOperand tells sh script.sh (runs a file) from sh reading stdin.
func hasOperand(args []shellWord) bool {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a.val == "-o" || a.val == "+o":
			i++
		case a.lit && a.val == "-s":
			return false
		case a.lit && len(a.val) > 1 && (a.val[0] == '-' || a.val[0] == '+'):
		default:
			return true
		}
	}
	return false
}
