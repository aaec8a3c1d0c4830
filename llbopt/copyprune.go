package llbopt

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/apicaps"
)

// leftover is a kind of directory a build leaves in a tree that the image
// that ships may not need.
type leftover struct {
	pattern string // a copy exclude pattern, relative to the copied path
	what    string
}

// cacheLeftovers are the package managers' and build tools' caches: stores
// their tools fill and read back only to save time, so an image without
// them behaves as one with them, only colder.
var cacheLeftovers = []leftover{
	{"**/.cache/pip", "pip's cache"},
	{"**/.npm/_cacache", "npm's cache"},
	{"**/.cache/yarn", "Yarn's cache"},
	{"**/node_modules/.cache", "build tools' caches in node_modules"},
	{"**/.cache/go-build", "Go's build cache"},
}

// vcsLeftovers are the version-control directories. Unlike a cache they are
// data a program may read when it runs (a version endpoint printing
// .git/HEAD, setuptools-scm, git describe), so leaving them out changes
// what the image does.
var vcsLeftovers = []leftover{
	{"**/.git", "Git metadata"},
	{"**/.hg", "Mercurial metadata"},
	{"**/.svn", "Subversion metadata"},
}

// pruneCopies leaves dirs out of every copy that the target stage makes of
// a tree another stage built with RUN steps, where the stage runs nothing
// after the copy: no step of the build can read what is left out. A copy
// straight from a source (context, image, Git, URL), from a stage that
// only copied files, or of a path that names a leftover is left as it is.
// Each changed copy is a finding that names what it leaves out, and
// allows those paths to be missing where the copy puts them.
func pruneCopies(g *Graph, caps *apicaps.CapSet, dirs []leftover) Report {
	var rep Report
	term := g.Terminal()
	if term == nil || term.Op.Op != nil || len(term.Inputs) != 1 {
		return rep
	}
	steps, _ := layerChain(g, term.Inputs[0])
	runsAfter := false
	for i := len(steps) - 1; i >= 0; i-- {
		n := steps[i].node
		if n.Op.GetExec() != nil {
			runsAfter = true
			continue
		}
		file := n.Op.GetFile()
		if file == nil {
			continue
		}
		for _, a := range file.Actions {
			cp := a.GetCopy()
			if cp == nil || !builtByRun(g, n, a) || namesLeftover(cp.Src) {
				continue
			}
			if runsAfter {
				continue // a later RUN of the stage may read them
			}
			if why := pruneUnsupported(caps); why != "" {
				rep.Findings = append(rep.Findings, Finding{Node: n, Message: fmt.Sprintf("did not prune the copy of %s: %s", cp.Src, why)})
				continue
			}
			var added []string
			var allows []Allow
			for _, l := range dirs {
				grew := false
				for _, pat := range leftoverPatterns(l.pattern, cp.Src) {
					if !slices.Contains(cp.ExcludePatterns, pat) {
						cp.ExcludePatterns = append(cp.ExcludePatterns, pat)
						// A pattern is relative to the copied path,
						// whose content lands in Dest.
						allows = append(allows, Allow{Path: path.Join(cp.Dest, pat), MissingOnly: true})
						grew = true
					}
				}
				if grew {
					added = append(added, l.what+" ("+strings.TrimPrefix(l.pattern, "**/")+")")
				}
			}
			if len(added) == 0 {
				continue
			}
			addCaps(n, string(pb.CapFileCopyIncludeExcludePatterns))
			if requireSource(caps, cp) {
				addCaps(n, string(pb.CapFileCopyRequiredPaths))
			}
			rep.Findings = append(rep.Findings, Finding{Node: n, Changed: true, Message: fmt.Sprintf(
				"the copy of %s from another stage leaves out, wherever they are in it: %s", cp.Src, strings.Join(added, ", ")), Allows: allows})
		}
	}
	return rep
}

// namesLeftover tells whether a copy asks for a leftover by name (COPY
// --from=build /src/.git ..., or the .cache that holds caches): then it
// is wanted.
func namesLeftover(src string) bool {
	if b := path.Base(path.Clean("/" + src)); b == ".cache" || b == ".npm" {
		return true // a directory of caches, asked for by name
	}
	for _, l := range slices.Concat(cacheLeftovers, vcsLeftovers) {
		name := strings.TrimPrefix(l.pattern, "**/")
		if strings.Contains("/"+strings.Trim(src, "/")+"/", "/"+name+"/") {
			return true
		}
	}
	return false
}

// leftoverPatterns are the exclude patterns that leave a leftover out of
// a copy of src. The copy matches them against paths relative to what it
// copies, so a copy that starts inside a leftover's path (COPY --from=build
// /src/node_modules ...) needs the rest of that path at its root too
// (.cache for node_modules/.cache), besides the pattern for deeper ones.
func leftoverPatterns(pattern, src string) []string {
	out := []string{pattern}
	parts := strings.Split(strings.TrimPrefix(pattern, "**/"), "/")
	srcParts := strings.Split(strings.Trim(path.Clean("/"+src), "/"), "/")
	for k := 1; k < len(parts) && k <= len(srcParts); k++ {
		if slices.Equal(srcParts[len(srcParts)-k:], parts[:k]) {
			out = append(out, strings.Join(parts[k:], "/"))
		}
	}
	return out
}

// requireSource makes a copy that now has exclude patterns fail as stock's
// does when its source is missing. Without patterns, the copy's cache key
// is the checksum of the source path, which fails with "failed to compute
// cache key: ...: "/src": not found"; with patterns, BuildKit checksums
// the paths the patterns keep, finds none, and the copy itself then fails
// with "lstat /src: no such file or directory". A required path is checked
// where the checksum is computed, with stock's very words. It is left off
// where it could fail a copy that stock makes: a source with a trailing
// slash (its directory header is not among the kept paths, so an empty
// directory would have none), the root, and a glob (never a path). It
// tells whether it required the source.
func requireSource(caps *apicaps.CapSet, cp *pb.FileActionCopy) bool {
	src := path.Clean("/" + cp.Src)
	if caps == nil || caps.Supports(pb.CapFileCopyRequiredPaths) != nil || len(cp.RequiredPaths) > 0 ||
		src == "/" || strings.HasSuffix(cp.Src, "/") || strings.ContainsAny(cp.Src, "*?[\\") {
		return false
	}
	cp.RequiredPaths = []string{src}
	return true
}

// pruneUnsupported says why the builder cannot take exclude patterns, ""
// when it can.
func pruneUnsupported(caps *apicaps.CapSet) string {
	if caps == nil {
		return "the builder's capabilities are unknown"
	}
	if err := caps.Supports(pb.CapFileCopyIncludeExcludePatterns); err != nil {
		return fmt.Sprintf("the builder cannot exclude paths from a copy (%v)", err)
	}
	return ""
}
