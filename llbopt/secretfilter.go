package llbopt

import (
	"context"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/apicaps"
	"github.com/moby/patternmatcher"

	"github.com/org/optfrontend/internal/secretname"
)

// SecretFilter keeps files named like secrets (.env and .env.* but their
// templates, ssh private keys, key stores, cloud and tool credentials; see
// package secretname) out of the main build context, so that a `COPY . .`
// does not bake them into a layer. It works with or without a
// .dockerignore: its patterns come first, so the user's own lines win (a
// "!.env" there sends .env). A file the Dockerfile names itself (`COPY .env
// .`, a bind mount of it) is the user's choice and is sent, and so is one
// a RUN's script names (cp .pypirc ~/), wherever it sits. Files only
// their content marks (*.pem, *.key, .npmrc) are sent: the SecretFileCopied
// check reports them. Switch it off with BUILDKIT_OPT=-secretfilter.
type SecretFilter struct {
	// Caps are the builder's LLB capabilities: the filter needs
	// source.local.excludepatterns.
	Caps *apicaps.CapSet
}

// Name implements Pass.
func (SecretFilter) Name() string { return "secretfilter" }

// howToSend is what the user does to send what the pass keeps out.
const howToSend = "--build-arg BUILDKIT_OPT=-secretfilter sends them"

// Apply implements Pass.
func (p SecretFilter) Apply(_ context.Context, g *Graph) (Report, error) {
	var rep Report
	sources := mainSources(g, func(*pb.SourceOp) bool { return true })
	if len(sources) == 0 {
		return rep, nil
	}
	if !p.supported() {
		rep.Findings = append(rep.Findings, Finding{Node: sources[0], Message: "sent files named like secrets: the builder cannot exclude paths from the context"})
		return rep, nil
	}
	named := append(namedSecrets(g, sources), mentionedSecrets(g)...)
	ours := secretname.Patterns()
	for _, s := range named {
		if !slices.Contains(ours, "!"+s.path) {
			ours = append(ours, "!"+s.path)
		}
	}
	for _, n := range sources {
		if err := prependExcludes(n, ours); err != nil {
			return rep, err
		}
	}
	rep.Findings = append(rep.Findings, Finding{Node: firstUser(g, sources), Changed: true, Message: "not sending files named like secrets " +
		"(.env, .env.* but templates, ssh private keys, key stores, cloud and tool credentials); " + howToSend,
		Allows: allowAnywhere(secretname.Patterns())})
	for _, s := range named {
		rep.Findings = append(rep.Findings, Finding{Node: s.node, Message: fmt.Sprintf("sending %s: %s", s.path, s.why)})
	}
	return rep, nil
}

func (p SecretFilter) supported() bool {
	return p.Caps != nil && p.Caps.Supports(pb.CapSourceLocalExcludePatterns) == nil
}

// KeptOut returns whether the pass, on a context whose .dockerignore has
// the given patterns, keeps a context file (a slash-separated path
// relative to the root) from the builder, for a check that must not call
// a file copied when it is not. A file the Dockerfile names is sent all
// the same: the caller tells those (secretname.Names). nil when the pass
// changes nothing on this builder.
func (p SecretFilter) KeptOut(dockerignore []string) (func(string) bool, error) {
	if !p.supported() {
		return nil, nil
	}
	pm, err := patternmatcher.New(append(secretname.Patterns(), dockerignore...))
	if err != nil {
		return nil, fmt.Errorf("reading .dockerignore patterns: %w", err)
	}
	return func(f string) bool {
		out, err := pm.MatchesOrParentMatches(f)
		return err == nil && out
	}, nil
}

// prependExcludes puts patterns before a local source's own exclude
// patterns (the .dockerignore's, or contextfilter's), whose later lines
// win.
func prependExcludes(n *Node, patterns []string) error {
	src := n.Op.GetSource()
	var theirs []string
	if v := src.Attrs[pb.AttrExcludePatterns]; v != "" {
		if err := json.Unmarshal([]byte(v), &theirs); err != nil {
			return fmt.Errorf("reading the context's exclude patterns: %w", err)
		}
	}
	dt, err := json.Marshal(append(slices.Clone(patterns), theirs...))
	if err != nil {
		return fmt.Errorf("encoding exclude patterns: %w", err)
	}
	if src.Attrs == nil {
		src.Attrs = map[string]string{}
	}
	src.Attrs[pb.AttrExcludePatterns] = string(dt)
	addCaps(n, string(pb.CapSourceLocalExcludePatterns))
	return nil
}

// namedSecret is a secret-looking context path that a step names itself.
type namedSecret struct {
	path string
	node *Node
	why  string
}

// namedSecrets lists, in graph order, the sources of copies and bind
// mounts from the context that name secret-looking files themselves.
func namedSecrets(g *Graph, sources []*Node) []namedSecret {
	var out []namedSecret
	add := func(n *Node, in int64, src, verb string) {
		if in < 0 || in >= int64(len(n.Inputs)) || !slices.Contains(sources, n.Inputs[in].Node) {
			return
		}
		p := strings.TrimPrefix(path.Clean("/"+src), "/")
		if p == "" || !secretname.Names(p) {
			return
		}
		why := verb + " it by name"
		if loc, ok := g.Location(n); ok {
			why = fmt.Sprintf("line %d %s", loc.Start, why)
		}
		out = append(out, namedSecret{path: p, node: n, why: why})
	}
	for _, n := range g.Nodes() {
		if f := n.Op.GetFile(); f != nil {
			for _, a := range f.Actions {
				if cp := a.GetCopy(); cp != nil {
					add(n, a.SecondaryInput, cp.Src, "copies")
				}
			}
		}
		if e := n.Op.GetExec(); e != nil {
			for _, m := range e.Mounts {
				if m.MountType == pb.MountType_BIND {
					add(n, m.Input, m.Selector, "mounts")
				}
			}
		}
	}
	return out
}

// mentionedSecrets lists, in graph order, the secret-looking files that a
// RUN's script names (cp .pypirc ~/, cat .env): the script reads them, so
// they are sent wherever they sit in the context, as patterns.
func mentionedSecrets(g *Graph) []namedSecret {
	var out []namedSecret
	for _, n := range g.Nodes() {
		e := n.Op.GetExec()
		if e == nil || e.Meta == nil {
			continue
		}
		for _, m := range secretname.Mentioned(strings.Join(e.Meta.Args, " ")) {
			why := "a RUN names it"
			if loc, ok := g.Location(n); ok {
				why = fmt.Sprintf("line %d names it", loc.Start)
			}
			out = append(out, namedSecret{path: secretname.MentionPattern(m), node: n, why: why})
		}
	}
	return out
}
