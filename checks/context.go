package checks

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/patternmatcher"

	"github.com/org/optfrontend/internal/secretname"
)

// contextCopy is a COPY or ADD that reads the build context.
type contextCopy struct {
	r *resolved
	// srcs are its local sources, expanded, as written; "" where unknown.
	srcs     []string
	excludes []string
	add      *instructions.AddCommand
}

// contextCopies lists the COPYs without --from and the ADDs of the checked
// stages, in order.
func contextCopies(df *dockerfile) []contextCopy {
	var out []contextCopy
	for _, s := range df.checked() {
		for i := range s.cmds {
			r := &s.cmds[i]
			switch c := r.cmd.(type) {
			case *instructions.CopyCommand:
				if c.From == "" {
					out = append(out, contextCopy{r: r, srcs: r.srcs, excludes: c.ExcludePatterns})
				}
			case *instructions.AddCommand:
				out = append(out, contextCopy{r: r, srcs: localSources(r.srcs), excludes: c.ExcludePatterns, add: c})
			}
		}
	}
	return out
}

// localSources drops an ADD's URLs and git sources.
func localSources(srcs []string) []string {
	var out []string
	for _, s := range srcs {
		if !isRemote(s) {
			out = append(out, s)
		}
	}
	return out
}

func isRemote(src string) bool {
	return strings.Contains(src, "://") || strings.HasPrefix(src, "git@")
}

// checkAdds reports an ADD of a local file that ADD does not unpack: COPY
// does the same without ADD's surprises.
func checkAdds(c *checker) {
	for _, cp := range contextCopies(c.df) {
		if cp.add == nil {
			continue
		}
		unpack := cp.add.Unpack == nil || *cp.add.Unpack
		for _, src := range cp.srcs {
			if src == "" || (unpack && isArchive(src)) {
				continue
			}
			c.report(&RuleAddLocalFile, cp.r.cmd.Comments(), cp.r.cmd.Location(), RuleAddLocalFile.Format(src))
			break
		}
	}
}

// isArchive tells the names ADD unpacks: tar archives, compressed or not.
func isArchive(name string) bool {
	lower := strings.ToLower(name)
	for _, ext := range []string{".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tbz2", ".tar.xz", ".txz", ".tar.zst", ".tzst", ".tar.lz4"} {
		if strings.HasSuffix(lower, ext) {
			return true
		}
	}
	return false
}

// checkContextCopies reports the first COPY or ADD that copies a directory
// of a context without .dockerignore, and every one that copies
// secret-looking files.
func checkContextCopies(c *checker) {
	copies := contextCopies(c.df)
	if len(copies) == 0 {
		return
	}
	files, haveFiles := c.inputs.contextFiles(copiedPaths(copies))
	for _, cp := range copies {
		if broadCopy(cp, files) {
			if has, known := c.inputs.dockerignore(); known && !has {
				c.report(&RuleNoDockerignore, cp.r.cmd.Comments(), cp.r.cmd.Location(), RuleNoDockerignore.Format(instructionText(cp.r.cmd)))
			}
			break
		}
	}
	if !haveFiles {
		return
	}
	named := namedSecrets(c.df, copies)
	mentioned := mentionedSecrets(c.df)
	sniff := newSniffer(c.inputs.readFile)
	var visited []string
	for _, cp := range copies {
		visited = append(visited, copiedFiles(cp, files)...)
	}
	sniff.prefetch(visited, c.inputs.readFiles)
	for _, cp := range copies {
		var copied, keptOut []string
		for _, f := range copiedFiles(cp, files) {
			switch {
			case !isSecret(f, sniff.readFile):
			case c.inputs.opt.KeptOut != nil && c.inputs.opt.KeptOut(f) && !namedBy(named, f) && !mentionedBy(mentioned, f):
				keptOut = append(keptOut, f)
			default:
				copied = append(copied, f)
			}
		}
		if len(copied)+len(keptOut) > 0 {
			c.report(&RuleSecretFileCopied, cp.r.cmd.Comments(), cp.r.cmd.Location(), RuleSecretFileCopied.Format(copied, keptOut))
		}
	}
}

// namedSecrets are the sources that COPY, ADD and RUN --mount=type=bind
// take from the context and that name secret-looking files themselves:
// the secretfilter pass sends those, as the user asked.
func namedSecrets(df *dockerfile, copies []contextCopy) []string {
	var srcs []string
	for _, cp := range copies {
		srcs = append(srcs, cp.srcs...)
	}
	for _, s := range df.checked() {
		for _, cmd := range s.Commands {
			if run, ok := cmd.(*instructions.RunCommand); ok {
				for _, m := range instructions.GetMounts(run) {
					if m.Type == instructions.MountTypeBind && m.From == "" {
						srcs = append(srcs, m.Source)
					}
				}
			}
		}
	}
	var out []string
	for _, src := range srcs {
		if p := contextPath(src); src != "" && secretname.Names(p) {
			out = append(out, p)
		}
	}
	return out
}

// mentionedSecrets are the secret-looking files the RUN scripts of the
// checked stages name (cp .pypirc ~/): the secretfilter pass sends those
// wherever they sit, as the scripts read them.
func mentionedSecrets(df *dockerfile) []string {
	var out []string
	for _, s := range df.checked() {
		for _, cmd := range s.Commands {
			if run, ok := cmd.(*instructions.RunCommand); ok {
				out = append(out, secretname.Mentioned(strings.Join(run.CmdLine, " "))...)
			}
		}
	}
	return out
}

// mentionedBy tells whether a RUN's mention takes file f.
func mentionedBy(mentioned []string, f string) bool {
	return slices.ContainsFunc(mentioned, func(m string) bool { return secretname.MentionMatches(m, f) })
}

// namedBy tells whether one of the named sources takes file f by its name.
func namedBy(named []string, f string) bool {
	for _, src := range named {
		if ok, _ := path.Match(src, f); ok || src == f {
			return true
		}
	}
	return false
}

// copiedPaths are the context paths copies name, for ContextFiles.
func copiedPaths(copies []contextCopy) []string {
	var paths []string
	for _, cp := range copies {
		for _, src := range cp.srcs {
			p := contextPath(src)
			if src == "" || slices.Contains(paths, p) {
				continue
			}
			paths = append(paths, p)
		}
	}
	for i, p := range paths {
		if p == "" {
			paths[i] = "."
		}
	}
	return paths
}

// instructionText is the instruction as written, shortened for a message.
func instructionText(cmd instructions.Command) string {
	if s, ok := cmd.(fmt.Stringer); ok {
		return shorten(s.String())
	}
	return cmd.Name()
}

// broadCopy tells a copy of a directory or a pattern, which sends whatever
// the directory holds, from a copy of named files.
func broadCopy(cp contextCopy, files []string) bool {
	for _, raw := range cp.srcs {
		if raw == "" {
			continue
		}
		p := contextPath(raw)
		if p == "" || hasGlob(p) || strings.HasSuffix(raw, "/") || isDir(p, files) {
			return true
		}
	}
	return false
}

// contextPath is a source as a clean path relative to the context root, ""
// for the root itself.
func contextPath(src string) string {
	return strings.TrimPrefix(path.Clean("/"+src), "/")
}

func hasGlob(p string) bool {
	return strings.ContainsAny(p, "*?[")
}

func isDir(p string, files []string) bool {
	for _, f := range files {
		if strings.HasPrefix(f, p+"/") {
			return true
		}
	}
	return false
}

// copiedFiles lists the context files a copy takes: everything under a
// directory, what a pattern matches and everything under what it matches,
// less its --exclude patterns.
func copiedFiles(cp contextCopy, files []string) []string {
	var out []string
	for _, raw := range cp.srcs {
		if raw == "" {
			continue
		}
		src := contextPath(raw)
		ex := newExcluder(cp.excludes)
		for _, f := range files {
			f = contextPath(f)
			if rel, ok := matchSource(src, f); ok && !ex.excluded(rel) {
				out = append(out, f)
			}
		}
	}
	return out
}

// matchSource tells whether the copy of src takes file f, and f's path
// relative to what the copy names, which --exclude patterns match.
func matchSource(src, f string) (rel string, ok bool) {
	switch {
	case src == "":
		return f, true
	case hasGlob(src):
		n := strings.Count(src, "/") + 1
		segs := strings.Split(f, "/")
		if len(segs) < n {
			return "", false
		}
		if m, err := path.Match(src, strings.Join(segs[:n], "/")); err != nil || !m {
			return "", false
		}
		return strings.Join(segs[n-1:], "/"), true
	case f == src:
		return path.Base(f), true
	case strings.HasPrefix(f, src+"/"):
		return f[len(src)+1:], true
	}
	return "", false
}

// excluder applies a copy's --exclude patterns, with the semantics of
// .dockerignore, as BuildKit does.
type excluder struct {
	pm *patternmatcher.PatternMatcher
}

func newExcluder(patterns []string) excluder {
	if len(patterns) == 0 {
		return excluder{}
	}
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		return excluder{}
	}
	return excluder{pm: pm}
}

func (e excluder) excluded(rel string) bool {
	if e.pm == nil || rel == "" {
		return false
	}
	ok, err := e.pm.MatchesOrParentMatches(rel)
	return err == nil && ok
}
