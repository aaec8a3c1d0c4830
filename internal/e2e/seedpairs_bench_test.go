package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/org/optfrontend/compare"
)

// seedPair is one of the seeds' bad Dockerfiles, testdata/seedpairs/NAME/bad,
// with the seeds' good Dockerfile for the same app beside it, NAME/good.
type seedPair struct {
	name string
	// fix is the BUILDKIT_OPT_FIX value meant to make the bad one as
	// small as the good one.
	fix string
	// expect is the line the app prints when its image runs.
	expect string
}

// seedPairs are the pairs BenchmarkSeedPairs builds (issue 23).
var seedPairs = []seedPair{
	{name: "go-onestage", fix: "static", expect: "hello from go-onestage"},
	{name: "node-onestage", fix: "nodevdeps", expect: "one day is 86400000 ms"},
	{name: "python-onestage", fix: "slim", expect: "hello from flask"},
}

// pairImage is one built and pushed image of a pair, or why there is none.
type pairImage struct {
	ref  string
	size int64 // compressed layers, as the registry serves them
	out  string
	err  error
}

// pairRow is what the benchmark measured for one pair.
type pairRow struct {
	pair                           seedPair
	stockBad, optBad, fixBad, good pairImage
	// smoke is the fixed image's run: nil when it printed the expected
	// line, else what went wrong.
	smoke error
}

// BenchmarkSeedPairs shows, for each seed pair, how far optfrontend's
// fixes take a bad Dockerfile towards the seeds' good one, and that the
// fixed image still runs. It builds the bad Dockerfile with the stock
// frontend, with optfrontend's default passes and with optfrontend plus
// the pair's fix (both with the safety net off, so a failed fix is a failed
// build, not stock's image), and the good Dockerfile with the stock
// frontend; pushes each to the test bed's registry; runs the fixed image's
// own command; and prints a Markdown table of the compressed sizes. A
// build that fails is a cell that says so; the benchmark goes on. It is a
// report, not a test: it fails on nothing but a broken test bed.
//
//	go test -run '^$' -bench SeedPairs -benchtime 1x ./internal/e2e
func BenchmarkSeedPairs(b *testing.B) {
	var rows []pairRow
	for _, p := range seedPairs {
		b.Run(p.name, func(b *testing.B) {
			r := p.measure(b)
			rows = append(rows, r)
			b.ReportMetric(0, "ns/op")
			for _, m := range []struct {
				unit string
				img  pairImage
			}{{"stock-bad-MB", r.stockBad}, {"opt-bad-MB", r.optBad}, {"fixed-MB", r.fixBad}, {"good-MB", r.good}} {
				if m.img.err == nil {
					b.ReportMetric(mb(m.img.size), m.unit)
				}
			}
			if r.fixBad.err == nil && r.good.err == nil && r.good.size > 0 {
				b.ReportMetric(float64(r.fixBad.size)/float64(r.good.size), "fixed/good")
			}
		})
	}
	fmt.Fprint(os.Stdout, seedPairsTable(rows))
}

// measure builds the pair's four images and runs the fixed one.
func (p seedPair) measure(b *testing.B) pairRow {
	ctx := b.Context()
	dir := filepath.Join(bed.root, "internal", "e2e", "testdata", "seedpairs", p.name)
	bad := withSyntaxLine(b, filepath.Join(dir, "bad"))
	repo := ref("seedpairs/" + p.name)
	r := pairRow{pair: p}
	r.stockBad = pushed(ctx, repo+":stock-bad", "buildctl", stockArgs(filepath.Join(dir, "bad"), repo+":stock-bad"))
	r.optBad = pushed(ctx, repo+":opt-bad", "buildx", optArgs(bad, repo+":opt-bad"))
	r.fixBad = pushed(ctx, repo+":fix-bad", "buildx", optArgs(bad, repo+":fix-bad", "--build-arg", "BUILDKIT_OPT_FIX="+p.fix))
	r.good = pushed(ctx, repo+":good", "buildctl", stockArgs(filepath.Join(dir, "good"), repo+":good"))
	if r.fixBad.err != nil {
		r.smoke = errors.New("not run: no fixed image")
	} else {
		r.smoke = runsAndPrints(ctx, b.TempDir(), r.fixBad.ref, p.expect)
	}
	return r
}

// withSyntaxLine copies a bad Dockerfile's context with its syntax line
// naming the frontend image TestMain pushed (frontendImage).
func withSyntaxLine(b testing.TB, dir string) string {
	b.Helper()
	cp := copyDir(b, dir)
	df, err := os.ReadFile(filepath.Join(cp, "Dockerfile"))
	if err != nil {
		b.Fatalf("reading %s's Dockerfile: %v", dir, err)
	}
	first, rest, _ := strings.Cut(string(df), "\n")
	if !strings.HasPrefix(first, "# syntax=") {
		b.Fatalf("%s/Dockerfile: the first line is not a syntax line", dir)
	}
	if err := os.WriteFile(filepath.Join(cp, "Dockerfile"), []byte(syntaxLine()+rest), 0o644); err != nil {
		b.Fatalf("writing the syntax line: %v", err)
	}
	return cp
}

// optArgs are buildx's arguments to build dir as a user does, through its
// syntax line, with the safety net off, and push the image.
func optArgs(dir, image string, extra ...string) []string {
	args := []string{"build", "--progress=plain", "--build-arg", "BUILDKIT_OPT_FALLBACK=off",
		"--output", "type=image,name=" + image + ",push=true"}
	return append(append(args, extra...), dir)
}

// pushed runs a build (buildctl or buildx with its arguments) and
// measures the image it pushed.
func pushed(ctx context.Context, image, cmd string, args []string) pairImage {
	img := pairImage{ref: image}
	img.out, img.err = run(ctx, "", cmd, args...)
	if img.err != nil {
		img.err = fmt.Errorf("build failed: %s", lastLine(img.out, img.err))
		return img
	}
	img.size, img.err = compressedSize(ctx, image)
	return img
}

// compressedSize is the sum of the compressed layer sizes in the image's
// manifest, as compare measures an image.
func compressedSize(ctx context.Context, image string) (int64, error) {
	r, err := name.ParseReference(image)
	if err != nil {
		return 0, fmt.Errorf("parsing %s: %w", image, err)
	}
	img, err := remote.Image(r, remote.WithContext(ctx))
	if err != nil {
		return 0, fmt.Errorf("reading %s: %w", image, err)
	}
	m, err := img.Manifest()
	if err != nil {
		return 0, fmt.Errorf("reading %s's manifest: %w", image, err)
	}
	var n int64
	for _, l := range m.Layers {
		n += l.Size
	}
	return n, nil
}

// runsAndPrints runs the image's own command (its ENTRYPOINT and CMD), as
// its own user, in its WORKDIR, with its env and no network, and checks
// that the first line it prints is expect. A fixed image may have no
// shell, so busybox's is mounted to run it and read its output.
func runsAndPrints(ctx context.Context, dir, image, expect string) error {
	r, err := name.ParseReference(image)
	if err != nil {
		return fmt.Errorf("parsing %s: %w", image, err)
	}
	img, err := remote.Image(r, remote.WithContext(ctx))
	if err != nil {
		return fmt.Errorf("reading %s: %w", image, err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return fmt.Errorf("reading %s's config: %w", image, err)
	}
	argv := append(append([]string{}, cfg.Config.Entrypoint...), cfg.Config.Cmd...)
	if len(argv) == 0 {
		return errors.New("the image has no command")
	}
	quoted := make([]string, len(argv))
	for i, a := range argv {
		quoted[i] = shellQuote(a)
	}
	script := fmt.Sprintf("out=$(%s | /bb/bin/head -n 1) && echo \"smoke: $out\" && test \"$out\" = %s",
		strings.Join(quoted, " "), shellQuote(expect))
	cmd, err := json.Marshal([]string{"/bb/bin/sh", "-c", script})
	if err != nil {
		return fmt.Errorf("writing the smoke command: %w", err)
	}
	df := "FROM app\nRUN --network=none --mount=type=bind,from=busybox,target=/bb " + string(cmd) + "\n"
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(df), 0o644); err != nil {
		return fmt.Errorf("writing the smoke Dockerfile: %w", err)
	}
	out, err := run(ctx, "", "buildctl", "build", "--frontend", "dockerfile.v0", "--no-cache",
		"--local", "context="+dir, "--local", "dockerfile="+dir,
		"--opt", "context:app=docker-image://"+image)
	if err != nil {
		return fmt.Errorf("`%s` did not print %q: %s", strings.Join(argv, " "), expect, lastLine(out, err))
	}
	return nil
}

// shellQuote quotes s for sh as one word.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// lastLine is the last line of a failed command's output that says what
// failed: its last ERROR line, else its last line, else the error.
func lastLine(out string, err error) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); strings.HasPrefix(l, "ERROR") || strings.HasPrefix(l, "error:") {
			return l
		}
	}
	if l := strings.TrimSpace(lines[len(lines)-1]); l != "" {
		return l
	}
	return err.Error()
}

// fixReport is what the fix said about the build, each line once: its
// change, or why it left the image as it is. buildx lists the build's
// warnings as " - TEXT" lines; a step's name that mentions the fix is not
// one.
func fixReport(out, fix string) []string {
	var said []string
	for line := range strings.Lines(out) {
		for _, prefix := range []string{"optfrontend " + fix + ":", "optfrontend fix " + fix + ":"} {
			i := strings.Index(line, prefix)
			if i < 0 || !strings.HasSuffix(line[:i], "- ") {
				continue
			}
			l := strings.TrimSpace(line[i:])
			if !slices.Contains(said, l) {
				said = append(said, l)
			}
		}
	}
	return said
}

// seedPairsTable is the benchmark's report: one row per pair, then what
// each fix said about its build.
func seedPairsTable(rows []pairRow) string {
	var b strings.Builder
	b.WriteString("\n| pair | stock bad | optfrontend bad | optfrontend bad + fix | good | fixed / good | fixed image runs |\n|---|--:|--:|--:|--:|--:|---|\n")
	for _, r := range rows {
		ratio := "–"
		if r.fixBad.err == nil && r.good.err == nil && r.good.size > 0 {
			ratio = fmt.Sprintf("%.2f", float64(r.fixBad.size)/float64(r.good.size))
		}
		smoke := "yes (prints `" + r.pair.expect + "`)"
		if r.smoke != nil {
			smoke = "**no**: " + r.smoke.Error()
		}
		fmt.Fprintf(&b, "| %s (`%s`) | %s | %s | %s | %s | %s | %s |\n", r.pair.name, r.pair.fix,
			sizeCell(r.stockBad), sizeCell(r.optBad), sizeCell(r.fixBad), sizeCell(r.good), ratio, cell(smoke))
	}
	b.WriteString("\nWhat each fix said (BUILDKIT_OPT_FIX, optimized build of the bad Dockerfile):\n\n")
	for _, r := range rows {
		said := fixReport(r.fixBad.out, r.pair.fix)
		if len(said) == 0 {
			said = []string{"nothing: no report line of the fix in the build's output"}
		}
		for _, s := range said {
			fmt.Fprintf(&b, "- %s: %s\n", r.pair.name, s)
		}
	}
	return b.String()
}

// sizeCell is an image's compressed size, or why there is none.
func sizeCell(img pairImage) string {
	if img.err != nil {
		return cell(img.err.Error())
	}
	return compare.Bytes(img.size)
}

// cell keeps a Markdown table cell on one line and in its column.
func cell(s string) string {
	s = strings.NewReplacer("\n", " ", "|", `\|`).Replace(s)
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
