package compare

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
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

// Seeds lists every seed, built or skipped with the reason.
var Seeds = []Seed{
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

// name is the seed's name in the benchmark: seed-FILE without .Dockerfile.
func (s Seed) name() string { return "seed-" + strings.TrimSuffix(s.File, ".Dockerfile") }

// seedApp is the application the Python seeds build: the Flask example's
// pinned requirements and a small app.
var seedApp = map[string]string{
	"requirements.txt": "Flask==3.1.3\nblinker==1.9.0\nclick==8.5.1\nitsdangerous==2.2.0\nJinja2==3.1.6\nMarkupSafe==3.0.4\nWerkzeug==3.1.9\n",
	"app.py":           "from flask import Flask\n\napp = Flask(__name__)\n\n\n@app.get(\"/\")\ndef index():\n    return {\"status\": \"ok\"}\n",
}

// seedContext writes a seed's build context into dir: its Dockerfile,
// with the stand-in bases, and the app when it needs one. It returns the
// notes to add to the seed's report.
func seedContext(seedsDir, dir string, s Seed) ([]string, error) {
	dt, err := os.ReadFile(filepath.Join(seedsDir, s.File))
	if err != nil {
		return nil, fmt.Errorf("reading seed %s: %w", s.File, err)
	}
	df, notes := replaceBases(string(dt), s.Bases)
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(df), 0o644); err != nil {
		return nil, fmt.Errorf("writing seed %s: %w", s.File, err)
	}
	if s.App {
		for name, content := range seedApp {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
				return nil, fmt.Errorf("writing seed %s's app: %w", s.File, err)
			}
		}
		notes = append(notes, "The seed comes without an application: the context holds a small Flask app (app.py, requirements.txt).")
	}
	return notes, nil
}

// replaceBases swaps the image of FROM lines by the map, line for line.
func replaceBases(dockerfile string, bases map[string]string) (string, []string) {
	lines := strings.Split(dockerfile, "\n")
	var notes []string
	for i, line := range lines {
		fields := strings.Fields(line)
		if len(fields) < 2 || !strings.EqualFold(fields[0], "FROM") {
			continue
		}
		for j, f := range fields[1:] {
			if strings.HasPrefix(f, "--") {
				continue
			}
			if to, ok := bases[f]; ok {
				fields[j+1] = to
				lines[i] = strings.Join(fields, " ")
				notes = append(notes, fmt.Sprintf("Line %d: FROM %s is built FROM %s, the test bed's stand-in.", i+1, f, to))
			}
			break
		}
	}
	return strings.Join(lines, "\n"), slices.Compact(notes)
}
