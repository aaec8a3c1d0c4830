package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/org/optfrontend/compare"
)

// buildFlags are the flags that say how the Dockerfile is built.
type buildFlags struct {
	file, target, addr string
	buildArgs          listFlag
}

func (b *buildFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&b.file, "f", "", "the Dockerfile (default CONTEXT/Dockerfile)")
	fs.StringVar(&b.target, "target", "", "the stage to build (default the last)")
	fs.Var(&b.buildArgs, "build-arg", "a build arg K=V for both frontends; repeatable")
	fs.StringVar(&b.addr, "addr", "", "BuildKit address (default BUILDKIT_HOST, BUILDX_BUILDER, the test bed)")
}

// parseContext parses the command line of a command that builds one
// context: the context directory and the build args.
func (b *buildFlags) parseContext(fs *flag.FlagSet, args []string) (string, map[string]string, error) {
	dir, err := oneContext(fs, args)
	if err != nil {
		return "", nil, err
	}
	buildArgs, err := compare.ParseBuildArgs(b.buildArgs, os.Getenv)
	if err != nil {
		return "", nil, err
	}
	return dir, buildArgs, nil
}

// defaultRepo is where images go when --repo is not given: the test bed's
// registry (or OPTFRONTEND_REGISTRY), under optctl/ and path.
func defaultRepo(path string) (string, error) {
	reg := compare.FindRegistry(compare.HostEnv())
	if reg == "" {
		return "", errors.New("no registry to push the images to: pass --repo REGISTRY/PATH or set OPTFRONTEND_REGISTRY")
	}
	return reg + "/optctl" + path, nil
}

// oneContext returns the single positional argument.
func oneContext(fs *flag.FlagSet, args []string) (string, error) {
	pos, err := parse(fs, args)
	if err != nil {
		return "", err
	}
	if len(pos) != 1 {
		fs.Usage()
		return "", fmt.Errorf("%s takes one build context directory, got %d arguments", fs.Name(), len(pos))
	}
	return pos[0], nil
}

func compareCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var bf buildFlags
	bf.register(fs)
	rounds := fs.Int("rounds", compare.DefaultRounds, "rounds per scenario; the report gives medians")
	touch := fs.String("touch", "", "file in the context the source-change scenario appends a comment to (default: detected)")
	dep := fs.String("dep-cmd", "", "shell command, run in a copy of the context, that adds a dependency (sees OPTCTL_ROUND, OPTCTL_NONCE)")
	image := fs.String("frontend-image", compare.DefaultFrontendImage, "the optfrontend image")
	repo := fs.String("repo", "", "where to push the images, REGISTRY/PATH (default $OPTFRONTEND_REGISTRY/optctl/NAME)")
	jsonOut := fs.String("json", "", "also write the report as JSON to this file")
	htmlOut := fs.String("html", "", "also write the report as a self-contained HTML page to this file")
	var ci ciFlags
	ci.register(fs)
	var pf progressFlags
	pf.register(fs)
	dir, buildArgs, err := bf.parseContext(fs, args)
	if err != nil {
		return err
	}
	display, err := pf.display(stderr)
	if err != nil {
		return err
	}
	c, b, err := connect(ctx, bf.addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if *repo == "" {
		if *repo, err = defaultRepo("/" + repoName(dir)); err != nil {
			return err
		}
	}
	rep, err := compare.Run(ctx, c, b.Addr, compare.Options{Context: dir, Dockerfile: bf.file, Target: bf.target, BuildArgs: buildArgs,
		Rounds: *rounds, Touch: *touch, DepCmd: *dep, FrontendImage: *image, Repo: *repo, Progress: stderr, Display: display,
		Gate: ci.gate})
	if err != nil {
		return err
	}
	fmt.Fprintln(stderr)
	if err := compare.WriteTable(stdout, rep); err != nil {
		return err
	}
	if err := writeReports(*jsonOut, *htmlOut, rep, func(w io.Writer) error {
		return compare.WriteHTML(w, "optfrontend vs the stock Dockerfile frontend: "+rep.Name, nil, rep)
	}); err != nil {
		return err
	}
	return ci.finish(rep, stderr)
}

func explainCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("explain", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var bf buildFlags
	bf.register(fs)
	jsonOut := fs.String("json", "", "also write the findings as JSON to this file")
	dir, buildArgs, err := bf.parseContext(fs, args)
	if err != nil {
		return err
	}
	c, _, err := connect(ctx, bf.addr)
	if err != nil {
		return err
	}
	defer c.Close()
	df := bf.file
	if df == "" {
		df = filepath.Join(dir, "Dockerfile")
	}
	ex, err := compare.Explain(ctx, c, compare.ExplainOptions{Context: dir, Dockerfile: df, Target: bf.target, BuildArgs: buildArgs})
	if err != nil {
		return err
	}
	if err := compare.WriteExplanation(stdout, df, ex); err != nil {
		return err
	}
	return writeReports(*jsonOut, "", ex, nil)
}

func verifyCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var bf buildFlags
	bf.register(fs)
	warn := fs.Bool("warn", false, "report differences no report line explains as warnings, and succeed")
	image := fs.String("frontend-image", compare.DefaultFrontendImage, "the optfrontend image")
	quiet := fs.Bool("q", false, "print one line per build, not its steps")
	dir, buildArgs, err := bf.parseContext(fs, args)
	if err != nil {
		return err
	}
	c, _, err := connect(ctx, bf.addr)
	if err != nil {
		return err
	}
	defer c.Close()
	v, err := compare.Verify(ctx, c, compare.VerifyOptions{Context: dir, Dockerfile: bf.file, Target: bf.target, BuildArgs: buildArgs,
		FrontendImage: *image, Warn: *warn, Progress: stderr, Quiet: *quiet})
	if err != nil {
		return err
	}
	return compare.WriteVerification(stdout, v)
}

// defaultSeeds is where the seed Dockerfiles are in the project's checkout.
const defaultSeeds = "checks/testdata/seeds"

// benchRun is bench's command line, read and checked.
type benchRun struct {
	opts                          compare.BenchOptions
	addr, jsonOut, htmlOut, mdOut string
}

// parseBench reads bench's flags, before anything connects or builds, so
// a bad flag (an unknown fix, a progress mode) costs no build.
func parseBench(args []string, stderr io.Writer) (benchRun, error) {
	var r benchRun
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	root := fs.String("examples", "examples", "the directory holding one example per subdirectory")
	seeds := fs.String("seeds", defaultSeeds, "the seed Dockerfiles to compare too, as compare.Seeds says; empty: none")
	only := fs.String("only", "", "comma-separated examples to run (default all)")
	rounds := fs.Int("rounds", compare.DefaultRounds, "rounds per scenario; the table gives medians")
	image := fs.String("frontend-image", compare.DefaultFrontendImage, "the optfrontend image")
	repo := fs.String("repo", "", "repository prefix to push to, REGISTRY/PATH (default $OPTFRONTEND_REGISTRY/optctl)")
	fix := fs.String("fix", "", "BUILDKIT_OPT_FIX for the optimized builds only, never stock's: comma-separated fixes, e.g. static,nodevdeps (default none)")
	fs.StringVar(&r.addr, "addr", "", "BuildKit address (default BUILDKIT_HOST, BUILDX_BUILDER, the test bed)")
	fs.StringVar(&r.jsonOut, "json", "", "also write every report as JSON to this file")
	fs.StringVar(&r.htmlOut, "html", "", "also write every report as one self-contained HTML page to this file")
	fs.StringVar(&r.mdOut, "markdown", "", "also write the table and every report as GitHub-flavoured Markdown to this file, e.g. \"$GITHUB_STEP_SUMMARY\"")
	var pf progressFlags
	pf.register(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return r, err
	}
	if len(pos) > 0 {
		return r, fmt.Errorf("bench takes no arguments, got %q; use --examples DIR or --only NAME,...", pos)
	}
	display, err := pf.display(stderr)
	if err != nil {
		return r, err
	}
	fixes, err := compare.ParseFixes(*fix)
	if err != nil {
		return r, fmt.Errorf("--fix: %w", err)
	}
	if *seeds == defaultSeeds {
		if _, err := os.Stat(*seeds); err != nil {
			*seeds = "" // not in the project's checkout: the examples only
		}
	}
	var names []string
	if *only != "" {
		names = strings.Split(*only, ",")
	}
	r.opts = compare.BenchOptions{Root: *root, Seeds: *seeds, Only: names, Repo: *repo, Fixes: fixes, Rounds: *rounds,
		FrontendImage: *image, Progress: stderr, Display: display}
	return r, nil
}

func benchCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	r, err := parseBench(args, stderr)
	if err != nil {
		return err
	}
	c, b, err := connect(ctx, r.addr)
	if err != nil {
		return err
	}
	defer c.Close()
	if r.opts.Repo == "" {
		if r.opts.Repo, err = defaultRepo(""); err != nil {
			return err
		}
	}
	bench, err := compare.RunBench(ctx, c, b.Addr, r.opts)
	if err != nil {
		return err
	}
	fmt.Fprintln(stderr)
	if err := compare.WriteBenchTable(stdout, bench); err != nil {
		return err
	}
	if err := writeReports(r.jsonOut, r.htmlOut, bench, func(w io.Writer) error {
		return compare.WriteHTML(w, "optfrontend benchmark", bench, bench.Reports...)
	}); err != nil {
		return err
	}
	if r.mdOut != "" {
		if err := writeFile(r.mdOut, func(w io.Writer) error { return compare.WriteBenchMarkdown(w, bench) }); err != nil {
			return err
		}
	}
	if len(bench.Failed) > 0 {
		return fmt.Errorf("%d of %d examples failed", len(bench.Failed), len(bench.Failed)+len(bench.Reports))
	}
	return nil
}

// writeReports writes the JSON and HTML files that were asked for.
func writeReports(jsonPath, htmlPath string, v any, html func(io.Writer) error) error {
	if jsonPath != "" {
		if err := writeFile(jsonPath, func(w io.Writer) error { return compare.WriteJSON(w, v) }); err != nil {
			return err
		}
	}
	if htmlPath != "" && html != nil {
		if err := writeFile(htmlPath, html); err != nil {
			return err
		}
	}
	return nil
}

// repoName turns a context directory into a repository path component.
func repoName(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		abs = dir
	}
	var b strings.Builder
	for _, r := range strings.ToLower(filepath.Base(abs)) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteRune('-')
		}
	}
	name := strings.Trim(b.String(), "-_.")
	if name == "" {
		return "context"
	}
	return name
}
