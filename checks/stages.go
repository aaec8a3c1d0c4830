package checks

import (
	"bytes"
	"fmt"
	"maps"
	"strconv"
	"strings"

	"github.com/distribution/reference"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
)

// scratch is the empty base image, as dockerfile2llb names it.
const scratch = "scratch"

// dockerfile is the parsed Dockerfile with its stage graph resolved the way
// dockerfile2llb resolves it.
type dockerfile struct {
	stages    []*stage
	target    *stage
	allStages bool
}

// stage is one FROM with what the checks need to know about it.
type stage struct {
	instructions.Stage
	// base is the stage this one is built FROM, nil for an image.
	base *stage
	// image is the base image when base is nil; its name is "" when the
	// FROM could not be expanded.
	image imageRef
	// deps are the stages COPY --from and RUN --mount=from read.
	deps []*stage
	// cmds are the stage's instructions with what they resolve to.
	cmds []resolved
	// end is the state after the last instruction, where a stage built
	// FROM this one starts.
	end  state
	used bool
}

// load parses dt and resolves its stages: which stage each FROM, COPY
// --from and RUN --mount=from names, which stages the target uses, and
// what each instruction runs and copies.
func load(dt []byte, opt Options) (*dockerfile, error) {
	res, err := parser.Parse(bytes.NewReader(dt))
	if err != nil {
		return nil, fmt.Errorf("%w: parsing: %w", ErrDockerfile, err)
	}
	// A linter without Warn: stock's own rules, which instructions.Parse
	// runs, are stock's to report.
	stages, metaArgs, err := instructions.Parse(res.AST, linter.New(&linter.Config{}))
	if err != nil {
		return nil, fmt.Errorf("%w: parsing instructions: %w", ErrDockerfile, err)
	}
	if len(stages) == 0 {
		return nil, fmt.Errorf("%w: no stages to build", ErrDockerfile)
	}
	ex := &expander{lex: shell.NewLex(res.EscapeToken), buildArgs: opt.BuildArgs}
	ex.globals = ex.metaArgs(metaArgs)

	df := &dockerfile{allStages: opt.AllStages}
	byName := map[string]*stage{}
	for _, st := range stages {
		s := &stage{Stage: st}
		df.stages = append(df.stages, s)
		name, known := ex.expand(st.BaseName, env{vars: ex.globals})
		switch b, isStage := byName[name]; {
		case !known:
		case isStage:
			s.base = b
		default:
			s.image = parseImageRef(name)
		}
		if st.Name != "" {
			byName[strings.ToLower(st.Name)] = s
		}
		s.cmds, s.end = ex.resolveStage(s)
	}
	for _, s := range df.stages {
		s.deps = df.dependencies(s, byName)
	}
	if df.target, err = findTarget(df.stages, byName, opt.Target); err != nil {
		return nil, err
	}
	markUsed(df.target)
	return df, nil
}

func findTarget(stages []*stage, byName map[string]*stage, target string) (*stage, error) {
	if target == "" {
		return stages[len(stages)-1], nil
	}
	s, ok := byName[strings.ToLower(target)]
	if !ok {
		return nil, fmt.Errorf("%w: target stage %q could not be found", ErrDockerfile, target)
	}
	return s, nil
}

// dependencies lists the stages s reads besides its base: COPY --from by
// name or index, RUN --mount=from by name, as dockerfile2llb resolves them.
// Anything else they name is an image, not a stage.
func (df *dockerfile) dependencies(s *stage, byName map[string]*stage) []*stage {
	var deps []*stage
	for _, cmd := range s.Commands {
		switch c := cmd.(type) {
		case *instructions.CopyCommand:
			if c.From == "" {
				continue
			}
			if d, ok := byName[strings.ToLower(c.From)]; ok {
				deps = append(deps, d)
			} else if i, err := strconv.Atoi(c.From); err == nil && i >= 0 && i < len(df.stages) {
				deps = append(deps, df.stages[i])
			}
		case *instructions.RunCommand:
			for _, m := range instructions.GetMounts(c) {
				if d, ok := byName[strings.ToLower(m.From)]; ok && m.From != "" {
					deps = append(deps, d)
				}
			}
		}
	}
	return deps
}

// markUsed marks s and every stage it reads, as dockerfile2llb's
// allReachableStages does: only those are dispatched, so only those get
// warnings.
func markUsed(s *stage) {
	if s == nil || s.used {
		return
	}
	s.used = true
	markUsed(s.base)
	for _, d := range s.deps {
		markUsed(d)
	}
}

// checked lists the stages whose instructions are checked: those the target
// uses, or all with Options.AllStages.
func (df *dockerfile) checked() []*stage {
	var out []*stage
	for _, s := range df.stages {
		if s.used || df.allStages {
			out = append(out, s)
		}
	}
	return out
}

// chain is the final image's stages, from the one built FROM an image to
// the target: everything they do ends up in the image.
func (df *dockerfile) chain() []*stage {
	var out []*stage
	for s := df.target; s != nil; s = s.base {
		out = append([]*stage{s}, out...)
	}
	return out
}

// imageRef is a base image reference split into name, tag and digest.
// The name is as the Dockerfile wrote it ("python", not
// "docker.io/library/python"), since messages quote it and Options'
// callbacks look it up.
type imageRef struct {
	name, tag, digest string
}

// parseImageRef splits an expanded FROM image with distribution's
// reference grammar. A reference dockerfile2llb would reject, as it
// parses it with reference.ParseNormalizedNamed, gives the zero imageRef:
// stock's own error reports it, and a rule whose image is unknown does not
// fire.
func parseImageRef(s string) imageRef {
	if _, err := reference.ParseNormalizedNamed(s); err != nil {
		return imageRef{}
	}
	// reference.Parse keeps the familiar name; ParseNormalizedNamed would
	// add the docker.io/library/ that messages must not show.
	ref, err := reference.Parse(s)
	if err != nil {
		return imageRef{}
	}
	var r imageRef
	if n, ok := ref.(reference.Named); ok {
		r.name = n.Name()
	}
	if t, ok := ref.(reference.Tagged); ok {
		r.tag = t.Tag()
	}
	if d, ok := ref.(reference.Digested); ok {
		r.digest = d.Digest().String()
	}
	return r
}

func (r imageRef) known() bool {
	return r.name != "" && r.name != scratch
}

func (r imageRef) String() string {
	s := r.name
	if r.tag != "" {
		s += ":" + r.tag
	}
	if r.digest != "" {
		s += "@" + r.digest
	}
	return s
}

// repo is the last path element of the name: "python" for
// docker.io/library/python.
func (r imageRef) repo() string {
	return r.name[strings.LastIndex(r.name, "/")+1:]
}

// expander expands variables in instruction words as dockerfile2llb does.
type expander struct {
	lex       *shell.Lex
	buildArgs map[string]string
	globals   map[string]string
}

// expand returns word with its variables replaced; known is false when a
// variable has no known value or the word does not parse.
func (ex *expander) expand(word string, e env) (string, bool) {
	res, err := ex.lex.ProcessWordWithMatches(word, e)
	if err != nil || len(res.Unmatched) > 0 {
		return res.Result, false
	}
	return res.Result, true
}

// metaArgs are the ARGs before the first FROM, with the build args given
// for them, as dockerfile2llb's buildMetaArgs computes them.
func (ex *expander) metaArgs(cmds []instructions.ArgCommand) map[string]string {
	vars := map[string]string{}
	for _, cmd := range cmds {
		for _, kv := range cmd.Args {
			if v, ok := ex.buildArgs[kv.Key]; ok {
				vars[kv.Key] = v
			} else if kv.Value != nil {
				if v, ok := ex.expand(*kv.Value, env{vars: vars}); ok {
					vars[kv.Key] = v
				}
			}
		}
	}
	return vars
}

// env is the variables an instruction sees: the stage's ENV, then its
// ARGs. A variable whose value is unknown is absent.
type env struct {
	vars map[string]string
	args map[string]string
}

// Get implements shell.EnvGetter.
func (e env) Get(key string) (string, bool) {
	if v, ok := e.vars[key]; ok {
		return v, true
	}
	v, ok := e.args[key]
	return v, ok
}

// Keys implements shell.EnvGetter.
func (e env) Keys() []string {
	keys := make([]string, 0, len(e.vars)+len(e.args))
	for k := range e.vars {
		keys = append(keys, k)
	}
	for k := range e.args {
		keys = append(keys, k)
	}
	return keys
}

// state is what carries from one instruction to the next, and from a stage
// to the stages built FROM it.
type state struct {
	env          map[string]string
	shell        []string
	noRecommends bool
}

func (st state) clone() state {
	st.env = maps.Clone(st.env)
	if st.env == nil {
		st.env = map[string]string{}
	}
	return st
}

// resolved is an instruction with what it runs or copies, resolved against
// the state before it.
type resolved struct {
	cmd instructions.Command
	// calls are the commands a RUN runs; parsed is false when its script
	// could not be read.
	calls  []shellCall
	parsed bool
	// srcs are a COPY's or ADD's sources, expanded; "" where unknown.
	srcs []string
	// user is a USER's value, expanded; userKnown is false when it could
	// not be.
	user      string
	userKnown bool
	// noRecommends is set when an earlier RUN configured apt not to
	// install recommended packages.
	noRecommends bool
}

// resolveStage walks s's instructions from the state its base left.
func (ex *expander) resolveStage(s *stage) ([]resolved, state) {
	st := state{shell: []string{"/bin/sh", "-c"}}
	if s.base != nil {
		st = s.base.end
	}
	st = st.clone()
	args := map[string]string{}
	out := make([]resolved, 0, len(s.Commands))
	for _, cmd := range s.Commands {
		e := env{vars: st.env, args: args}
		r := resolved{cmd: cmd, noRecommends: st.noRecommends}
		switch c := cmd.(type) {
		case *instructions.ArgCommand:
			ex.stageArgs(c, e, args)
		case *instructions.EnvCommand:
			for _, kv := range c.Env {
				if v, ok := ex.expand(kv.Value, e); ok {
					st.env[kv.Key] = v
				} else {
					delete(st.env, kv.Key)
				}
			}
		case *instructions.ShellCommand:
			st.shell = c.Shell
		case *instructions.UserCommand:
			r.user, r.userKnown = ex.expand(c.User, e)
		case *instructions.RunCommand:
			r.calls, r.parsed = runCalls(c, st.shell)
			if aptConfigNoRecommends(r.calls) {
				st.noRecommends = true
			}
		case *instructions.CopyCommand:
			r.srcs = ex.sources(c.SourcePaths, e)
		case *instructions.AddCommand:
			r.srcs = ex.sources(c.SourcePaths, e)
		}
		out = append(out, r)
	}
	return out, st
}

// stageArgs sets a stage's ARG values: the build arg, else the default,
// else the meta ARG of the same name.
func (ex *expander) stageArgs(c *instructions.ArgCommand, e env, args map[string]string) {
	for _, kv := range c.Args {
		switch v, ok := ex.buildArgs[kv.Key]; {
		case ok:
			args[kv.Key] = v
		case kv.Value != nil:
			if v, ok := ex.expand(*kv.Value, e); ok {
				args[kv.Key] = v
			} else {
				delete(args, kv.Key)
			}
		default:
			if v, ok := ex.globals[kv.Key]; ok {
				args[kv.Key] = v
			}
		}
	}
}

func (ex *expander) sources(srcs []string, e env) []string {
	out := make([]string, len(srcs))
	for i, s := range srcs {
		if v, ok := ex.expand(s, e); ok {
			out[i] = v
		}
	}
	return out
}
