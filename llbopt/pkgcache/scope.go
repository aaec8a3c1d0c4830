package pkgcache

import (
	"maps"
	"strings"

	"mvdan.cc/sh/v3/expand"
)

// variable is a shell variable as far as the walk can tell.
type variable struct {
	val      string
	known    bool // val is what the shell would hold
	exported bool
	from     origin
}

// origin is where a variable was set, so that a defeat through it can be
// undone.
type origin struct {
	env  bool   // from Exec.Env
	edit *Edit  // removes the assignment from the script; nil when it cannot
	text string // the assignment as written
}

// scope is the state of one shell (or of one command about to run):
// variables, user, working directory and the functions it defined.
type scope struct {
	vars  map[string]variable
	id    identity
	cwd   string // "" when unknown
	funcs map[string]bool
	src   *source
	depth int // nesting of sh -c
}

// clone returns a copy that the original does not see changes to, as a
// subshell.
func (sc *scope) clone() *scope {
	c := *sc
	c.vars = maps.Clone(sc.vars)
	c.funcs = maps.Clone(sc.funcs)
	return &c
}

// process returns the scope a new process starts with: the exported
// variables, and no functions.
func (sc *scope) process() *scope {
	c := sc.clone()
	c.funcs = map[string]bool{}
	for k, v := range c.vars {
		if !v.exported {
			delete(c.vars, k)
		}
	}
	return c
}

// env returns an exported variable: what a child process sees.
func (sc *scope) env(name string) (variable, bool) {
	v, ok := sc.vars[name]
	if !ok || !v.exported {
		return variable{}, false
	}
	return v, true
}

// set assigns a variable, keeping it exported if it was.
func (sc *scope) set(name string, v variable) {
	if old, ok := sc.vars[name]; ok && old.exported {
		v.exported = true
	}
	sc.vars[name] = v
}

// envVars turns "K=V" pairs into exported, known variables.
func envVars(env []string) map[string]variable {
	vars := map[string]variable{}
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			continue
		}
		vars[k] = variable{val: v, known: true, exported: true, from: origin{env: true, text: kv}}
	}
	return vars
}

// environ adapts a scope to mvdan.cc/sh's expand.Environ. It answers only
// for known variables; callers check that a word needs nothing else.
type environ struct {
	sc      *scope
	lookup  Lookup
	unknown bool // set when ~user could not be resolved
}

// Get implements expand.Environ.
func (e *environ) Get(name string) expand.Variable {
	if user, ok := strings.CutPrefix(name, "HOME "); ok {
		return e.userHome(user)
	}
	v, ok := e.sc.vars[name]
	if !ok || !v.known {
		return expand.Variable{}
	}
	return expand.Variable{Set: true, Exported: v.exported, Kind: expand.String, Str: v.val}
}

// userHome resolves ~user through the lookup; never through the host.
func (e *environ) userHome(user string) expand.Variable {
	if e.lookup != nil {
		if _, _, home, ok := e.lookup(user); ok && home != "" {
			return expand.Variable{Set: true, Kind: expand.String, Str: home}
		}
	}
	e.unknown = true
	return expand.Variable{Set: true, Kind: expand.String, Str: "/"}
}

// Each implements expand.Environ.
func (e *environ) Each(fn func(string, expand.Variable) bool) {
	for name := range e.sc.vars {
		if !fn(name, e.Get(name)) {
			return
		}
	}
}
