package checks

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// Options carries what the checks cannot learn from the Dockerfile text.
// Every func field may be nil: the rule that needs it then does not fire,
// since an unknown fact is never reported as a finding.
type Options struct {
	// Target is the stage to build, as --target gives it; "" means the last
	// stage. The target is the final stage the rules about the shipped
	// image look at.
	Target string
	// AllStages checks every stage, not only those the target uses, as
	// stock does for --check without a target. The final stage is still
	// the target.
	AllStages bool
	// Config is the check configuration the build arg
	// BUILDKIT_DOCKERFILE_CHECK gave (dockerui.Config.LinterConfig); it
	// replaces the Dockerfile's "# check=" directive, as for the stock rules.
	// nil: the directive is read from the Dockerfile.
	Config *linter.Config
	// BuildArgs are the build args (dockerui.Config.BuildArgs), used to
	// expand ARGs in FROM, COPY and USER.
	BuildArgs map[string]string

	// Dockerignore reports whether the build context has a .dockerignore
	// (or <Dockerfile>.dockerignore) with at least one pattern.
	// NoDockerignore needs it.
	Dockerignore func(ctx context.Context) (bool, error)
	// ContextFiles lists the regular files of the build context that a COPY
	// can see, that is after .dockerignore, as slash-separated paths
	// relative to the context root. paths are the context paths the
	// checked COPY and ADD instructions name (clean, relative, "." for the
	// root, patterns as written): the files at, under or matching them are
	// all the checks need, so that a frontend can list the context through
	// llb.FollowPaths(paths) as stock loads it, not transfer all of it.
	// SecretFileCopied needs it.
	ContextFiles func(ctx context.Context, paths []string) ([]string, error)
	// ReadFile returns the content of a file ContextFiles listed. Without
	// it a .npmrc is not reported (only its content says if it holds a
	// token) and any *.pem or *.key is; with it, only those holding a
	// private key are.
	ReadFile func(ctx context.Context, path string) ([]byte, error)
	// KeptOut tells whether the frontend keeps a file ContextFiles listed
	// from the builder (the secretfilter pass), unless a COPY, ADD or bind
	// mount names it, which sends it. SecretFileCopied then says the file
	// is kept out, not copied. nil: every listed file is sent.
	KeptOut func(path string) bool
	// ImageExists reports whether an image reference, as "name:tag", exists
	// in its registry; it returns false and no error when the registry
	// says the tag does not exist. FullBaseImage needs it.
	ImageExists func(ctx context.Context, ref string) (bool, error)
	// ImageUser returns the user an image's config runs as ("" for root).
	// Without it a base image is taken to run as root unless its tag says
	// nonroot, as distroless's do.
	ImageUser func(ctx context.Context, ref string) (string, error)
}

// ErrDockerfile is wrapped by Run's error when the Dockerfile, its
// "# check=" directive or the target cannot be read; nothing was checked.
// The stock frontend reports the same problem at its line, so a frontend
// that runs both leaves the error to stock.
var ErrDockerfile = errors.New("dockerfile cannot be checked")

// ErrInput is wrapped by Run's error for each Options func that failed; the
// rule that needed it did not fire, every other rule ran and reported.
var ErrInput = errors.New("check input unavailable")

// ErrViolation is matched (errors.Is) by Run's error when the check
// configuration says error=true and a rule fired. Its message is stock's:
// "lint violation found for rules: ...".
var ErrViolation = errors.New("lint violation")

// Run checks the Dockerfile dt and reports every finding through warn, in
// line order, with the instruction's location, the rule's name,
// description and URL, and the formatted message, as stock's rules report
// through dockerfile2llb.ConvertOpt.Warn. Skipped rules (skip=Name,
// skip=all, in the directive, the build arg or a comment right above the
// instruction) report nothing. With error=true, Run's error matches
// ErrViolation once any rule reported.
func Run(ctx context.Context, dt []byte, opt Options, warn linter.LintWarnFunc) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("checking Dockerfile: %w", err)
	}
	if warn == nil {
		// error=true must still be honoured when the caller wants only the
		// verdict; linter.Run records nothing without a Warn.
		warn = func(string, string, string, string, []parser.Range) {}
	}
	lint, err := newLinter(dt, opt.Config, warn)
	if err != nil {
		return err
	}
	df, err := load(dt, opt)
	if err != nil {
		return err
	}
	c := &checker{df: df, lint: lint, inputs: newInputs(ctx, opt)}
	for _, check := range allChecks {
		check(c)
	}
	c.emit()
	errs := c.inputs.errs
	if err := lint.Error(); err != nil {
		errs = append([]error{violationError{err}}, errs...)
	}
	return errors.Join(errs...)
}

// allChecks runs in this order; findings are sorted by line before they
// are reported, so the order only matters for reading.
var allChecks = []func(*checker){
	checkBaseImages,
	checkUser,
	checkRuns,
	checkBuildTools,
	checkAdds,
	checkContextCopies,
}

// newLinter builds the linter stock would build for dt: from the build
// arg's configuration if there is one, else from the "# check=" directive.
func newLinter(dt []byte, cfg *linter.Config, warn linter.LintWarnFunc) (*linter.Linter, error) {
	if cfg == nil {
		directive, _, _, _ := parser.ParseDirective("check", dt)
		parsed, err := linter.ParseLintOptions(directive)
		if err != nil {
			return nil, fmt.Errorf("%w: parsing check options: %w", ErrDockerfile, err)
		}
		cfg = parsed
	}
	// A copy, since the caller's Config may be the one stock also uses.
	c := *cfg
	c.Warn = warn
	return linter.New(&c), nil
}

// violationError keeps stock's message for a violation and matches
// ErrViolation.
type violationError struct{ err error }

func (e violationError) Error() string        { return e.err.Error() }
func (e violationError) Unwrap() error        { return e.err }
func (e violationError) Is(target error) bool { return target == ErrViolation }

// finding is one report, held until all checks ran so that they go out in
// line order.
type finding struct {
	rule     linter.LinterRuleI
	comments []string
	loc      []parser.Range
	msg      string
}

// checker is the state one Run shares between its checks.
type checker struct {
	df     *dockerfile
	lint   *linter.Linter
	inputs *inputs
	found  []finding
}

// report records a finding at loc. comments are the comment lines right
// above the instruction: a "# check=" among them changes the configuration
// for that instruction only, as stock applies them.
func (c *checker) report(rule linter.LinterRuleI, comments []string, loc []parser.Range, msg string) {
	c.found = append(c.found, finding{rule: rule, comments: comments, loc: loc, msg: msg})
}

func (c *checker) emit() {
	slices.SortStableFunc(c.found, func(a, b finding) int {
		return cmp.Compare(startLine(a.loc), startLine(b.loc))
	})
	for _, f := range c.found {
		c.lint.WithMergedConfigFromComments(f.comments).Run(f.rule, f.loc, f.msg)
	}
}

func startLine(loc []parser.Range) int {
	if len(loc) == 0 {
		return 0
	}
	return loc[0].Start.Line
}
