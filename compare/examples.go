package compare

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"
)

// Example says how the benchmark changes one example: the file its
// source-change scenario edits (empty: detected) and the command its
// dependency-change scenario runs (empty: skipped). It mirrors
// internal/e2e/bench_test.go.
type Example struct {
	// Name is the example's directory name.
	Name string
	// Touch and DepCmd are as for Options.
	Touch  string
	DepCmd string
}

// ExamplesFile is the file, in the directory of the examples, that says
// how the benchmark changes each of them. It sits beside the examples
// rather than in each one's build context, which several copy whole.
const ExamplesFile = "bench.json"

// examplesFile is ExamplesFile's content.
type examplesFile struct {
	Examples []struct {
		Name  string `json:"name"`
		Touch string `json:"touch"`
		// AddDependency is a shell command that adds the dependency
		// given as its last argument; each round of the
		// dependency-change scenario adds the next of Dependencies.
		AddDependency string   `json:"addDependency"`
		Dependencies  []string `json:"dependencies"`
	} `json:"examples"`
}

// Examples reads how the benchmark changes each example under root from
// its ExamplesFile, and returns a new slice each time. An example not
// listed, or every one when root has no such file, gets a detected source
// file and no dependency change.
func Examples(root string) ([]Example, error) {
	file := filepath.Join(root, ExamplesFile)
	dt, err := os.ReadFile(file)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the examples' settings: %w", err)
	}
	dec := json.NewDecoder(bytes.NewReader(dt))
	dec.DisallowUnknownFields()
	var f examplesFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	var out []Example
	var errs []error
	for i, e := range f.Examples {
		switch {
		case e.Name == "" || e.Name == "." || e.Name == ".." || e.Name != filepath.Base(e.Name):
			errs = append(errs, fmt.Errorf("example %d: name %q is not a directory name", i+1, e.Name))
		case slices.ContainsFunc(out, func(o Example) bool { return o.Name == e.Name }):
			errs = append(errs, fmt.Errorf("example %s: listed twice", e.Name))
		case (e.AddDependency == "") != (len(e.Dependencies) == 0):
			errs = append(errs, fmt.Errorf("example %s: give addDependency and dependencies together, or neither", e.Name))
		}
		ex := Example{Name: e.Name, Touch: e.Touch}
		if e.AddDependency != "" {
			deps, err := quoteDeps(e.Dependencies)
			if err != nil {
				errs = append(errs, fmt.Errorf("example %s: %w", e.Name, err))
			}
			ex.DepCmd = depCmd(e.AddDependency, deps...)
		}
		out = append(out, ex)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("reading %s: %w", file, err)
	}
	return out, nil
}

// depCmd returns a shell command that adds, in round N, the Nth of deps
// with the add command, and writes a file no build has seen, as
// internal/e2e/bench_test.go does: the same dependencies come back in every
// run, and without it the second run would be a cache hit.
func depCmd(add string, deps ...string) string {
	return fmt.Sprintf(`set -- %s; [ "$OPTCTL_ROUND" -le $# ] || { echo "only $# dependencies to add" >&2; exit 1; }; shift $((OPTCTL_ROUND-1)); %s "$1" && echo "$OPTCTL_NONCE" >.rebuild`,
		strings.Join(deps, " "), add)
}

// quoteDeps quotes each dependency as one sh word, for depCmd; those that
// need no quoting stay as they are.
func quoteDeps(deps []string) ([]string, error) {
	out := make([]string, len(deps))
	for i, d := range deps {
		q, err := syntax.Quote(d, syntax.LangPOSIX)
		if err != nil {
			return nil, fmt.Errorf("dependency %q: %w", d, err)
		}
		out[i] = q
	}
	return out, nil
}
