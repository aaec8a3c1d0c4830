package pkgcache

import (
	"mvdan.cc/sh/v3/syntax"
)

// call is one simple command about to run.
type call struct {
	argv  []word
	sc    *scope       // the command's own scope: its shell's plus prefix assignments
	shell *scope       // the shell running it, for builtins; nil for a program
	stmt  *syntax.Stmt // for a here-document on stdin; nil in exec form
	text  string       // as written
	line  int
	span  span // the whole command
	seq   int
}

// stmts walks statements in order in one shell.
func (w *walker) stmts(sc *scope, stmts []*syntax.Stmt) {
	for _, s := range stmts {
		w.stmt(sc, s)
	}
}

// stmt walks one statement.
func (w *walker) stmt(sc *scope, s *syntax.Stmt) {
	if _, call := s.Cmd.(*syntax.CallExpr); !call && len(s.Redirs) > 0 {
		w.recordRedirects(sc, s)
	}
	switch x := s.Cmd.(type) {
	case *syntax.CallExpr:
		w.callExpr(sc, s, x)
	case *syntax.BinaryCmd:
		w.binaryCmd(sc, x)
	case *syntax.Block:
		w.stmts(sc, x.Stmts)
	case *syntax.Subshell:
		w.stmts(sc.clone(), x.Stmts)
	case *syntax.IfClause:
		w.ifClause(sc, x)
	case *syntax.WhileClause:
		w.stmts(sc, x.Cond)
		w.stmts(sc, x.Do)
	case *syntax.ForClause:
		w.forClause(sc, x)
	case *syntax.CaseClause:
		for _, item := range x.Items {
			w.stmts(sc, item.Stmts)
		}
	default:
		w.otherCmd(sc, s)
	}
}

// otherCmd walks the commands that are neither lists nor loops.
func (w *walker) otherCmd(sc *scope, s *syntax.Stmt) {
	switch x := s.Cmd.(type) {
	case *syntax.FuncDecl:
		w.funcDecl(sc, x)
	case *syntax.DeclClause:
		w.declClause(sc, s, x)
	case *syntax.TimeClause:
		if x.Stmt != nil {
			w.stmt(sc, x.Stmt)
		}
	case *syntax.CoprocClause:
		w.stmt(sc.clone(), x.Stmt)
	}
}

// binaryCmd walks a && b, a || b and pipelines; each side of a pipe runs
// in a subshell.
func (w *walker) binaryCmd(sc *scope, b *syntax.BinaryCmd) {
	if b.Op == syntax.Pipe || b.Op == syntax.PipeAll {
		w.stmt(sc.clone(), b.X)
		w.stmt(sc.clone(), b.Y)
		return
	}
	w.stmt(sc, b.X)
	w.stmt(sc, b.Y)
}

// ifClause walks every branch, as any of them may run.
func (w *walker) ifClause(sc *scope, c *syntax.IfClause) {
	for ; c != nil; c = c.Else {
		w.stmts(sc, c.Cond)
		w.stmts(sc, c.Then)
	}
}

// forClause walks a loop body with the loop variable unknown.
func (w *walker) forClause(sc *scope, f *syntax.ForClause) {
	if it, ok := f.Loop.(*syntax.WordIter); ok && it.Name != nil {
		sc.set(it.Name.Value, variable{})
	}
	w.stmts(sc, f.Do)
}

// funcDecl records a function, so that calls to its name are not taken
// for the tool, and walks its body as if it ran where it is defined.
func (w *walker) funcDecl(sc *scope, f *syntax.FuncDecl) {
	if f.Name != nil {
		sc.funcs[f.Name.Value] = true
	}
	for _, n := range f.Names {
		sc.funcs[n.Value] = true
	}
	if f.Body != nil {
		w.stmt(sc.clone(), f.Body)
	}
}

// callExpr walks a simple command: bare assignments change the shell;
// otherwise the command runs with its prefix assignments exported.
func (w *walker) callExpr(sc *scope, s *syntax.Stmt, ce *syntax.CallExpr) {
	w.substs(sc, ce)
	if len(ce.Args) == 0 {
		w.assigns(sc, s, ce.Assigns, false, len(ce.Assigns) == 1)
		return
	}
	cs := sc.clone()
	for _, a := range ce.Assigns {
		if a.Name == nil {
			continue
		}
		v := w.assignValue(sc, a)
		v.exported = true
		v.from = origin{edit: sc.src.spanOf(a).edit(""), text: sc.src.textOf(a)}
		cs.vars[a.Name.Value] = v
	}
	c := &call{
		argv: w.scriptWords(sc, ce.Args), sc: cs, shell: sc, stmt: s,
		text: sc.src.textOf(ce), line: sc.src.lineOf(ce), span: sc.src.spanOf(ce), seq: w.next(),
	}
	w.dispatch(c, true)
}

// substs walks the command and process substitutions in a node, each in a
// subshell; they run before the command that holds them.
func (w *walker) substs(sc *scope, n syntax.Node) {
	syntax.Walk(n, func(node syntax.Node) bool {
		switch x := node.(type) {
		case *syntax.CmdSubst:
			w.stmts(sc.clone(), x.Stmts)
			return false
		case *syntax.ProcSubst:
			w.stmts(sc.clone(), x.Stmts)
			return false
		}
		return true
	})
}

// assigns applies assignments to the shell. export marks them exported.
// The origin of each lets a defeat through it be undone: the word is
// dropped, or, when it is the whole command, the command becomes true.
func (w *walker) assigns(sc *scope, s *syntax.Stmt, as []*syntax.Assign, export, whole bool) {
	for _, a := range as {
		if a.Name == nil {
			continue
		}
		name := a.Name.Value
		if a.Naked {
			w.markExported(sc, name, export)
			continue
		}
		v := w.assignValue(sc, a)
		v.exported = export
		v.from = origin{edit: sc.src.spanOf(a).edit(""), text: sc.src.textOf(a)}
		if whole {
			v.from.edit = sc.src.spanOf(s.Cmd).edit("true")
		}
		sc.set(name, v)
	}
}

// markExported handles "export NAME" without a value.
func (w *walker) markExported(sc *scope, name string, export bool) {
	if !export {
		return
	}
	v, ok := sc.vars[name]
	if !ok {
		v = variable{known: true}
	}
	v.exported = true
	sc.vars[name] = v
}

// assignValue returns the value an assignment gives.
func (w *walker) assignValue(sc *scope, a *syntax.Assign) variable {
	if a.Array != nil || a.Index != nil {
		return variable{}
	}
	val, ok := w.expand(sc, a.Value, false)
	if a.Append {
		old, set := sc.vars[a.Name.Value]
		if set {
			return variable{val: old.val + val, known: ok && old.known}
		}
	}
	return variable{val: val, known: ok}
}

// declClause handles export, declare, local, readonly and typeset in the
// shells that parse them as declarations.
func (w *walker) declClause(sc *scope, s *syntax.Stmt, d *syntax.DeclClause) {
	w.substs(sc, d)
	export := d.Variant.Value == "export"
	for _, a := range d.Args {
		if a.Name == nil && a.Value != nil && a.Value.Lit() == "-x" {
			export = true
		}
	}
	w.assigns(sc, s, d.Args, export, len(d.Args) == 1)
}
