package frontend

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/distribution/reference"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerui"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/frontend/subrequests/lint"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"golang.org/x/sync/errgroup"

	"github.com/org/optfrontend/checks"
	"github.com/org/optfrontend/llbopt"
)

// maxContextFiles bounds the walk of the context that the secret-file rule
// needs: past it the rule stays silent rather than slow the build down.
const maxContextFiles = 50000

// advice runs the project's build checks (package checks) beside the stock
// ones, on the Dockerfile the stock builder reads.
type advice struct {
	c   gwclient.Client
	bc  *dockerui.Client
	src *dockerui.Source
	opt checks.Options
	// context is the build context as contextFiles loaded it, which
	// readFile reads from.
	context gwclient.Reference
}

// newAdvice reads the Dockerfile as the stock builder does. It returns nil,
// and no error, when the Dockerfile cannot be read: the stock builder then
// reports that at its line.
func newAdvice(ctx context.Context, c gwclient.Client) *advice {
	a := readDockerfile(ctx, c)
	if a == nil {
		return nil
	}
	bc, src := a.bc, a.src
	// Where the stock builder forwards the build to the frontend a syntax
	// line names, that frontend's own checks are the ones that apply.
	if _, forwarded := c.BuildOpts().Opts["cmdline"]; !forwarded {
		opts := c.BuildOpts().Opts
		if _, ok := opts["build-arg:BUILDKIT_SYNTAX"]; ok {
			return nil
		}
		if _, _, _, ok := parser.DetectSyntax(src.Data); ok {
			return nil
		}
	}
	a.opt = checks.Options{
		Target:       bc.Target,
		BuildArgs:    bc.BuildArgs,
		Config:       bc.LinterConfig,
		Dockerignore: a.dockerignore,
		ContextFiles: a.contextFiles,
		ReadFile:     a.readFile,
		ImageUser:    a.imageUser,
	}
	// Whether a -slim tag exists is asked of the registry only when the
	// user asks for the checks (--check): in a normal build a tag that
	// does not exist would print as an error among the build's steps.
	if c.BuildOpts().Opts["requestid"] == lint.SubrequestLintDefinition.Name {
		a.opt.ImageExists = a.imageExists
	}
	return a
}

// keepOut tells the secret-file check which context files the secretfilter
// pass, when it is among passes, keeps from the builder: the check names
// them as kept out, not as copied into a layer. A .dockerignore that
// cannot be read leaves the check as it is without the pass: stock fails
// the build on it, with its own message.
func (a *advice) keepOut(ctx context.Context, passes []llbopt.Pass) {
	for _, p := range passes {
		if sf, ok := p.(llbopt.SecretFilter); ok {
			ignore, err := a.bc.DockerIgnorePatterns(ctx)
			if err != nil {
				return
			}
			if keptOut, err := sf.KeptOut(ignore); err == nil {
				a.opt.KeptOut = keptOut
			}
			return
		}
	}
}

// readDockerfile reads the Dockerfile as the stock builder does, for the
// checks and the fixes; nil when it cannot be read (the stock builder then
// says why, at its line).
func readDockerfile(ctx context.Context, c gwclient.Client) *advice {
	bc, err := dockerui.NewClient(c)
	if err != nil {
		return nil
	}
	src, err := bc.ReadEntrypoint(ctx, "Dockerfile")
	if err != nil {
		return nil
	}
	return &advice{c: c, bc: bc, src: src}
}

// warn runs the checks for a normal build: each finding is a build warning
// at its line, as stock's are. Only an error=true violation fails the build;
// an input the checks could not get silences the one rule that needed it.
func (a *advice) warn(ctx context.Context) error {
	err := checks.Run(ctx, a.src.Data, a.opt, checks.BuildWarn(ctx, a.src.Warn))
	if errors.Is(err, checks.ErrViolation) {
		return err
	}
	a.unusedStages(ctx)
	return nil
}

// unusedStages reports the stages the target does not need: the stock
// builder does not build them, and a user wondering why a stage's RUN never
// ran is told where.
func (a *advice) unusedStages(ctx context.Context) {
	stages, err := checks.UnusedStages(a.src.Data, a.opt)
	if err != nil {
		return // stock reports a Dockerfile it cannot read
	}
	for _, st := range stages {
		warnAt(ctx, a.src, st.Location, fmt.Sprintf("optfrontend stages: stage %q is not used by the target, so it is not built", st.Name))
	}
}

// lint adds the checks' findings to the result stock's builder gave the
// lint subrequest (docker buildx build --check).
func (a *advice) lint(ctx context.Context, res *gwclient.Result) (*gwclient.Result, error) {
	dt, ok := res.Metadata["result.json"]
	if !ok {
		return res, nil
	}
	var results lint.LintResults
	if err := json.Unmarshal(dt, &results); err != nil {
		return nil, fmt.Errorf("reading the stock check results: %w", err)
	}
	if results.Error != nil && !strings.HasPrefix(results.Error.Message, "lint violation found for rules: ") {
		return res, nil // the Dockerfile does not parse: stock's message says where
	}
	if err := checks.Lint(ctx, a.src.Data, a.src.SourceMap, a.opt, &results); err != nil && !errors.Is(err, checks.ErrInput) {
		return nil, fmt.Errorf("running optfrontend's checks: %w", err)
	}
	return results.ToResult(nil)
}

func (a *advice) dockerignore(ctx context.Context) (bool, error) {
	patterns, err := a.bc.DockerIgnorePatterns(ctx)
	if err != nil {
		return false, err
	}
	return len(patterns) > 0, nil
}

// contextFiles lists the context's files under the paths COPY and ADD
// name, loading only those, after .dockerignore, as stock loads them.
//
// Each directory is one call to the daemon, which is what the listing
// costs (a 50,000-file context in 500 directories: 0.73 s one after the
// other, BenchmarkFrontendScale); the checks run beside the stock builder,
// but a build whose steps are all cached waits for them. So directories
// are listed listDirsAtOnce at a time, and the files sorted at the end so
// the result does not depend on which answer came first.
func (a *advice) contextFiles(ctx context.Context, paths []string) ([]string, error) {
	ref, err := a.contextRef(ctx, paths)
	if err != nil || ref == nil {
		return nil, err
	}
	a.context = ref
	var (
		mu    sync.Mutex
		files []string
	)
	eg, ctx := errgroup.WithContext(ctx)
	eg.SetLimit(listDirsAtOnce)
	var walk func(dir string) error
	walk = func(dir string) error {
		entries, err := ref.ReadDir(ctx, gwclient.ReadDirRequest{Path: dir})
		if err != nil {
			return fmt.Errorf("listing %s in the build context: %w", dir, err)
		}
		var here []string
		for _, e := range entries {
			p := path.Join(dir, e.Path)
			switch {
			case e.IsDir():
				// Go (a new goroutine) when under the limit, else list
				// it here: a walker must never wait for a slot a walker
				// holds.
				if !eg.TryGo(func() error { return walk(p) }) {
					if err := walk(p); err != nil {
						return err
					}
				}
			case os.FileMode(e.Mode).IsRegular():
				here = append(here, strings.TrimPrefix(p, "/"))
			}
		}
		mu.Lock()
		defer mu.Unlock()
		files = append(files, here...)
		if len(files) > maxContextFiles {
			return fmt.Errorf("the build context has more than %d files", maxContextFiles)
		}
		return nil
	}
	eg.Go(func() error { return walk("/") })
	if err := eg.Wait(); err != nil {
		return nil, err
	}
	slices.Sort(files)
	return files, nil
}

// listDirsAtOnce is how many directories contextFiles lists at once.
const listDirsAtOnce = 8

// maxReadBytes bounds what a check reads of one context file: enough for
// the head of a key or a credentials file, never a whole data file.
const maxReadBytes = 64 << 10

// readFile reads the head of a context file that contextFiles listed.
func (a *advice) readFile(ctx context.Context, p string) ([]byte, error) {
	if a.context == nil {
		return nil, fmt.Errorf("the build context was not loaded")
	}
	dt, err := a.context.ReadFile(ctx, gwclient.ReadRequest{Filename: p, Range: &gwclient.FileRange{Length: maxReadBytes}})
	if err != nil {
		return nil, fmt.Errorf("reading %s in the build context: %w", p, err)
	}
	return dt, nil
}

func (a *advice) contextRef(ctx context.Context, paths []string) (gwclient.Reference, error) {
	if len(paths) == 0 {
		return nil, nil
	}
	opts := []llb.LocalOption{llb.FollowPaths(paths)}
	if ignore, err := a.bc.DockerIgnorePatterns(ctx); err == nil && len(ignore) == 0 {
		// What the contextfilter pass keeps from the builder is not read
		// here either: a secret inside .git or a virtualenv is not copied.
		opts = append(opts, llb.ExcludePatterns(llbopt.ContextNoise()))
	}
	st, err := a.bc.MainContext(ctx, opts...)
	if err != nil || st == nil {
		return nil, err
	}
	def, err := st.Marshal(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading the build context: %w", err)
	}
	res, err := a.c.Solve(ctx, gwclient.SolveRequest{Definition: def.ToPB()})
	if err != nil {
		return nil, fmt.Errorf("loading the build context: %w", err)
	}
	return res.SingleRef()
}

// imageExists asks the registry for the image's config; a failure of any
// kind counts as absent, so that a rule suggesting the image never fires
// on a guess.
func (a *advice) imageExists(ctx context.Context, ref string) (bool, error) {
	_, err := a.imageConfig(ctx, ref)
	return err == nil, nil
}

func (a *advice) imageUser(ctx context.Context, ref string) (string, error) {
	img, err := a.imageConfig(ctx, ref)
	if err != nil {
		return "", err
	}
	return img.Config.User, nil
}

// resolveOpt are the options to resolve an image for the build's target
// platform, as the stock builder resolves its base images.
func (a *advice) resolveOpt(logName string) sourceresolver.Opt {
	opt := sourceresolver.Opt{LogName: logName, ImageOpt: &sourceresolver.ResolveImageOpt{ResolveMode: a.c.BuildOpts().Opts["image-resolve-mode"]}}
	if len(a.bc.TargetPlatforms) > 0 {
		opt.ImageOpt.Platform = &a.bc.TargetPlatforms[0]
	}
	return opt
}

func (a *advice) imageConfig(ctx context.Context, ref string) (*dockerspec.DockerOCIImage, error) {
	named, err := reference.ParseNormalizedNamed(ref)
	if err != nil {
		return nil, fmt.Errorf("image %s: %w", ref, err)
	}
	opt := a.resolveOpt("[internal] optfrontend checks: image config of " + reference.FamiliarString(named))
	_, _, dt, err := a.c.ResolveImageConfig(ctx, reference.TagNameOnly(named).String(), opt)
	if err != nil {
		return nil, fmt.Errorf("resolving %s: %w", ref, err)
	}
	var img dockerspec.DockerOCIImage
	if err := json.Unmarshal(dt, &img); err != nil {
		return nil, fmt.Errorf("reading the config of %s: %w", ref, err)
	}
	return &img, nil
}
