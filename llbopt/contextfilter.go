package llbopt

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/apicaps"
)

// vcsDirs are version-control directories.
var vcsDirs = []string{".git", "**/.git", ".hg", "**/.hg", ".svn", "**/.svn"}

// cacheDirs are caches that Python and its type checkers fill and read
// back only to save time: a program behaves the same without them.
// (__pycache__ is used only beside its source; a sourceless program is a
// .pyc outside it.)
var cacheDirs = []string{"**/__pycache__", "**/.mypy_cache", "**/.ruff_cache"}

// envDirs are virtualenvs, compiled Python files and pytest's cache: made on
// the machine the context comes from, never what an image should build
// from, but a program may run or read them (a .pyc without its source is
// a program, pytest --last-failed reads its cache).
var envDirs = []string{"**/*.pyc", "**/.pytest_cache", "**/.tox", ".venv", "**/.venv"}

// ContextNoise is every pattern ContextFilter may leave out of a context
// without a .dockerignore, for a frontend that reads such a context itself
// and must not transfer what the build will not.
func ContextNoise() []string {
	return append(append(append([]string{}, vcsDirs...), cacheDirs...), envDirs...)
}

// ContextFilter keeps what a build context without a .dockerignore should
// not send to the builder: Python's and its tools' caches, unless a step
// may read them; and version-control directories, virtualenvs and compiled
// Python files, unless a step may read them or the image that ships may
// hold them (its program may read them when it runs). Only the main
// context is filtered, and only when it has no .dockerignore (the local
// source then carries no exclude patterns): a .dockerignore is the user's
// own choice of what to send. Switch it off with
// BUILDKIT_OPT=-contextfilter.
type ContextFilter struct {
	// Caps are the builder's LLB capabilities: the filter needs
	// source.local.excludepatterns.
	Caps *apicaps.CapSet
	// VCS is the vcsdirs fix: version-control directories are left out
	// even where the image that ships may hold them.
	VCS bool
}

// Name implements Pass.
func (ContextFilter) Name() string { return "contextfilter" }

// Apply implements Pass.
func (p ContextFilter) Apply(_ context.Context, g *Graph) (Report, error) {
	var rep Report
	sources := mainSources(g, func(src *pb.SourceOp) bool { return src.Attrs[pb.AttrExcludePatterns] == "" })
	if len(sources) == 0 {
		return rep, nil
	}
	if p.Caps == nil || p.Caps.Supports(pb.CapSourceLocalExcludePatterns) != nil {
		rep.Findings = append(rep.Findings, Finding{Node: sources[0], Message: "sent the whole context: the builder cannot exclude paths from it"})
		return rep, nil
	}
	var patterns []string
	keepVCS, keepNoise := readsVCS(g), readsNoise(g)
	keepEnvs := keepNoise
	if ships := shipsContext(g, sources); ships != "" {
		shipped := "the image that ships may hold them (" + ships + ") and its program may read them when it runs"
		if keepVCS == "" && !p.VCS {
			keepVCS = shipped + "; BUILDKIT_OPT_FIX=vcsdirs leaves them out"
		}
		if keepEnvs == "" {
			keepEnvs = shipped
		}
	}
	if keepVCS == "" {
		patterns = append(patterns, vcsDirs...)
	}
	if keepNoise == "" {
		patterns = append(patterns, cacheDirs...)
	}
	if keepEnvs == "" {
		patterns = append(patterns, envDirs...)
	}
	if len(patterns) == 0 {
		rep.Findings = append(rep.Findings, Finding{Node: firstUser(g, sources), Message: fmt.Sprintf(
			"the context has no .dockerignore, but is sent whole: sending version-control directories: %s; sending tool caches and virtualenvs: %s", keepVCS, keepNoise)})
		return rep, nil
	}
	dt, err := json.Marshal(patterns)
	if err != nil {
		return rep, fmt.Errorf("encoding exclude patterns: %w", err)
	}
	for _, n := range sources {
		src := n.Op.GetSource()
		if src.Attrs == nil {
			src.Attrs = map[string]string{}
		}
		src.Attrs[pb.AttrExcludePatterns] = string(dt)
		addCaps(n, string(pb.CapSourceLocalExcludePatterns))
	}
	node := firstUser(g, sources)
	rep.Findings = append(rep.Findings, Finding{Node: node, Changed: true, Message: fmt.Sprintf(
		"the context has no .dockerignore: not sending %s", strings.Join(patterns, " ")), Allows: allowAnywhere(patterns)})
	if keepVCS != "" {
		rep.Findings = append(rep.Findings, Finding{Node: node, Message: "sending version-control directories: " + keepVCS})
	}
	if keepNoise != "" {
		rep.Findings = append(rep.Findings, Finding{Node: node, Message: "sending tool caches and virtualenvs: " + keepNoise})
	} else if keepEnvs != "" {
		rep.Findings = append(rep.Findings, Finding{Node: node, Message: "sending virtualenvs, compiled Python files and pytest's cache: " + keepEnvs})
	}
	return rep, nil
}
