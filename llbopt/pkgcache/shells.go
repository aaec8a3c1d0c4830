package pkgcache

import (
	"fmt"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// maxDepth bounds the nesting of sh -c within sh -c.
const maxDepth = 16

// shellLangs maps a shell's name to the parsers to try, in order. /bin/sh
// is dash or busybox ash: bash's parser reads what they accept, POSIX's
// is the fallback for the rare script only it reads.
var shellLangs = map[string][]syntax.LangVariant{
	"sh":   {syntax.LangBash, syntax.LangPOSIX},
	"dash": {syntax.LangBash, syntax.LangPOSIX},
	"ash":  {syntax.LangBash, syntax.LangPOSIX},
	"bash": {syntax.LangBash},
	"zsh":  {syntax.LangZsh},
	"ksh":  {syntax.LangMirBSDKorn},
	"mksh": {syntax.LangMirBSDKorn},
}

// shellMode is how a shell gets its script.
type shellMode int

const (
	modeStdin  shellMode = iota // no operand: stdin, maybe a here-document
	modeScript                  // -c and an operand
	modeOther                   // a script file, or options not understood
)

// shellCmd recognizes a shell and walks the script it runs, when that is
// a literal (-c, a here-document or a here-string).
func (w *walker) shellCmd(c *call, base string) bool {
	argv := c.argv
	if base == "busybox" && len(argv) > 1 && argv[1].plain {
		base, argv = argv[1].val, argv[1:]
	}
	langs, ok := shellLangs[base]
	if !ok {
		return false
	}
	mode, script := shellArgs(argv[1:])
	switch mode {
	case modeScript:
		if script.lit {
			w.runScript(c, script, langs)
		}
	case modeStdin:
		if body, ok := w.stdinScript(c); ok {
			w.runScript(c, body, langs)
		}
	}
	return true
}

// shellArgs reads a shell's options: -c, -o NAME, clusters such as
// -euxo pipefail.
func shellArgs(args []word) (shellMode, word) {
	hasC := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case !a.lit:
			return modeOther, word{}
		case a.val == "--":
			return operandMode(args[i+1:], hasC)
		case a.val == "-o" || a.val == "+o" || a.val == "-O" || a.val == "+O" || a.val == "--rcfile" || a.val == "--init-file":
			i++
		case strings.HasPrefix(a.val, "--"):
		case len(a.val) > 1 && (a.val[0] == '-' || a.val[0] == '+'):
			hasC = hasC || a.val[0] == '-' && strings.ContainsRune(a.val, 'c')
			i += strings.Count(a.val, "o") + strings.Count(a.val, "O") // each takes a name
		default:
			return operandMode(args[i:], hasC)
		}
	}
	return operandMode(nil, hasC)
}

// operandMode decides from the operands what the shell runs.
func operandMode(operands []word, hasC bool) (shellMode, word) {
	switch {
	case hasC && len(operands) > 0:
		return modeScript, operands[0]
	case !hasC && len(operands) == 0:
		return modeStdin, word{}
	}
	return modeOther, word{}
}

// stdinScript returns the here-document or here-string a shell reads on
// stdin, when it is literal.
func (w *walker) stdinScript(c *call) (word, bool) {
	if c.stmt == nil || c.sc.src == nil {
		return word{}, false
	}
	outer := c.shell
	if outer == nil {
		outer = c.sc
	}
	for _, r := range c.stmt.Redirs {
		if r.N != nil && r.N.Value != "0" {
			continue
		}
		switch {
		case r.Op == syntax.WordHdoc && r.Word != nil:
			val, ok := w.expand(outer, r.Word, false)
			return word{val: val, lit: ok, span: c.sc.src.spanOf(r.Word), node: r.Word}, ok
		case (r.Op == syntax.Hdoc || r.Op == syntax.DashHdoc) && r.Hdoc != nil:
			return w.heredoc(outer, r)
		}
	}
	return word{}, false
}

// heredoc returns a here-document body as the shell passes it: literal
// when the delimiter is quoted, expanded otherwise, tabs stripped for <<-.
func (w *walker) heredoc(sc *scope, r *syntax.Redirect) (word, bool) {
	val, ok := r.Hdoc.Lit(), true
	if !quotedWord(r.Word) {
		val, ok = w.expand(sc, r.Hdoc, true)
	}
	if r.Op == syntax.DashHdoc {
		lines := strings.Split(val, "\n")
		for i, l := range lines {
			lines[i] = strings.TrimLeft(l, "\t")
		}
		val = strings.Join(lines, "\n")
	}
	return word{val: val, lit: ok, span: sc.src.spanOf(r.Hdoc), node: r.Hdoc}, ok
}

// quotedWord reports whether any part of a here-document delimiter is
// quoted, which makes the body literal.
func quotedWord(n *syntax.Word) bool {
	if n == nil {
		return false
	}
	for _, p := range n.Parts {
		switch x := p.(type) {
		case *syntax.SglQuoted, *syntax.DblQuoted:
			return true
		case *syntax.Lit:
			if strings.Contains(x.Value, `\`) {
				return true
			}
		}
	}
	return false
}

// runScript parses a script a shell runs and walks it in a new process.
func (w *walker) runScript(c *call, script word, langs []syntax.LangVariant) {
	if c.sc.depth >= maxDepth {
		return
	}
	src := w.sourceFor(c, script)
	f, err := parseScript(src.text, langs)
	if err != nil {
		w.unparsed = append(w.unparsed, fmt.Errorf("parsing the script of %q (line %d): %w", c.text, c.line, err))
		return
	}
	if cmd := w.last(); cmd != nil {
		cmd.Runs = true
	}
	sc := c.sc.process()
	sc.src = src
	sc.depth++
	w.stmts(sc, f.Stmts)
}

// sourceFor places a script word within Exec.Args, so that edits of its
// commands can be made in place when it is written there verbatim.
func (w *walker) sourceFor(c *call, script word) *source {
	src := &source{text: script.val, arg: script.span.arg}
	if script.node != nil && c.sc.src != nil {
		src.line0 = c.sc.src.line0 + int(script.node.Pos().Line()) - 1
	}
	start := script.span.start + quoteLen(script.node)
	if script.span.ok && w.verbatim(script.span.arg, start, script.val) {
		src.base, src.mapped = start, true
	}
	return src
}

// quoteLen is the length of the opening quote of a word that is one quoted
// string: 1 for '...' and "...", 2 for $'...' and $"...".
func quoteLen(n *syntax.Word) int {
	if n == nil || len(n.Parts) != 1 {
		return 0
	}
	switch x := n.Parts[0].(type) {
	case *syntax.SglQuoted:
		return 1 + boolInt(x.Dollar)
	case *syntax.DblQuoted:
		return 1 + boolInt(x.Dollar)
	}
	return 0
}

// boolInt is 1 for true.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// verbatim reports whether Exec.Args[arg] holds text at start.
func (w *walker) verbatim(arg, start int, text string) bool {
	if arg < 0 || arg >= len(w.exec.Args) || start < 0 {
		return false
	}
	s := w.exec.Args[arg]
	return start+len(text) <= len(s) && s[start:start+len(text)] == text
}

// parseScript parses with each language in turn and returns the first
// success, or the first error.
func parseScript(text string, langs []syntax.LangVariant) (*syntax.File, error) {
	var first error
	for _, lang := range langs {
		f, err := syntax.NewParser(syntax.Variant(lang)).Parse(strings.NewReader(text), "")
		if err == nil {
			return f, nil
		}
		if first == nil {
			first = err
		}
	}
	return nil, first
}

// pythonCmd recognizes python -m pip.
func (w *walker) pythonCmd(c *call, base string) bool {
	if base != "python" && !(strings.HasPrefix(base, "python") && isVersion(base[len("python"):])) {
		return false
	}
	args := c.argv[1:]
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case !a.plain || a.val == "-c" || a.val == "-" || !strings.HasPrefix(a.val, "-"):
			return true
		case a.val == "-m" && i+1 < len(args) && args[i+1].plain && args[i+1].val == "pip":
			w.match(c.shift(i+2, c.sc, false), pipTool)
			return true
		case a.val == "-m":
			return true
		case a.val == "-W" || a.val == "-X":
			i++
		}
	}
	return true
}
