package compare

import (
	"bytes"
	"embed"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/command"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// Seed says how the benchmark builds one of the seed articles' "bad"
// Dockerfiles (checks/testdata/seeds), which come without an application:
// the small Flask app every Python seed assumes, and the base images the
// test bed has in place of those the seed names.
type Seed struct {
	// File is the seed's file name.
	File string
	// Bases replaces a base image the seed names with a stand-in, keeping
	// every line where it is so that findings point at the seed's lines.
	Bases map[string]string
	// App puts the Flask app (app.py, requirements.txt) in the context.
	App bool
	// DepCmd is as for Example; it needs App.
	DepCmd string
	// Skip says why the seed is not built; empty when it is.
	Skip string
}

// seedDeps are pure-Python packages the dependency-change scenario adds
// to the app's requirements, one per round, with a comment no build has
// seen, for the seeds that copy requirements.txt alone.
var seedDeps = depCmd(`add() { printf '%s # %s\n' "$1" "$OPTCTL_NONCE" >>requirements.txt; }; add`,
	"six==1.17.0", "idna==3.10", "packaging==24.2", "certifi==2024.8.30", "attrs==24.2.0")

// Seeds lists every seed, built or skipped with the reason. It returns a
// new slice each time, so that no caller changes what the next one sees.
func Seeds() []Seed {
	return []Seed{
		{File: "000-cleanup-separate-layer.Dockerfile", Bases: map[string]string{"python:3.11-slim": "python:3.12-slim"}},
		{File: "000-layer-order.Dockerfile", Bases: map[string]string{"python:3.11-slim": "python:3.12-slim"}, App: true, DepCmd: seedDeps},
		{File: "000-single-stage-build-tools.Dockerfile", Bases: map[string]string{"python:3.11-slim": "python:3.12-slim"}, App: true, DepCmd: seedDeps},
		{File: "001-slow-layer-order.Dockerfile", App: true, DepCmd: seedDeps},
		{File: "002-separate-runs.Dockerfile", Bases: map[string]string{"ubuntu:20.04": "debian:bookworm-slim"}},
		// Debian's pip refuses to install into its system Python (PEP 668),
		// which Ubuntu 20.04's allowed; the Python image's own pip does not.
		{File: "002-single-stage.Dockerfile", Bases: map[string]string{"ubuntu:20.04": "python:3.12-slim"}, App: true, DepCmd: seedDeps},
		{File: "003-nonroot-user.Dockerfile", Bases: map[string]string{"python:3.9.16": "python:3.12"}},
		{File: "000-full-base.Dockerfile", Skip: "only a FROM: a base image choice, nothing for a build optimizer"},
		{File: "002-large-base-images.Dockerfile", Skip: "only FROM lines: a base image choice"},
		{File: "003-latest-openjdk.Dockerfile", Skip: "only a FROM: a base image choice"},
		{File: "003-latest-python.Dockerfile", Skip: "only a FROM: a base image choice"},
		{File: "003-latest-ubuntu.Dockerfile", Skip: "only a FROM: a base image choice"},
		{File: "003-many-layers.Dockerfile", Skip: "fails as written: requirements.txt is installed but never copied in"},
		{File: "001-good-go.Dockerfile", Skip: "the article's good pattern, a control for the checks, not a bad Dockerfile"},
		{File: "004-solution.Dockerfile", Skip: "the article's own solution; its python:3.8-alpine has no stand-in"},
	}
}

// name is the seed's name in the benchmark: seed-FILE without .Dockerfile.
func (s Seed) name() string { return "seed-" + strings.TrimSuffix(s.File, ".Dockerfile") }

// seedApp is the application the Python seeds build: the Flask example's
// pinned requirements and a small app, kept in testdata/seedapp as real
// files that editors and linters see as Python and pip see them.
//
//go:embed testdata/seedapp
var seedApp embed.FS

// seedAppDir is seedApp's directory, whose files go in the context.
const seedAppDir = "testdata/seedapp"

// seedContext writes a seed's build context into dir: its Dockerfile,
// with the stand-in bases, and the app when it needs one. It returns the
// notes to add to the seed's report.
func seedContext(seedsDir, dir string, s Seed) ([]string, error) {
	dt, err := os.ReadFile(filepath.Join(seedsDir, s.File))
	if err != nil {
		return nil, fmt.Errorf("reading seed %s: %w", s.File, err)
	}
	df, notes, err := replaceBases(dt, s.Bases)
	if err != nil {
		return nil, fmt.Errorf("replacing the base images of seed %s: %w", s.File, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), df, 0o644); err != nil {
		return nil, fmt.Errorf("writing seed %s: %w", s.File, err)
	}
	if s.App {
		if err := writeSeedApp(dir); err != nil {
			return nil, fmt.Errorf("writing seed %s's app: %w", s.File, err)
		}
		notes = append(notes, "The seed comes without an application: the context holds a small Flask app (app.py, requirements.txt).")
	}
	return notes, nil
}

// writeSeedApp writes seedApp's files into dir.
func writeSeedApp(dir string) error {
	entries, err := seedApp.ReadDir(seedAppDir)
	if err != nil {
		return fmt.Errorf("listing the app: %w", err)
	}
	for _, e := range entries {
		content, err := seedApp.ReadFile(path.Join(seedAppDir, e.Name()))
		if err != nil {
			return fmt.Errorf("reading %s: %w", e.Name(), err)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), content, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// replaceBases swaps the image of FROM instructions by the map. BuildKit's
// parser finds the FROM instructions and their image; only that word of
// the line is rewritten, so that every line stays where it is and findings
// point at the seed's own lines.
func replaceBases(dockerfile []byte, bases map[string]string) ([]byte, []string, error) {
	res, err := parser.Parse(bytes.NewReader(dockerfile))
	if err != nil {
		return nil, nil, fmt.Errorf("parsing the Dockerfile: %w", err)
	}
	lines := strings.Split(string(dockerfile), "\n")
	var notes []string
	for _, node := range res.AST.Children {
		if !strings.EqualFold(node.Value, command.From) {
			continue
		}
		inst, err := instructions.ParseInstruction(node)
		if err != nil {
			return nil, nil, fmt.Errorf("parsing the Dockerfile: %w", err)
		}
		st, ok := inst.(*instructions.Stage)
		if !ok {
			continue
		}
		to, ok := bases[st.BaseName]
		if !ok {
			continue
		}
		if node.StartLine < 1 || node.EndLine > len(lines) || node.StartLine > node.EndLine {
			return nil, nil, fmt.Errorf("parsing the Dockerfile: FROM %s at lines %d-%d of %d", st.BaseName, node.StartLine, node.EndLine, len(lines))
		}
		if i, ok := replaceImage(lines[node.StartLine-1:node.EndLine], res.EscapeToken, st.BaseName, to); ok {
			line := node.StartLine + i
			notes = append(notes, fmt.Sprintf("Line %d: FROM %s is built FROM %s, the test bed's stand-in.", line, st.BaseName, to))
		}
	}
	return []byte(strings.Join(lines, "\n")), slices.Compact(notes), nil
}

// replaceImage replaces, in the lines of one FROM instruction, its image
// word: the first word after the keyword that is not a flag, which must be
// from. It returns the index of the line it changed. Comment lines and the
// escape character that continues a line are not words.
func replaceImage(lines []string, escape rune, from, to string) (int, bool) {
	skip := 1 // the FROM keyword
	for i, line := range lines {
		if i > 0 && strings.HasPrefix(strings.TrimLeft(line, blanks), "#") {
			continue
		}
		if i < len(lines)-1 {
			line = strings.TrimSuffix(strings.TrimRight(line, blanks), string(escape))
		}
		for _, w := range words(line) {
			word := line[w[0]:w[1]]
			switch {
			case skip > 0:
				skip--
			case strings.HasPrefix(word, "--"):
			case word == from:
				lines[i] = lines[i][:w[0]] + to + lines[i][w[1]:]
				return i, true
			default:
				return 0, false
			}
		}
	}
	return 0, false
}

// blanks separate the words of a FROM, as the parser splits them.
const blanks = " \t\v\f\r"

// words returns the start and end of each word of line.
func words(line string) [][2]int {
	var out [][2]int
	start := -1
	for i := 0; i <= len(line); i++ {
		blank := i == len(line) || strings.IndexByte(blanks, line[i]) >= 0
		switch {
		case !blank && start < 0:
			start = i
		case blank && start >= 0:
			out = append(out, [2]int{start, i})
			start = -1
		}
	}
	return out
}
