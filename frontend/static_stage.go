package frontend

import (
	"bytes"
	"cmp"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/distribution/reference"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// This file is the static fix's reading of the Dockerfile (see
// applyStatic): which stage ships, what it is built FROM, and which RUN
// builds its program.

// staticToolchains are the base images whose single-stage builds the fix
// knows (by familiar name).
var staticToolchains = []string{"golang", "rust"}

// staticStage is what the fix learns from the target stage's instructions.
type staticStage struct {
	base  string    // the base image, as the Dockerfile names it
	build staticRun // the RUN that builds the program
	// copies are the context paths the stage's COPYs name, whose files
	// must all be the toolchain's sources (staticSource).
	copies []string
	// report is the applied fix's report line.
	report string
}

// staticRun is the stage's build RUN.
type staticRun struct {
	line    int
	tool    string   // go or cargo
	install bool     // go install, cargo install
	outputs []string // go build -o values, as written
	workdir string   // the WORKDIR it runs in; "" when the stage sets none
}

// staticStageOf reads the target stage of the Dockerfile dt; why says
// what refuses it, at loc (the CMD or ENTRYPOINT line, else the FROM).
func staticStageOf(dt []byte, target string, buildArgs map[string]string) (*staticStage, []parser.Range, string) {
	ast, err := parser.Parse(bytes.NewReader(dt))
	if err != nil {
		return nil, nil, fmt.Sprintf("the Dockerfile does not parse: %v", err)
	}
	stages, metaArgs, err := instructions.Parse(ast.AST, linter.New(&linter.Config{}))
	if err != nil || len(stages) == 0 {
		return nil, nil, fmt.Sprintf("the Dockerfile's instructions do not parse: %v", err)
	}
	i := len(stages) - 1
	if target != "" {
		i = slices.IndexFunc(stages, func(s instructions.Stage) bool { return strings.EqualFold(s.Name, target) })
		if i < 0 {
			return nil, nil, fmt.Sprintf("target stage %q not found", target)
		}
	}
	s := stages[i]
	// The line that names the program: the last ENTRYPOINT, else the
	// last CMD, else the FROM.
	loc, entrypoint := s.Location, false
	for _, cmd := range s.Commands {
		switch cmd.(type) {
		case *instructions.EntrypointCommand:
			loc, entrypoint = cmd.Location(), true
		case *instructions.CmdCommand:
			if !entrypoint {
				loc = cmd.Location()
			}
		}
	}
	base, why := staticBase(s, stages[:i], metaArgs, buildArgs, ast.EscapeToken)
	if why != "" {
		return nil, loc, why
	}
	build, why := staticBuild(s.Commands)
	if why != "" {
		return nil, loc, why
	}
	var copies []string
	for _, cmd := range s.Commands {
		if c, ok := cmd.(*instructions.CopyCommand); ok {
			copies = append(copies, c.SourcePaths...)
		}
	}
	return &staticStage{base: base, build: build, copies: copies}, loc, ""
}

// staticBase is the stage's base image when it is a known toolchain.
func staticBase(s instructions.Stage, before []instructions.Stage, metaArgs []instructions.ArgCommand, buildArgs map[string]string, escape rune) (string, string) {
	var env []string
	for _, a := range metaArgs {
		for _, kv := range a.Args {
			if v, ok := buildArgs[kv.Key]; ok {
				env = append(env, kv.Key+"="+v)
			} else if kv.Value != nil {
				env = append(env, kv.Key+"="+*kv.Value)
			}
		}
	}
	name, _, err := shell.NewLex(escape).ProcessWord(s.BaseName, shell.EnvsFromSlice(env))
	if err != nil {
		return "", fmt.Sprintf("its FROM %s could not be expanded: %v", s.BaseName, err)
	}
	if slices.ContainsFunc(before, func(b instructions.Stage) bool { return b.Name != "" && strings.EqualFold(b.Name, name) }) {
		return "", fmt.Sprintf("the stage is built FROM another stage (%s): only a one-stage toolchain build is fixed", name)
	}
	named, err := reference.ParseNormalizedNamed(name)
	if err != nil || !slices.Contains(staticToolchains, reference.FamiliarName(named)) {
		return "", fmt.Sprintf("its base image %s is not a known toolchain image (%s)", name, strings.Join(staticToolchains, ", "))
	}
	return name, ""
}

// staticBuild checks the stage's instructions and returns its build RUN.
func staticBuild(cmds []instructions.Command) (staticRun, string) {
	var build staticRun
	builds, workdir := 0, ""
	for _, cmd := range cmds {
		line := 0
		if loc := cmd.Location(); len(loc) > 0 {
			line = loc[0].Start.Line
		}
		switch c := cmd.(type) {
		case *instructions.WorkdirCommand:
			workdir = nextWorkdir(workdir, c.Path)
		case *instructions.AddCommand, *instructions.VolumeCommand, *instructions.OnbuildCommand:
			return build, fmt.Sprintf("the stage has %s (line %d), whose files the fixed image could need", strings.ToUpper(cmd.Name()), line)
		case *instructions.CopyCommand:
			if c.From != "" || len(c.SourceContents) > 0 {
				return build, fmt.Sprintf("the stage copies from %s (line %d), not only the source it builds", fromOr(c.From, "a heredoc"), line)
			}
		case *instructions.HealthCheckCommand:
			if c.Health == nil || len(c.Health.Test) == 0 || c.Health.Test[0] != "NONE" {
				return build, fmt.Sprintf("the stage has a HEALTHCHECK (line %d), which runs a command the fixed image would not have", line)
			}
		case *instructions.RunCommand:
			run, kind, why := staticRunOf(c, workdir, line)
			if why != "" {
				return build, why
			}
			if kind == "build" {
				build = run
				builds++
			}
		}
	}
	switch {
	case builds == 0:
		return build, "no RUN of the stage builds a program with go or cargo"
	case builds > 1:
		return build, "more than one RUN of the stage builds: which made the program cannot be told"
	}
	return build, ""
}

// fromOr names a COPY or mount source: --from=s, or otherwise.
func fromOr(s, otherwise string) string {
	if s != "" {
		return "--from=" + s
	}
	return otherwise
}

// nextWorkdir is the WORKDIR after WORKDIR p; "" when it depends on a
// variable or on the base image's.
func nextWorkdir(cur, p string) string {
	switch {
	case strings.Contains(p, "$"):
		return ""
	case path.IsAbs(p):
		return path.Clean(p)
	case cur == "":
		return ""
	}
	return path.Join(cur, p)
}

// staticRunOf classifies a RUN: "download" when it only downloads
// packages, "build" when it builds (and may download); anything else
// refuses.
func staticRunOf(c *instructions.RunCommand, workdir string, line int) (staticRun, string, string) {
	run := staticRun{line: line, workdir: workdir}
	if len(c.Files) > 0 {
		return run, "", fmt.Sprintf("the RUN at line %d has a heredoc: what it does cannot be told", line)
	}
	// The parser leaves the mounts' fields but from unread until they
	// are expanded; their words are read as written.
	if err := c.Expand(func(w string) (string, error) { return w, nil }); err != nil {
		return run, "", fmt.Sprintf("the RUN at line %d has mounts that could not be read: %v", line, err)
	}
	for _, m := range instructions.GetMounts(c) {
		switch m.Type {
		case instructions.MountTypeCache, instructions.MountTypeTmpfs, instructions.MountTypeSecret, instructions.MountTypeSSH:
		default:
			return run, "", fmt.Sprintf("the RUN at line %d mounts %s: its files may end up in the program's runtime", line, fromOr(m.From, "a "+string(m.Type)+" mount"))
		}
	}
	script := strings.Join(c.CmdLine, " ")
	if strings.ContainsAny(script, "|<>`&;\n") && !onlyAnd(script) {
		return run, "", fmt.Sprintf("the RUN at line %d is not a plain go or cargo command list", line)
	}
	kind := "download"
	for _, part := range strings.Split(script, "&&") {
		words := strings.Fields(part)
		for len(words) > 0 && isAssignment(words[0]) {
			words = words[1:]
		}
		if len(words) < 2 {
			return run, "", fmt.Sprintf("the RUN at line %d runs %q, not a go or cargo build", line, strings.TrimSpace(part))
		}
		tool, sub := path.Base(words[0]), words[1]
		switch {
		case tool == "go" && sub == "mod" && len(words) > 2 && words[2] == "download", tool == "cargo" && sub == "fetch":
		case (tool == "go" || tool == "cargo") && (sub == "build" || sub == "install"):
			if kind == "build" {
				return run, "", fmt.Sprintf("the RUN at line %d builds twice: which made the program cannot be told", line)
			}
			kind, run.tool, run.install = "build", tool, sub == "install"
			run.outputs = outputFlags(words[2:])
		default:
			return run, "", fmt.Sprintf("the RUN at line %d runs %q, not a go or cargo build", line, strings.TrimSpace(part))
		}
	}
	return run, kind, ""
}

// onlyAnd is whether the only shell operators of script are &&.
func onlyAnd(script string) bool {
	return !strings.ContainsAny(strings.ReplaceAll(script, "&&", ""), "|<>`&;\n")
}

func isAssignment(w string) bool {
	k, _, ok := strings.Cut(w, "=")
	return ok && k != "" && !strings.ContainsAny(k, "/-$")
}

// outputFlags are the values of -o in a go build's words.
func outputFlags(words []string) []string {
	var out []string
	for i, w := range words {
		if v, ok := strings.CutPrefix(w, "-o="); ok {
			out = append(out, v)
		} else if w == "-o" && i+1 < len(words) {
			out = append(out, words[i+1])
		}
	}
	return out
}

// made is whether prog is where the build writes: go build's -o (a file
// or a directory), else its WORKDIR; go install's GOBIN or GOPATH/bin;
// cargo build's target/ under its WORKDIR; cargo install's CARGO_HOME/bin.
func (r staticRun) made(prog string, env []string) bool {
	dir := path.Dir(prog)
	abs := func(p string) string {
		if path.IsAbs(p) {
			return path.Clean(p)
		}
		if r.workdir == "" {
			return ""
		}
		return path.Join(r.workdir, p)
	}
	switch {
	case r.tool == "go" && r.install:
		gobin := envValue(env, "GOBIN")
		if gobin == "" {
			gobin = path.Join(cmp.Or(envValue(env, "GOPATH"), "/go"), "bin")
		}
		return dir == path.Clean(gobin)
	case r.tool == "go" && len(r.outputs) > 0:
		for _, o := range r.outputs {
			if o := abs(o); o != "" && (o == prog || o == dir) {
				return true
			}
		}
		return false
	case r.tool == "go":
		return r.workdir != "" && dir == r.workdir
	case r.install:
		return dir == path.Join(cmp.Or(envValue(env, "CARGO_HOME"), "/usr/local/cargo"), "bin")
	}
	return r.workdir != "" && strings.HasPrefix(prog, path.Join(r.workdir, "target")+"/")
}

// staticSourceNames are the files a Go or Rust project holds besides its
// code that no program reads when it runs: its build files, its docs, its
// repository's own.
var staticSourceNames = []string{
	"go.mod", "go.sum", "go.work", "go.work.sum", "Cargo.toml", "Cargo.lock", "rust-toolchain", "rust-toolchain.toml",
	".dockerignore", ".gitignore", ".gitattributes", ".editorconfig", "Makefile",
}

// staticSource tells whether a context file the stage copies is one the
// program cannot need at run time: code the build compiles (.go, .rs,
// assembly, C for cgo), a build or repository file, a document, or a file
// under vendor/, testdata/, .git/, .github/ or .cargo/. Anything else (a
// template, a config file, a static asset) may be read by the program
// when it runs, from the WORKDIR the fix leaves empty; a //go:embed file is
// compiled in, but which files are embedded is not read here, so they
// count too.
func staticSource(p string) bool {
	base := path.Base(p)
	for _, dir := range []string{"vendor", "testdata", ".git", ".github", ".cargo"} {
		if strings.HasPrefix(p, dir+"/") || strings.Contains(p, "/"+dir+"/") {
			return true
		}
	}
	switch path.Ext(base) {
	case ".go", ".rs", ".s", ".c", ".h", ".md":
		return true
	}
	dockerfile := strings.HasPrefix(base, "Dockerfile") || strings.HasSuffix(base, ".Dockerfile") || base == "Containerfile"
	return dockerfile || slices.Contains(staticSourceNames, base) || isDoc(base)
}

// isDoc tells whether a file name is a project's document (README,
// LICENSE, ...).
func isDoc(base string) bool {
	up := strings.ToUpper(base)
	for _, d := range []string{"README", "LICENSE", "LICENCE", "COPYING", "NOTICE", "CHANGELOG", "AUTHORS", "CONTRIBUTING", "SECURITY"} {
		if strings.HasPrefix(up, d) {
			return true
		}
	}
	return false
}
