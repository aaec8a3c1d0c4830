package checks

import (
	"bytes"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// stdinScript is the here-document or here-string a statement feeds its
// command, as text a shell would read.
func stdinScript(redirs []*syntax.Redirect) *string {
	for _, r := range redirs {
		switch r.Op {
		case syntax.Hdoc, syntax.DashHdoc:
			if r.Hdoc != nil {
				s := show(r.Hdoc)
				return &s
			}
		case syntax.WordHdoc:
			if w := word(r.Word); w.lit {
				return &w.val
			}
		}
	}
	return nil
}

// outputs are the literal files a statement's standard output goes to
// with >, >> or &>.
func outputs(redirs []*syntax.Redirect) []string {
	var out []string
	for _, r := range redirs {
		if r.N != nil && r.N.Value != "1" {
			continue
		}
		switch r.Op {
		case syntax.RdrOut, syntax.AppOut, syntax.RdrAll, syntax.AppAll, syntax.RdrClob:
			if w := word(r.Word); w.lit {
				out = append(out, w.val)
			}
		}
	}
	return out
}

// word is a shell word's value when it is made of literals and quotes
// only, else its text.
func word(w *syntax.Word) shellWord {
	var b strings.Builder
	for _, p := range w.Parts {
		switch p := p.(type) {
		case *syntax.Lit:
			b.WriteString(unescape(p.Value, ""))
		case *syntax.SglQuoted:
			if p.Dollar {
				return shellWord{val: show(w)}
			}
			b.WriteString(p.Value)
		case *syntax.DblQuoted:
			for _, q := range p.Parts {
				lit, ok := q.(*syntax.Lit)
				if !ok || p.Dollar {
					return shellWord{val: show(w)}
				}
				b.WriteString(unescape(lit.Value, "$`\"\\\n"))
			}
		default:
			return shellWord{val: show(w)}
		}
	}
	return shellWord{val: b.String(), lit: true}
}

// unescape removes the backslashes the shell removes: before any
// character outside quotes (only is ""), before those in only inside
// double quotes.
func unescape(s, only string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && (only == "" || strings.IndexByte(only, s[i+1]) >= 0) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// show prints a node as shell source.
func show(n syntax.Node) string {
	var b bytes.Buffer
	if err := syntax.NewPrinter().Print(&b, n); err != nil {
		return ""
	}
	return strings.TrimSpace(b.String())
}

func shorten(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > maxText {
		return string(r[:maxText-1]) + "…"
	}
	return s
}
