package checks

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// warning is one finding as a test sees it.
type warning struct {
	Rule string
	Line int
	Msg  string
}

func (w warning) String() string { return fmt.Sprintf("%s@%d: %s", w.Rule, w.Line, w.Msg) }

// check runs the checks over df and returns what they reported.
func check(t testing.TB, df string, opt Options) ([]warning, error) {
	t.Helper()
	var got []warning
	err := Run(context.Background(), []byte(df), opt, func(rulename, description, url, msg string, location []parser.Range) {
		if description == "" || url == "" {
			t.Errorf("rule %s reported without description or URL", rulename)
		}
		got = append(got, warning{Rule: rulename, Line: startLine(location), Msg: msg})
	})
	return got, err
}

// registry is a fake registry: the image references that exist.
type registry map[string]bool

func (r registry) exists(_ context.Context, ref string) (bool, error) { return r[ref], nil }

// project is a fake build context: its files and their content.
type project map[string]string

// files lists every file: the checks must cope with more than they asked.
func (p project) files(context.Context, []string) ([]string, error) {
	var out []string
	for f := range p {
		out = append(out, f)
	}
	slices.Sort(out)
	return out, nil
}

func (p project) read(_ context.Context, name string) ([]byte, error) {
	dt, ok := p[name]
	if !ok {
		return nil, fmt.Errorf("%s: no such file", name)
	}
	return []byte(dt), nil
}

// knownRegistry holds the -slim tags the tests expect to find.
var knownRegistry = registry{
	"python:3.11-slim": true, "python:3.12-slim": true, "python:3.9-slim": true, "python:3.9.16-slim": true,
	"python:3-slim": true, "python:slim": true, "python:3.12-slim-bookworm": true,
	"node:16-slim": true, "node:22-slim": true, "node:22-bookworm-slim": true, "openjdk:slim": true,
	"debian:bookworm-slim": true,
}

// appProject is a small app's context with a .env beside the code.
var appProject = project{
	"app.py": "print('hi')\n", "requirements.txt": "flask\n", ".env": "SECRET=1\n",
	"src/main.go": "package main\n", "README.md": "# app\n",
}

// options is what a frontend with every input would pass: a context
// without .dockerignore, appProject's files, knownRegistry.
func options() Options {
	return Options{
		Dockerignore: func(context.Context) (bool, error) { return false, nil },
		ContextFiles: appProject.files,
		ReadFile:     appProject.read,
		ImageExists:  knownRegistry.exists,
	}
}

// rules returns the rule names in got, sorted and unique.
func rules(got []warning) []string {
	var names []string
	for _, w := range got {
		names = append(names, w.Rule)
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// only keeps the warnings of one rule.
func only(got []warning, rule string) []warning {
	return slices.DeleteFunc(slices.Clone(got), func(w warning) bool { return w.Rule != rule })
}

func lines(got []warning) []int {
	out := []int{}
	for _, w := range got {
		out = append(out, w.Line)
	}
	return out
}

func dump(got []warning) string {
	var b strings.Builder
	for _, w := range got {
		b.WriteString(w.String() + "\n")
	}
	return b.String()
}
