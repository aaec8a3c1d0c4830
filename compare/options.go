package compare

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/moby/buildkit/util/progress/progressui"

	"github.com/org/optfrontend/frontend"
)

// DefaultFrontendImage is the optfrontend image the optimized builds run,
// as the `# syntax=org/optfrontend` line names it.
const DefaultFrontendImage = "docker.io/org/optfrontend:latest"

// DefaultRounds is how many times each scenario is built with each
// frontend; the report gives the medians.
const DefaultRounds = 3

// Options says what to compare and how.
type Options struct {
	// Context is the build context directory. It is copied; the copy is
	// what the builds see and what the scenarios change.
	Context string
	// Dockerfile is the Dockerfile's path; empty means Context/Dockerfile.
	Dockerfile string
	// Target is the stage to build; empty means the last.
	Target string
	// BuildArgs are given to both frontends.
	BuildArgs map[string]string
	// OptimizedBuildArgs are given to optfrontend's builds only, after
	// BuildArgs (a name in both takes this value): BUILDKIT_OPT_FIX's
	// fixes change what the image holds, and stock's builds are the
	// baseline they are measured against, so stock must never see them.
	OptimizedBuildArgs map[string]string
	// Rounds is how many times each scenario runs; 0 means DefaultRounds.
	Rounds int
	// Touch is the file, relative to Context, that the source-change
	// scenario appends a comment line to; empty detects one.
	Touch string
	// DepCmd is a shell command, run in the context's copy, that adds a
	// dependency; empty skips the dependency-change scenario. It sees
	// OPTCTL_ROUND (1, 2, ...) to pick a different dependency each round,
	// and OPTCTL_NONCE, a value never seen before.
	DepCmd string
	// FrontendImage is the optfrontend image; empty means
	// DefaultFrontendImage.
	FrontendImage string
	// Repo is the repository the images are pushed to (REGISTRY/PATH); the
	// tags name the frontend and the scenario.
	Repo string
	// Name names the comparison in the report; empty means the context
	// directory's name.
	Name string
	// Notes are added to the report's notes.
	Notes []string
	// Gate, when not empty, is the CI gate the caller evaluates on the
	// report (Gate.Evaluate); Run only refuses it, before building, when a
	// condition tests a scenario that will not run.
	Gate Gate
	// Progress receives the builds' progress; nil means none.
	Progress io.Writer
	// Display is how each build's steps show on Progress: BuildKit's
	// display (progressui) in one of ProgressModes; empty means auto. In
	// every mode but rawjson, a line after each build gives its time and
	// how far the run is.
	Display progressui.DisplayMode
	// Quiet is Display quiet: no steps, only the lines between builds.
	Quiet bool

	// tally counts the builds of a run of comparisons; nil: Run counts its
	// own.
	tally *tally
}

// optimizedArgs are the build args of optfrontend's builds: BuildArgs,
// then OptimizedBuildArgs over them.
func (o Options) optimizedArgs() map[string]string {
	if len(o.OptimizedBuildArgs) == 0 {
		return o.BuildArgs
	}
	args := maps.Clone(o.BuildArgs)
	if args == nil {
		args = map[string]string{}
	}
	maps.Copy(args, o.OptimizedBuildArgs)
	return args
}

// lines is where optctl's own progress lines go (see progressLines).
func (o Options) lines() io.Writer { return progressLines(o.Progress, o.Display) }

// withDefaults fills in the defaults and checks what the user gave.
func (o Options) withDefaults() (Options, error) {
	if o.Context == "" {
		return o, errors.New("no build context given")
	}
	abs, err := filepath.Abs(o.Context)
	if err != nil {
		return o, fmt.Errorf("finding the build context: %w", err)
	}
	o.Context = abs
	if st, err := os.Stat(o.Context); err != nil {
		return o, fmt.Errorf("reading the build context: %w", err)
	} else if !st.IsDir() {
		return o, fmt.Errorf("build context %s is not a directory", o.Context)
	}
	if o.Dockerfile == "" {
		o.Dockerfile = filepath.Join(o.Context, "Dockerfile")
	}
	if o.Dockerfile, err = filepath.Abs(o.Dockerfile); err != nil {
		return o, fmt.Errorf("finding the Dockerfile: %w", err)
	}
	if _, err := os.Stat(o.Dockerfile); err != nil {
		return o, fmt.Errorf("reading the Dockerfile: %w", err)
	}
	if o.Rounds == 0 {
		o.Rounds = DefaultRounds
	}
	if o.Quiet {
		o.Display = progressui.QuietMode
	}
	if o.Rounds < 0 {
		return o, fmt.Errorf("rounds: %d is not a number of rounds", o.Rounds)
	}
	if o.FrontendImage == "" {
		o.FrontendImage = DefaultFrontendImage
	}
	if o.Name == "" {
		o.Name = filepath.Base(o.Context)
	}
	if o.Repo == "" {
		return o, errors.New("no repository to push the images to: pass --repo REGISTRY/PATH or set OPTFRONTEND_REGISTRY")
	}
	if _, err := name.NewRepository(o.Repo); err != nil {
		return o, fmt.Errorf("repository %q: give REGISTRY/PATH without a tag or digest, the tags name the frontend and the scenario: %w", o.Repo, err)
	}
	if o.Touch != "" {
		if filepath.IsAbs(o.Touch) || strings.HasPrefix(filepath.Clean(o.Touch), "..") {
			return o, fmt.Errorf("touch file %q: give a path inside the build context", o.Touch)
		}
		if _, err := os.Stat(filepath.Join(o.Context, o.Touch)); err != nil {
			return o, fmt.Errorf("touch file: %w", err)
		}
	}
	return o, nil
}

// ParseBuildArgs turns K=V flags into a map. A bare K takes its value from
// the environment, as buildx does.
func ParseBuildArgs(args []string, getenv func(string) string) (map[string]string, error) {
	m := map[string]string{}
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if k == "" {
			return nil, fmt.Errorf("build arg %q: no name", a)
		}
		if !ok {
			v = getenv(k)
		}
		m[k] = v
	}
	return m, nil
}

// ParseFixes reads a BUILDKIT_OPT_FIX value as the frontend does (names
// separated by commas or spaces, in any case) and returns the fixes it
// names, each once, in the order given; none for an empty value. An
// unknown fix is an error naming the known ones, so that a command line
// fails before anything is built rather than in every optimized build.
func ParseFixes(value string) ([]string, error) {
	if _, err := frontend.ParseOptions(map[string]string{"build-arg:" + frontend.BuildArgFix: value}); err != nil {
		return nil, fmt.Errorf("fixes %q: %w", value, err)
	}
	var fixes []string
	for _, f := range strings.FieldsFunc(strings.ToLower(value), func(r rune) bool { return r == ',' || r == ' ' }) {
		if !slices.Contains(fixes, f) {
			fixes = append(fixes, f)
		}
	}
	return fixes, nil
}

// FixArgs are the build args that turn the fixes on: none for no fix.
func FixArgs(fixes []string) map[string]string {
	if len(fixes) == 0 {
		return nil
	}
	return map[string]string{frontend.BuildArgFix: strings.Join(fixes, ",")}
}
