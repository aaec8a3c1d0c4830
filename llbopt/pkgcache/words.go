package pkgcache

import (
	"slices"
	"strings"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"
)

// source is a script being walked and where its text sits in Exec.Args,
// so that findings can be turned into edits.
type source struct {
	text   string
	arg    int  // index in Exec.Args that holds text
	base   int  // byte offset of text within Args[arg]
	mapped bool // text appears verbatim in Args[arg] at base
	line0  int  // lines before the script's first line
}

// span is where a word or command is written in Exec.Args.
type span struct {
	arg, start, end int
	ok              bool // false when the text cannot be edited in place
}

// word is one argument of a command.
type word struct {
	val   string
	text  string // as written
	lit   bool   // val is what the shell passes
	plain bool   // lit, with no expansion at all: a name the shell sees as written
	span  span
	node  *syntax.Word // nil for exec-form arguments
}

// edit returns an edit replacing the word, or nil when it cannot be edited.
func (s span) edit(text string) *Edit {
	if !s.ok {
		return nil
	}
	return &Edit{Arg: s.arg, Start: s.start, End: s.end, Text: text}
}

// spanOf returns where the node sits in Exec.Args.
func (src *source) spanOf(n syntax.Node) span {
	start, end := int(n.Pos().Offset()), int(n.End().Offset())
	if !src.mapped || start > end || end > len(src.text) {
		return span{arg: src.arg}
	}
	return span{arg: src.arg, start: src.base + start, end: src.base + end, ok: true}
}

// textOf returns the node as written, or "" for a position out of range.
func (src *source) textOf(n syntax.Node) string {
	start, end := int(n.Pos().Offset()), int(n.End().Offset())
	if start > end || end > len(src.text) {
		return ""
	}
	return src.text[start:end]
}

// lineOf returns the 1-based line of n within the whole script.
func (src *source) lineOf(n syntax.Node) int {
	return src.line0 + int(n.Pos().Line())
}

// argWords turns exec-form arguments into words.
func argWords(args []string, from int) []word {
	ws := make([]word, 0, len(args)-from)
	for i := from; i < len(args); i++ {
		s := span{arg: i, start: 0, end: len(args[i]), ok: true}
		ws = append(ws, word{val: args[i], text: args[i], lit: true, plain: true, span: s})
	}
	return ws
}

// scriptWords turns the words of a parsed command into words.
func (w *walker) scriptWords(sc *scope, nodes []*syntax.Word) []word {
	ws := make([]word, 0, len(nodes))
	for _, n := range nodes {
		val, lit := w.expand(sc, n, false)
		ws = append(ws, word{val: val, text: sc.src.textOf(n), lit: lit, plain: lit && isPlain(n), span: sc.src.spanOf(n), node: n})
	}
	return ws
}

// isPlain reports whether a word involves no expansion: only literal text
// and quotes.
func isPlain(n *syntax.Word) bool {
	plain := true
	syntax.Walk(n, func(node syntax.Node) bool {
		switch node.(type) {
		case *syntax.Word, *syntax.Lit, *syntax.SglQuoted, *syntax.DblQuoted:
			return plain
		case nil:
			return plain
		}
		plain = false
		return false
	})
	return plain
}

// expand returns the value the shell gives word n, and false when it
// depends on anything the walk cannot know: command substitutions, unknown
// or special variables, arithmetic. doc expands a here-document body.
func (w *walker) expand(sc *scope, n *syntax.Word, doc bool) (string, bool) {
	if n == nil {
		return "", true
	}
	if !knowable(sc, n) {
		return "", false
	}
	env := &environ{sc: sc, lookup: w.lookup}
	cfg := &expand.Config{Env: env}
	var (
		val string
		err error
	)
	if doc {
		val, err = expand.Document(cfg, n)
	} else {
		val, err = expand.Literal(cfg, unescaped(n))
	}
	if err != nil || env.unknown {
		return "", false
	}
	return val, true
}

// unescaped returns n with the backslashes of its unquoted parts removed,
// as the shell removes them; expand.Literal keeps them.
func unescaped(n *syntax.Word) *syntax.Word {
	out := &syntax.Word{Parts: slices.Clone(n.Parts)}
	for i, p := range out.Parts {
		lit, ok := p.(*syntax.Lit)
		if !ok || !strings.Contains(lit.Value, `\`) {
			continue
		}
		var b strings.Builder
		for j := 0; j < len(lit.Value); j++ {
			if lit.Value[j] == '\\' && j+1 < len(lit.Value) {
				j++
				if lit.Value[j] == '\n' {
					continue
				}
			}
			b.WriteByte(lit.Value[j])
		}
		out.Parts[i] = &syntax.Lit{ValuePos: lit.ValuePos, ValueEnd: lit.ValueEnd, Value: b.String()}
	}
	return out
}

// knowable reports whether every expansion in n refers to known variables.
func knowable(sc *scope, n *syntax.Word) bool {
	ok := true
	syntax.Walk(n, func(node syntax.Node) bool {
		if !ok {
			return false
		}
		switch x := node.(type) {
		case *syntax.CmdSubst, *syntax.ProcSubst, *syntax.ArithmExp, *syntax.ExtGlob:
			ok = false
		case *syntax.ParamExp:
			ok = knownParam(sc, x)
		}
		return ok
	})
	return ok
}

// knownParam reports whether a parameter expansion names a known variable
// in a form the expander handles without side effects.
func knownParam(sc *scope, p *syntax.ParamExp) bool {
	if p.Param == nil || p.Excl || p.Index != nil || p.Slice != nil || p.NestedParam != nil ||
		p.Flags != nil || len(p.Modifiers) > 0 || p.Names != 0 {
		return false
	}
	if p.Exp != nil && (p.Exp.Op == syntax.AssignUnset || p.Exp.Op == syntax.AssignUnsetOrNull) {
		return false
	}
	v, ok := sc.vars[p.Param.Value]
	return ok && v.known
}
