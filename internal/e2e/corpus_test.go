package e2e

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/stretchr/testify/require"
)

// corpusCase is one directory of testdata/corpus: a Dockerfile, its
// context and case.json.
type corpusCase struct {
	Name string `json:"-"`
	Dir  string `json:"-"`
	// Guards says, in one line, what bug class the case guards against.
	Guards string `json:"guards"`
	// Outcome is "same" (both build, and the images are equivalent) or
	// "bothfail" (both fail, with the same error).
	Outcome string `json:"outcome"`
	// Run is a command run in each image with --network=none, as the
	// image's user in its working directory: shell form, or exec form
	// when it starts with "[".
	Run string `json:"run,omitempty"`
	// Want lists text the optimized build's output must hold (a report
	// or check that must fire).
	Want []string `json:"want,omitempty"`
	// Known is the issue that tracks the defect this case shows today:
	// the test then requires the defect to be there still, so that it
	// says when a fix lands.
	Known int `json:"known,omitempty"`
	// NoVerify, when set, says why the optimized build of the case runs
	// without the verify mode: what verify cannot tell apart from a
	// change (the case's test of the images still runs).
	NoVerify string `json:"noVerify,omitempty"`
	// Fix is the opt-in fixes the optimized build asks for
	// (BUILDKIT_OPT_FIX). Their changes are proven by the verify mode,
	// which knows what each fix may change (buildtools: the files dpkg
	// lists for the packages it left out), and dpkg -V must find nothing
	// amiss in the optimized image.
	Fix string `json:"fix,omitempty"`
}

// corpusParallel is how many cases build at once.
const corpusParallel = 2

// TestCorpus builds every case of the differential corpus with the stock
// frontend and with optfrontend (default passes, no fallback, the verify
// mode on, which fails the build on a difference from stock's image no
// report line explains) and requires the two to agree: for "same", equivalent images (flattened filesystems
// equal outside what the optimized build's reports name, equal config,
// the run command passing in both); for "bothfail", the same final error.
// A case with Known set must still show its defect.
func TestCorpus(t *testing.T) {
	cases := loadCorpus(t)
	start := time.Now()
	var same, bothfail, known, unexplained, fixed atomic.Int32
	sem := make(chan struct{}, corpusParallel)
	t.Run("case", func(t *testing.T) {
		for _, c := range cases {
			t.Run(c.Name, func(t *testing.T) {
				t.Parallel()
				sem <- struct{}{}
				defer func() { <-sem }()
				if c.Outcome == "same" {
					same.Add(1)
				} else {
					bothfail.Add(1)
				}
				defect := c.check(t)
				switch {
				case c.Known != 0 && defect != "":
					known.Add(1)
					t.Logf("known defect (issue %d): %s", c.Known, defect)
				case c.Known != 0:
					fixed.Add(1)
					t.Errorf("issue %d's defect is gone from this case: set known to 0 in %s/case.json", c.Known, c.Dir)
				case defect != "":
					unexplained.Add(1)
					t.Errorf("%s (guards: %s)", defect, c.Guards)
				}
			})
		}
	})
	line := fmt.Sprintf("corpus: %d cases, %d same, %d bothfail, %d known defects, %d unexplained", same.Load()+bothfail.Load(), same.Load(), bothfail.Load(), known.Load(), unexplained.Load())
	if n := fixed.Load(); n > 0 {
		line += fmt.Sprintf(", %d known defects fixed", n)
	}
	line += fmt.Sprintf(" (%s)", time.Since(start).Round(time.Second))
	t.Log(line)
	fmt.Println(line)
}

// loadCorpus reads every case directory.
func loadCorpus(t *testing.T) []corpusCase {
	t.Helper()
	dirs, err := filepath.Glob("testdata/corpus/*/case.json")
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	var cases []corpusCase
	for _, f := range dirs {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		var c corpusCase
		require.NoError(t, json.Unmarshal(b, &c), f)
		c.Dir, c.Name = filepath.Dir(f), filepath.Base(filepath.Dir(f))
		require.Contains(t, []string{"same", "bothfail"}, c.Outcome, f)
		require.NotEmpty(t, c.Guards, f)
		cases = append(cases, c)
	}
	return cases
}

// check builds the case both ways and returns the first way in which
// optfrontend disagrees with stock, or "". A case that stock itself does
// not build as case.json says is a broken case: the test fails.
func (c corpusCase) check(t *testing.T) string {
	ctx := corpusContext(t, c.Dir)
	stockRef, optRef := ref("corpus/"+c.Name+":stock"), ref("corpus/"+c.Name+":optimized")
	stockOut, stockErr := run(t.Context(), "", "buildctl", stockArgs(ctx, stockRef)...)
	if c.Outcome == "same" {
		require.NoError(t, stockErr, "stock fails to build a case that must build:\n%s", tail(stockOut, 30))
		if c.Run != "" {
			// Before the optimized build, which shares the builder.
			out, err := runIn(t, stockRef, c.Run, false)
			require.NoError(t, err, "the run command fails in stock's image:\n%s", tail(out, 20))
		}
	}
	var stockDpkg string
	if c.Outcome == "same" && c.Fix != "" {
		stockDpkg = stockDpkgVerify(t, stockRef) // before the optimized build: see there
	}
	verify := "1"
	if c.NoVerify != "" {
		verify = "0"
	}
	optArgs := []string{"build", "--progress=plain",
		"--build-arg", "BUILDKIT_OPT_FALLBACK=off", "--build-arg", "BUILDKIT_OPT_VERIFY=" + verify,
		"--output", "type=image,name=" + optRef + ",push=true"}
	if c.Fix != "" {
		optArgs = append(optArgs, "--build-arg", "BUILDKIT_OPT_FIX="+c.Fix)
	}
	optOut, optErr := run(t.Context(), "", "buildx", append(optArgs, ctx)...)
	if c.Outcome == "bothfail" {
		require.Error(t, stockErr, "stock builds a case that must fail:\n%s", tail(stockOut, 20))
		if optErr == nil {
			return "optfrontend builds what stock cannot: " + errorLine(stockOut)
		}
		if s, o := errorLine(stockOut), errorLine(optOut); s != o {
			return fmt.Sprintf("the error differs:\n  stock:     %s\n  optimized: %s", s, o)
		}
		// With its passes off, optfrontend is the stock frontend: the
		// same error, word for word.
		offOut, offErr := run(t.Context(), "", "buildx", "build", "--progress=plain",
			"--build-arg", "BUILDKIT_OPT=off", "--output", "type=image,name="+optRef+"-off,push=true", ctx)
		if offErr == nil {
			return "with BUILDKIT_OPT=off, optfrontend builds what stock cannot"
		}
		if s, o := errorLine(stockOut), errorLine(offOut); s != o {
			return fmt.Sprintf("the error with BUILDKIT_OPT=off differs:\n  stock: %s\n  off:   %s", s, o)
		}
		return ""
	}
	for _, r := range reports(optOut) {
		t.Logf("report: optfrontend %s: %s (line %d)", r.Pass, r.Message, r.Line)
	}
	if optErr != nil {
		return "fails only with optfrontend: " + errorLine(optOut) + verifyLines(optOut) + stepOutput(optOut)
	}
	for _, w := range c.Want {
		if !strings.Contains(optOut, w) {
			return fmt.Sprintf("the optimized build's output lacks %q", w)
		}
	}
	stockImg, optImg := image(t, stockRef, nil), image(t, optRef, nil)
	if d := configDiff(t, stockImg, optImg); d != "" {
		return d
	}
	if c.Fix != "" {
		// The verify mode proved the filesystem in the build, with what
		// the fix's reports allow; the packages must still agree with it.
		// An image with stock's very manifest needs no proof: its run
		// is stock's, which passed above. (Run on this builder through
		// the optimized build's index, such an image fails with "stat
		// /bin/sh" after a buildtools check that kept the tools: a
		// BuildKit defect, docs/buildkit-diff-chain.md.)
		if sameManifest(t, stockImg, optImg) {
			t.Logf("the fix left the image as stock's, manifest for manifest")
			return ""
		}
		if out, err := sameDpkgVerify(t, ctx, stockDpkg, optRef); err != nil {
			return "dpkg -V finds the optimized image's packages amiss where stock's are not: " + errorLine(out) + stepOutput(out)
		}
	} else if d := c.fsDiff(t, ctx, optOut, stockImg, optImg); d != "" {
		return d
	}
	if c.Run == "" {
		return ""
	}
	// An optimized image whose layers are stock's, digest for digest, is
	// stock's filesystem, whose run passed above. It is not run again:
	// on a builder where an earlier build squashed the same steps, its
	// pull may resolve to the one-layer snapshot of a diff the squash
	// helper read (the BuildKit defect below), which says nothing of this
	// build.
	if sameLayers(t, stockImg, optImg) {
		t.Logf("the optimized image has stock's layers, digest for digest: its run is stock's")
	} else if out, err := runIn(t, optRef, c.Run, false); err != nil {
		return "the run command fails in the optimized image: " + errorLine(out) + stepOutput(out)
	}
	// The layer passes make snapshots of their own on the builder that
	// stock's image then runs on: it must still run as it did. BuildKit
	// v0.34.2 may hand a later pull of stock's image the one-layer
	// snapshot of a diff of one step (docs/buildkit-diff-chain.md, shown
	// every run by TestBuildKitDiffTakesTheUpperChain). The passes now
	// diff only forked ops (llbopt/fork.go; guarded with fresh steps by
	// TestSquashLeavesStockImagePullable), but the test bed's builder
	// keeps records made before, for these very steps: that failure is
	// logged as the known defect; any other is this case's.
	if strings.Contains(optOut, "optfrontend squash: exported") || strings.Contains(optOut, "optfrontend buildtools: left") {
		if out, err := runIn(t, stockRef, c.Run, true); err != nil {
			if strings.Contains(out, diffChainSymptom) {
				t.Logf("known defect (docs/buildkit-diff-chain.md): after the optimized build, stock's image pulled on the same builder lacks /bin/sh")
			} else {
				return "after the optimized build, stock's image no longer runs on the same builder: " + errorLine(out) + stepOutput(out)
			}
		}
	}
	return ""
}

// sameManifest tells whether two images have the same manifest digest.
func sameManifest(t *testing.T, a, b v1.Image) bool {
	t.Helper()
	da, err := a.Digest()
	require.NoError(t, err)
	db, err := b.Digest()
	require.NoError(t, err)
	return da == db
}

// pinned names the image a tag names now by its digest: the daemon
// remembers what a tag named when it last resolved it, and the corpus
// pushes a new image under the same tag on every run.
func pinned(t *testing.T, r string) string {
	t.Helper()
	parsed, err := name.ParseReference(r)
	require.NoError(t, err)
	desc, err := remote.Head(parsed, remote.WithContext(t.Context()))
	require.NoError(t, err)
	return r + "@" + desc.Digest.String()
}

// stockDpkgVerify runs dpkg -V in stock's image and returns its output.
// It must run before the optimized build of the same Dockerfile: after
// it, pulling stock's image on the same builder may give the one-layer
// snapshot of a layer pass's diff instead (BuildKit's diff reuse, issue
// 25).
func stockDpkgVerify(t *testing.T, stockRef string) string {
	t.Helper()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Dockerfile"),
		[]byte("FROM stock AS v\nRUN --network=none dpkg -V > /dpkg-v 2>&1 || true\nFROM scratch\nCOPY --from=v /dpkg-v /\n"), 0o644))
	out := t.TempDir()
	must(t, "", "buildctl", "build", "--progress=plain", "--frontend", "dockerfile.v0", "--no-cache",
		"--local", "context="+dir, "--local", "dockerfile="+dir,
		"--opt", "context:stock=docker-image://"+pinned(t, stockRef), "--output", "type=local,dest="+out)
	dt, err := os.ReadFile(filepath.Join(out, "dpkg-v"))
	require.NoError(t, err)
	return string(dt)
}

// sameDpkgVerify runs dpkg -V in the optimized image and in the base image
// of the Dockerfile in dir (its first FROM), and fails, printing them, on
// the lines only the optimized image's output has beside stock's (from
// stockDpkgVerify): a file of a package dpkg says is installed that the
// optimized image lacks or changed, where neither stock's image nor the
// base has that line, is a package database that no longer tells the
// truth. (Neither output need be empty: base images drop documentation and
// apt's lists that dpkg still lists, and a step that ran apt may have made
// some of them again.)
func sameDpkgVerify(t *testing.T, dockerfileDir, stockDpkg, optRef string) (string, error) {
	t.Helper()
	df, err := os.ReadFile(filepath.Join(dockerfileDir, "Dockerfile"))
	require.NoError(t, err)
	m := firstFrom.FindSubmatch(df)
	require.NotNil(t, m, "no FROM in %s", dockerfileDir)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "stock-dpkg-v"), []byte(stockDpkg), 0o644))
	script := "FROM " + string(m[1]) + " AS basev\nRUN --network=none dpkg -V > /dpkg-v 2>&1 || true\n" +
		"FROM optimized\nRUN --network=none --mount=source=stock-dpkg-v,target=/stock-dpkg-v " +
		"--mount=from=basev,source=/dpkg-v,target=/base-dpkg-v " +
		"dpkg -V > /tmp/dpkg-v 2>&1 || true; if grep -vxF -f /stock-dpkg-v -f /base-dpkg-v /tmp/dpkg-v; then exit 1; fi\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(script), 0o644))
	// --no-cache, as runIn's second run: the snapshots a layer pass left
	// on the builder must not stand in for the image.
	return run(t.Context(), "", "buildctl", "build", "--progress=plain", "--frontend", "dockerfile.v0", "--no-cache",
		"--local", "context="+dir, "--local", "dockerfile="+dir,
		"--opt", "context:optimized=docker-image://"+pinned(t, optRef))
}

// firstFrom finds a Dockerfile's first base image.
var firstFrom = regexp.MustCompile(`(?mi)^FROM\s+(?:--platform=\S+\s+)?(\S+)`)

// verifyLines are the differences a failed verify names, the lines after
// its message.
func verifyLines(out string) string {
	_, rest, ok := strings.Cut(out, "no report line explains\n")
	if !ok {
		return ""
	}
	var b strings.Builder
	for _, l := range strings.Split(rest, "\n") {
		if !strings.HasPrefix(l, "  ") {
			break
		}
		b.WriteString("\n" + l)
	}
	return b.String()
}

// stockArgs are stockBuild's, for a build that may fail.
func stockArgs(dir, image string) []string {
	return []string{"build", "--frontend", "dockerfile.v0", "--opt", "cmdline=stock",
		"--local", "context=" + dir, "--local", "dockerfile=" + dir,
		"--output", "type=image,name=" + image + ",push=true"}
}

// configDiff compares what a container of each image runs with.
func configDiff(t *testing.T, stockImg, optImg v1.Image) string {
	t.Helper()
	s, o := comparableConfig(t, stockImg).Config, comparableConfig(t, optImg).Config
	for _, f := range []struct {
		name string
		a, b any
	}{
		{"Env", s.Env, o.Env}, {"Entrypoint", s.Entrypoint, o.Entrypoint}, {"Cmd", s.Cmd, o.Cmd},
		{"User", s.User, o.User}, {"WorkingDir", s.WorkingDir, o.WorkingDir},
	} {
		if fmt.Sprint(f.a) != fmt.Sprint(f.b) {
			return fmt.Sprintf("image config %s differs: stock %v, optimized %v", f.name, f.a, f.b)
		}
	}
	return ""
}

// fsDiff compares the flattened filesystems and returns the first
// difference that no report explains, or a report that is not true.
func (c corpusCase) fsDiff(t *testing.T, ctx, optOut string, stockImg, optImg v1.Image) string {
	t.Helper()
	if sameLayers(t, stockImg, optImg) {
		return ""
	}
	stock, opt := filesystem(t, stockImg), filesystem(t, optImg)
	resolveHardlinks(t, stockImg, stock)
	resolveHardlinks(t, optImg, opt)
	a := allowed(t, ctx, optOut, droppedPaths(t, stockImg, optImg))
	if u := a.untrue(opt); len(u) > 0 {
		return "a report is not true: " + u[0]
	}
	var left []string
	for _, p := range diffPaths(stock, opt) {
		if !a.explains(p, stock, opt) && !workCounter.MatchString(p) && !dayStamped.MatchString(p) {
			left = append(left, p)
		}
	}
	if len(left) == 0 {
		return ""
	}
	// What differs between two stock builds is the steps', not the passes'.
	againRef := ref("corpus/" + c.Name + ":stock-again")
	stockBuild(t, ctx, againRef, "--no-cache")
	againImg := image(t, againRef, nil)
	again := filesystem(t, againImg)
	resolveHardlinks(t, againImg, again)
	noise := diffPaths(stock, again)
	renamed := renamedNoise(stock, again, opt)
	left = slices.DeleteFunc(left, func(p string) bool { return slices.Contains(noise, p) || renamed[p] })
	if len(left) == 0 {
		return ""
	}
	p := left[0]
	return fmt.Sprintf("%d paths differ outside what the reports name; first %s: stock %s, optimized %s",
		len(left), p, describe(stock, p), describe(opt, p))
}

// sameLayers tells whether two images have the same layers, and so the
// same filesystem.
func sameLayers(t *testing.T, a, b v1.Image) bool {
	t.Helper()
	ma, err := a.Manifest()
	require.NoError(t, err)
	mb, err := b.Manifest()
	require.NoError(t, err)
	if len(ma.Layers) != len(mb.Layers) {
		return false
	}
	for i := range ma.Layers {
		if ma.Layers[i].Digest != mb.Layers[i].Digest {
			return false
		}
	}
	return true
}

// describe says what an image has at p, for a failure message.
func describe(fs map[string]fileEntry, p string) string {
	e, ok := fs[p]
	if !ok {
		return "absent"
	}
	s := fmt.Sprintf("type %c mode %o uid %d gid %d size %d", e.Type, e.Mode, e.UID, e.GID, e.Size)
	if e.Link != "" {
		s += " link " + e.Link
	}
	if e.SHA256 != "" {
		s += " sha256 " + e.SHA256[:12]
	}
	return s
}

// runIn runs a case's command in an image, as smoke does: a stage FROM
// the image, without network; noCache runs it even if it ran before.
func runIn(t *testing.T, image, cmd string, noCache bool) (string, error) {
	t.Helper()
	image = pinned(t, image)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM app\nRUN --network=none "+cmd+"\n"), 0o644))
	args := []string{"build", "--progress=plain", "--frontend", "dockerfile.v0",
		"--local", "context=" + dir, "--local", "dockerfile=" + dir,
		"--opt", "context:app=docker-image://" + image}
	if noCache {
		args = append(args, "--no-cache")
	}
	return run(t.Context(), "", "buildctl", args...)
}

// corpusContext copies a case directory to a temporary one, as a
// checkout holds it: case.json left out, and a path element dot-git named
// .git (Git cannot store a .git directory in a repository).
func corpusContext(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil || rel == "." || rel == "case.json" {
			return err
		}
		parts := strings.Split(rel, string(filepath.Separator))
		for i, el := range parts {
			if el == "dot-git" {
				parts[i] = ".git"
			}
		}
		target := filepath.Join(dst, filepath.Join(parts...))
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		switch {
		case info.Mode()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case d.IsDir():
			return os.MkdirAll(target, info.Mode().Perm())
		default:
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(target, b, info.Mode().Perm())
		}
	})
	require.NoError(t, err)
	return dst
}

// errorNoise is what differs between two runs of the same failing build,
// or between buildctl's and buildx's way of printing an error: vertex
// digests, timings, and the client's own prefix.
var (
	errorPrefix = regexp.MustCompile(`^(ERROR: failed to build: |error: )`)
	digestNoise = regexp.MustCompile(`sha256:[0-9a-f]{64}`)
	refNoise    = regexp.MustCompile(`\b[0-9a-z]{25}::[0-9a-z]{25}\b`)
	timingNoise = regexp.MustCompile(`\b\d+(\.\d+)?m?s\b`)
)

// vertexLog matches a line of a step's output in plain progress.
var (
	vertexLog   = regexp.MustCompile(`^#(\d+) \d+\.\d+ (.*)$`)
	vertexError = regexp.MustCompile(`^#(\d+) ERROR`)
)

// stepOutput is the last lines the failed step printed, for a message.
func stepOutput(out string) string {
	lines := strings.Split(out, "\n")
	failed := ""
	for _, l := range lines {
		if m := vertexError.FindStringSubmatch(l); m != nil {
			failed = m[1]
		}
	}
	var got []string
	for _, l := range lines {
		if m := vertexLog.FindStringSubmatch(l); m != nil && m[1] == failed {
			got = append(got, m[2])
		}
	}
	if len(got) > 3 {
		got = got[len(got)-3:]
	}
	if len(got) == 0 {
		return ""
	}
	return "; the step printed: " + strings.Join(got, " | ")
}

// errorLine is a failed build's final error line, normalized.
func errorLine(out string) string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		l := strings.TrimSpace(lines[i])
		if errorPrefix.MatchString(l) {
			l = errorPrefix.ReplaceAllString(l, "")
			l = digestNoise.ReplaceAllString(l, "sha256:…")
			l = refNoise.ReplaceAllString(l, "…::…")
			return timingNoise.ReplaceAllString(l, "…s")
		}
	}
	return tail(out, 1)
}
