package e2e

import (
	"archive/tar"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/stretchr/testify/require"
)

// The corpus allows a difference between the stock and the optimized image
// only where a report line of the optimized build names it. The rule of
// each pass, as precise as its message:
//
//   - cachemount "cache mount for TOOL at DIR": paths under DIR, and a
//     directory above DIR that stock has and the optimized image has as a
//     directory or not at all (it held only the cache).
//   - contextfilter "not sending PATTERN ...": paths that stock has and
//     the optimized image lacks, one of whose path elements matches one of
//     the patterns (without its "**/").
//   - secretfilter names no path itself; the SecretFileCopied check does:
//     "kept out of the build context by optfrontend (...): A, B": paths
//     that stock has and the optimized image lacks, ending in /A or /B.
//   - leftovers "the copy of SRC from another stage leaves out ...: WHAT
//     (PATTERN), ..." at line N: paths that stock has and the optimized
//     image lacks, under the destination of the COPY at line N, with
//     PATTERN as consecutive path elements. The report must also be true:
//     no such path may be left in the optimized image.
//   - buildtools "left the build-only packages ... out of the image": the
//     paths of the stock image's layer whose history entry the optimized
//     image marks as left out (droppedPaths).
//   - squash and manifestfirst: nothing. A squashed run's layer is the net
//     change of its steps, and a manifest-first install lays the same
//     layer on the same copy: the flattened filesystem is stock's.
//
// What differs between two stock builds of the same Dockerfile (asked for
// only when something is left unexplained) and the files that record the
// day or the work done (dayStamped, workCounter) are noise, not findings.

// reportLine matches a pass's warning in buildx's plain progress.
var reportLine = regexp.MustCompile(`optfrontend ([a-z]+): (.*?)(?: \(line (\d+)\))?$`)

// keptOutLine matches the SecretFileCopied check's list of files the
// secretfilter pass kept out.
var keptOutLine = regexp.MustCompile(`kept out of the build context by optfrontend \([^)]*\): (.*?)(?: \(line \d+\))?$`)

// report is one warning of a pass.
type report struct {
	Pass, Message string
	Line          int
}

// reports reads the optimized build's output for the passes' warnings,
// each once (buildx may print a warning in the progress and in the
// summary).
func reports(out string) []report {
	var rs []report
	seen := map[string]bool{}
	for _, l := range strings.Split(out, "\n") {
		m := reportLine.FindStringSubmatch(strings.TrimSpace(l))
		if m == nil || seen[m[0]] {
			continue
		}
		seen[m[0]] = true
		n, _ := strconv.Atoi(m[3])
		rs = append(rs, report{Pass: m[1], Message: m[2], Line: n})
	}
	return rs
}

var (
	mountMsg     = regexp.MustCompile(`^cache mount for \S+ at (\S+) `)
	notSending   = regexp.MustCompile(`^the context has no \.dockerignore: not sending (.*)$`)
	leftoversMsg = regexp.MustCompile(`^the copy of \S+ from another stage leaves out, wherever they are in it: (.*)$`)
	leftoverPat  = regexp.MustCompile(`\(([^()]+)\)`)
)

// allowance is what the reports of one optimized build explain.
type allowance struct {
	cacheDirs   []string
	ctxPatterns []string
	secrets     []string
	leftovers   []leftoverCopy
	dropped     map[string]bool
}

// leftoverCopy is a COPY --from whose leftovers the report says are left out.
type leftoverCopy struct {
	line     int
	dest     string
	patterns []string
}

// allowed reads the reports of an optimized build of dir.
func allowed(t *testing.T, dir, out string, dropped map[string]bool) allowance {
	t.Helper()
	a := allowance{dropped: dropped}
	for _, r := range reports(out) {
		switch r.Pass {
		case "cachemount":
			if m := mountMsg.FindStringSubmatch(r.Message); m != nil {
				a.cacheDirs = append(a.cacheDirs, m[1])
			}
		case "contextfilter":
			if m := notSending.FindStringSubmatch(r.Message); m != nil {
				for _, p := range strings.Fields(m[1]) {
					a.ctxPatterns = append(a.ctxPatterns, strings.TrimPrefix(p, "**/"))
				}
			}
		case "leftovers", "vcsdirs":
			if m := leftoversMsg.FindStringSubmatch(r.Message); m != nil {
				c := leftoverCopy{line: r.Line, dest: copyDest(t, dir, r.Line)}
				for _, p := range leftoverPat.FindAllStringSubmatch(m[1], -1) {
					c.patterns = append(c.patterns, p[1])
				}
				a.leftovers = append(a.leftovers, c)
			}
		}
	}
	seen := map[string]bool{}
	for _, l := range strings.Split(out, "\n") {
		if m := keptOutLine.FindStringSubmatch(strings.TrimSpace(l)); m != nil && !seen[m[1]] {
			seen[m[1]] = true
			a.secrets = append(a.secrets, strings.Split(m[1], ", ")...)
		}
	}
	return a
}

// explains tells whether the reports explain that p differs.
func (a allowance) explains(p string, stock, opt map[string]fileEntry) bool {
	s, inStock := stock[p]
	o, inOpt := opt[p]
	if a.dropped[p] {
		return true
	}
	for _, d := range a.cacheDirs {
		if under(p, d) {
			return true
		}
		if under(d, p) && inStock && s.Type == tar.TypeDir && (!inOpt || o.Type == tar.TypeDir) {
			return true
		}
	}
	if !inStock || inOpt {
		return false // the filters only leave things out
	}
	for _, el := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
		for _, pat := range a.ctxPatterns {
			if ok, _ := path.Match(pat, el); ok {
				return true
			}
		}
	}
	for _, f := range a.secrets {
		if strings.HasSuffix(p, "/"+f) {
			return true
		}
	}
	for _, c := range a.leftovers {
		if c.dest != "" && under(p, c.dest) && c.matches(p) != "" {
			return true
		}
	}
	return false
}

// matches returns the leftover pattern p lies in, or "".
func (c leftoverCopy) matches(p string) string {
	for _, pat := range c.patterns {
		if strings.Contains(p+"/", "/"+pat+"/") {
			return pat
		}
	}
	return ""
}

// untrue lists the leftovers a report says are left out but that the
// optimized image still has under the copy's destination.
func (a allowance) untrue(opt map[string]fileEntry) []string {
	var out []string
	for _, c := range a.leftovers {
		for p := range opt {
			if c.dest != "" && under(p, c.dest) {
				if pat := c.matches(p); pat != "" {
					out = append(out, "line "+strconv.Itoa(c.line)+" reports "+pat+" left out, but the image has "+p)
					break
				}
			}
		}
	}
	return out
}

// copyDest is the absolute destination of the COPY at a Dockerfile line,
// with the stage's WORKDIR applied.
func copyDest(t *testing.T, dir string, line int) string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "Dockerfile"))
	require.NoError(t, err)
	defer f.Close()
	res, err := parser.Parse(f)
	require.NoError(t, err)
	stages, _, err := instructions.Parse(res.AST, nil)
	require.NoError(t, err)
	for _, st := range stages {
		wd := "/"
		for _, cmd := range st.Commands {
			switch c := cmd.(type) {
			case *instructions.WorkdirCommand:
				wd = path.Join(wd, c.Path)
			case *instructions.CopyCommand:
				if loc := c.Location(); len(loc) > 0 && loc[0].Start.Line == line {
					if path.IsAbs(c.DestPath) {
						return path.Clean(c.DestPath)
					}
					return path.Join(wd, c.DestPath)
				}
			}
		}
	}
	return ""
}
