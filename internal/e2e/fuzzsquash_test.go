package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/org/optfrontend/internal/dfgen"
)

// Issue 17's build-level differential fuzzer: random Dockerfiles of file
// operations (internal/dfgen), each built by the stock frontend and by
// optfrontend with every run of the target stage squashed into one layer;
// the flattened filesystems must be equal (content, type, mode, owner,
// link target, xattrs, hard links; not mtimes) and two --no-cache builds
// must give one digest.
//
// OPTFRONTEND_FUZZ_N cases (default 6, the slice `make test` runs) from
// OPTFRONTEND_FUZZ_SEED (default 1014, whose six cases use every operation
// kind); case i is dfgen's seed SEED+i, so `OPTFRONTEND_FUZZ_SEED=SEED+i
// OPTFRONTEND_FUZZ_N=1` runs it alone. OPTFRONTEND_FUZZ_DOCKERFILE=path runs
// one hand-written Dockerfile (no context files) instead. Cases build
// OPTFRONTEND_FUZZ_PARALLEL at a time (default 2). `make fuzz-squash N=500
// SEED=...` is the long run.

const (
	fuzzDefaultN    = 6
	fuzzDefaultSeed = 1014
	// fuzzEpoch pins SOURCE_DATE_EPOCH (2025-01-01), and the exporter's
	// rewrite-timestamp clamps the layers' mtimes to it, so that two
	// stock builds give one digest and the digest test is fair.
	fuzzEpoch = "1735689600"
)

// fuzzResult is what one case found.
type fuzzResult struct {
	index    int
	c        dfgen.Case
	invalid  string   // stock failed: the generator's fault
	optErr   string   // optimized failed where stock built
	diff     []string // differing paths, described
	ndiff    int
	unstable string // the optimized digests, when two
	stockVar string // the stock digests, when two: the comparison is unfair
	// moreLinks counts paths the squashed image keeps hard-linked where
	// stock's exporter wrote a copy: not a difference (see exactDiff).
	moreLinks int
	took      time.Duration
}

func (r fuzzResult) differs() bool { return r.optErr != "" || r.ndiff > 0 }

func TestFuzzSquash(t *testing.T) {
	n := envInt(t, "OPTFRONTEND_FUZZ_N", fuzzDefaultN)
	seed := int64(envInt(t, "OPTFRONTEND_FUZZ_SEED", fuzzDefaultSeed))
	parallel := envInt(t, "OPTFRONTEND_FUZZ_PARALLEL", 2)
	cases := make([]dfgen.Case, n)
	for i := range cases {
		cases[i] = dfgen.Generate(seed+int64(i), dfgen.Options{})
	}
	if f := os.Getenv("OPTFRONTEND_FUZZ_DOCKERFILE"); f != "" {
		// One hand-written case (a minimized one), with no context files.
		df, err := os.ReadFile(f)
		require.NoError(t, err)
		n, cases = 1, []dfgen.Case{{Seed: seed, Dockerfile: strings.TrimPrefix(string(df), syntaxLine())}}
	}
	t.Logf("fuzz-squash: seed %d, %d cases, %d at a time", seed, n, parallel)
	results := make([]fuzzResult, n)
	start := time.Now()
	sem := make(chan struct{}, parallel)
	t.Run("cases", func(t *testing.T) {
		for i := range n {
			t.Run(fmt.Sprintf("case%d", i), func(t *testing.T) {
				t.Parallel()
				sem <- struct{}{}
				defer func() { <-sem }()
				results[i] = fuzzCase(t, seed, i, cases[i])
			})
		}
	})
	wall := time.Since(start)

	var d, u, bad, unfair, links int
	var build time.Duration
	for _, r := range results {
		build += r.took
		report := r.report(seed)
		switch {
		case r.invalid != "":
			bad++
		case r.stockVar != "":
			unfair++
		}
		if r.differs() {
			d++
		}
		if r.unstable != "" {
			u++
		}
		if r.moreLinks > 0 {
			links++
		}
		if report != "" {
			t.Log(report)
		}
	}
	t.Logf("fuzz-squash: %.1f s per case (4 builds; %.1f s of builds per case, %d at a time)",
		wall.Seconds()/float64(n), build.Seconds()/float64(n), parallel)
	if links > 0 {
		t.Logf("fuzz-squash: %d cases where the squashed image keeps hard links to lower-layer files that stock's layers write as copies (not counted)", links)
	}
	if bad > 0 || unfair > 0 {
		t.Errorf("fuzz-squash: %d cases the stock build failed (generator bug), %d with two stock digests (unfair comparison)", bad, unfair)
	}
	final := fmt.Sprintf("fuzz-squash: %d cases, %d differences, %d unstable digests (seed %d)", n, d, u, seed)
	if d > 0 || u > 0 {
		t.Error(final)
	} else {
		t.Log(final)
	}
}

// fuzzCase builds one case four times, all --no-cache: stock twice,
// squashed twice.
func fuzzCase(t *testing.T, seed int64, i int, c dfgen.Case) fuzzResult {
	start := time.Now()
	r := fuzzResult{index: i, c: c}
	dir := t.TempDir()
	if err := writeCase(dir, r.c); err != nil {
		r.invalid = err.Error()
		return r
	}
	tag := fmt.Sprintf("fuzzsquash/s%d:c%d", seed, i)
	stock := []string{"--opt", "cmdline=stock"}
	opt := []string{"--opt", "build-arg:BUILDKIT_OPT_SQUASH=true", "--opt", "build-arg:BUILDKIT_OPT_FALLBACK=off"}
	var digests [4]string
	for k, args := range [][]string{stock, opt, stock, opt} {
		name := fmt.Sprintf("%s-%s%d", tag, []string{"stock", "opt"}[k%2], k/2+1)
		d, out, err := fuzzBuild(t, dir, name, args)
		switch {
		case err != nil && k%2 == 0:
			r.invalid = fmt.Sprintf("stock build failed: %v\n%s", err, tail(out, 15))
			r.took = time.Since(start)
			return r
		case err != nil:
			r.optErr = fmt.Sprintf("%v\n%s", err, tail(out, 15))
			r.took = time.Since(start)
			return r
		}
		digests[k] = d
	}
	if digests[0] != digests[2] {
		r.stockVar = digests[0] + " " + digests[2]
	}
	if digests[1] != digests[3] {
		r.unstable = digests[1] + " " + digests[3]
	}
	a := exactFilesystem(t, image(t, ref(tag+"-stock1"), nil))
	b := exactFilesystem(t, image(t, ref(tag+"-opt1"), nil))
	paths, links := exactDiff(a, b)
	r.ndiff, r.moreLinks = len(paths), len(links)
	for _, p := range paths[:min(20, len(paths))] {
		d := fmt.Sprintf("  %s\n    stock:     %s\n    optimized: %s", p, describeExact(a, p), describeExact(b, p))
		if links := peersDiff(a[p], b[p]); links != "" {
			d += "\n    " + links
		}
		r.diff = append(r.diff, d)
	}
	r.took = time.Since(start)
	return r
}

func describeExact(fs map[string]linkedEntry, p string) string {
	if e, ok := fs[p]; ok {
		return e.String()
	}
	return "(absent)"
}

// fuzzBuild builds dir with buildctl and returns the image's manifest
// digest. The stock frontend ignores the `# syntax=` line (cmdline=stock);
// without that option the line selects optfrontend, as it does for buildx.
func fuzzBuild(t *testing.T, dir, name string, extra []string) (string, string, error) {
	meta := filepath.Join(t.TempDir(), "meta.json")
	args := append([]string{"build", "--frontend", "dockerfile.v0", "--no-cache",
		"--local", "context=" + dir, "--local", "dockerfile=" + dir,
		"--opt", "build-arg:SOURCE_DATE_EPOCH=" + fuzzEpoch,
		"--metadata-file", meta,
		"--output", "type=image,name=" + ref(name) + ",push=true,rewrite-timestamp=true"}, extra...)
	out, err := run(t.Context(), "", "buildctl", args...)
	if err != nil {
		return "", out, err
	}
	raw, err := os.ReadFile(meta)
	if err != nil {
		return "", out, err
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return "", out, err
	}
	d, _ := m["containerimage.digest"].(string)
	if d == "" {
		return "", out, fmt.Errorf("no containerimage.digest in %s", raw)
	}
	return d, out, nil
}

// writeCase writes the Dockerfile, with optfrontend's syntax line, and the
// context files with their modes.
func writeCase(dir string, c dfgen.Case) error {
	df := syntaxLine() + c.Dockerfile
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(df), 0o644); err != nil {
		return err
	}
	for p, f := range c.Context {
		full := filepath.Join(dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, f.Data, f.Mode); err != nil {
			return err
		}
		if err := os.Chmod(full, f.Mode); err != nil {
			return err
		}
	}
	return nil
}

// report is what a case found, "" when it found nothing.
func (r fuzzResult) report(seed int64) string {
	var b strings.Builder
	switch {
	case r.invalid != "":
		fmt.Fprintf(&b, "INVALID CASE (stock cannot build it): %s\n", r.invalid)
	case r.optErr != "":
		fmt.Fprintf(&b, "DIFFERENCE: the optimized build failed where stock built: %s\n", r.optErr)
	case r.ndiff > 0:
		fmt.Fprintf(&b, "DIFFERENCE: %d paths differ between stock and squashed (first %d):\n%s\n", r.ndiff, len(r.diff), strings.Join(r.diff, "\n"))
	}
	if r.unstable != "" {
		fmt.Fprintf(&b, "UNSTABLE DIGEST: two --no-cache squashed builds gave %s\n", r.unstable)
	}
	if r.stockVar != "" {
		fmt.Fprintf(&b, "STOCK NOT REPRODUCIBLE (comparison unfair): %s\n", r.stockVar)
	}
	if b.Len() == 0 {
		return ""
	}
	return fmt.Sprintf("--- case %d of seed %d (dfgen seed %d; kinds %s; rerun alone: OPTFRONTEND_FUZZ_SEED=%d OPTFRONTEND_FUZZ_N=1)\n%s--- Dockerfile:\n%s",
		r.index, seed, r.c.Seed, strings.Join(r.c.Kinds, ","), r.c.Seed, b.String(), r.c.Dockerfile)
}

func envInt(t *testing.T, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	v, err := strconv.Atoi(s)
	require.NoError(t, err, "%s", name)
	return v
}
