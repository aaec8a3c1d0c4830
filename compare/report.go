package compare

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/moby/buildkit/client"

	"github.com/org/optfrontend/frontend"
)

// Report is the outcome of one comparison.
type Report struct {
	// Name names the comparison, by default the context directory's name.
	Name string `json:"name"`
	// Context, Dockerfile, Target and BuildArgs are what was built.
	Context    string            `json:"context"`
	Dockerfile string            `json:"dockerfile"`
	Target     string            `json:"target,omitempty"`
	BuildArgs  map[string]string `json:"buildArgs,omitempty"`
	// Builder is the BuildKit address, BuilderVersion its version.
	Builder        string `json:"builder"`
	BuilderVersion string `json:"builderVersion,omitempty"`
	// FrontendImage is the optfrontend image the optimized builds ran.
	FrontendImage string `json:"frontendImage"`
	// FrontendDigest is the digest FrontendImage resolved to when the run
	// started; every optimized build ran the image by this digest.
	FrontendDigest string `json:"frontendDigest"`
	// Rounds is how many times each scenario ran.
	Rounds int `json:"rounds"`
	// Started is when the comparison started, in UTC.
	Started time.Time `json:"started"`
	// Touch is the file the source-change scenario changed, if any.
	Touch *Touch `json:"touch,omitempty"`
	// DepCmd is the dependency-change scenario's command, if any.
	DepCmd string `json:"depCmd,omitempty"`
	// Stock and Optimized are the images of the last cold round, measured
	// in the registry.
	Stock     *Image `json:"stock"`
	Optimized *Image `json:"optimized"`
	// Scenarios hold the wall times, in the order they ran.
	Scenarios []ScenarioResult `json:"scenarios"`
	// Changes are the passes' findings, read from the optimized builds'
	// warnings.
	Changes []frontend.Finding `json:"changes"`
	// Builds lists every build, in the order they ran.
	Builds []Build `json:"builds"`
	// Notes say what the numbers do not.
	Notes []string `json:"notes,omitempty"`
}

// ScenarioResult is one scenario's wall times.
type ScenarioResult struct {
	Scenario
	// Skipped says why the scenario did not run; empty when it ran.
	Skipped string `json:"skipped,omitempty"`
	// Stock and Optimized are each frontend's wall times.
	Stock     Series `json:"stock"`
	Optimized Series `json:"optimized"`
	// Ratio is the optimized median over the stock median.
	Ratio float64 `json:"ratio,omitempty"`
}

// Series is one frontend's wall times in a scenario.
type Series struct {
	// Seconds holds one wall time per round, in the order they ran.
	Seconds []float64 `json:"seconds"`
	// Median is their median.
	Median float64 `json:"median"`
}

// Run compares the stock frontend and optfrontend on the Dockerfile the
// options name, on the builder c is connected to.
func Run(ctx context.Context, c *client.Client, addr string, o Options) (*Report, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	if o.tally == nil {
		o.tally = newTally(o.lines(), 1, time.Now)
	}
	ws, err := newWorkspace(o)
	if err != nil {
		return nil, err
	}
	defer ws.Close()
	s := &session{c: c, opts: o, ws: ws, id: newID()}
	rep := &Report{Name: o.Name, Context: o.Context, Dockerfile: o.Dockerfile, Target: o.Target, BuildArgs: o.BuildArgs,
		Builder: addr, FrontendImage: o.FrontendImage, Rounds: o.Rounds, Started: time.Now().UTC(), DepCmd: o.DepCmd}
	if info, err := c.Info(ctx); err == nil {
		rep.BuilderVersion = info.BuildkitVersion.Version
	}
	if rep.FrontendDigest, err = resolveImage(ctx, c, o.FrontendImage); err != nil {
		return nil, err
	}
	// Every optimized build runs the image the tag names now, even if a
	// new one is pushed to the tag mid-run.
	s.frontend = pin(o.FrontendImage, rep.FrontendDigest)
	ex, err := Explain(ctx, c, ExplainOptions{Context: ws.context, Dockerfile: ws.dockerfilePath(), Target: o.Target, BuildArgs: o.optimizedArgs()})
	if err != nil {
		return nil, err
	}
	if rep.Touch, err = s.touch(); err != nil {
		return nil, err
	}
	scs := s.scenarios(rep.Touch)
	if err := o.Gate.checkScenarios(scs); err != nil {
		return nil, err
	}
	plan := s.plan(scs)
	o.tally.begin(o.Name, plan)
	if rep.Builds, err = s.runRounds(ctx, plan); err != nil {
		return nil, err
	}
	rep.Changes = s.findings
	rep.Scenarios = summarize(scs, rep.Builds)
	if err := rep.measure(ctx, ex.BaseDiffIDs); err != nil {
		return nil, err
	}
	rep.Notes = append(rep.Notes, o.Notes...)
	rep.addNotes(ex)
	return rep, nil
}

// dockerfilePath is the copy of the Dockerfile.
func (w *workspace) dockerfilePath() string { return filepath.Join(w.dockerfile, w.filename) }

// touch returns the file the source-change scenario changes: the one the
// options name, or one found in the context; nil when there is none.
func (s *session) touch() (*Touch, error) {
	if f := s.opts.Touch; f != "" {
		head, err := readHead(filepath.Join(s.ws.context, f))
		if err != nil {
			return nil, err
		}
		c, ok := CommentFor(f, head)
		if !ok {
			return nil, fmt.Errorf("touch file %s: cannot tell how a comment is written in it (known: source extensions and #! scripts)", f)
		}
		return &Touch{File: f, Comment: c}, nil
	}
	df, err := os.ReadFile(s.ws.dockerfilePath())
	if err != nil {
		return nil, fmt.Errorf("reading the Dockerfile: %w", err)
	}
	t, ok, err := DetectTouch(s.ws.context, df)
	if err != nil || !ok {
		return nil, err
	}
	return &t, nil
}

// FrontendRef is the frontend image the optimized builds ran, by digest.
func (r *Report) FrontendRef() string { return pin(r.FrontendImage, r.FrontendDigest) }

// summarize gathers each scenario's wall times and their medians.
func summarize(scs []Scenario, builds []Build) []ScenarioResult {
	var out []ScenarioResult
	for _, sc := range scs {
		r := ScenarioResult{Scenario: sc, Skipped: sc.skipped}
		for _, b := range builds {
			if b.Scenario != sc.Name {
				continue
			}
			if b.Frontend == Stock {
				r.Stock.Seconds = append(r.Stock.Seconds, b.Seconds)
			} else {
				r.Optimized.Seconds = append(r.Optimized.Seconds, b.Seconds)
			}
		}
		r.Stock.Median, r.Optimized.Median = median(r.Stock.Seconds), median(r.Optimized.Seconds)
		if r.Stock.Median > 0 {
			r.Ratio = r.Optimized.Median / r.Stock.Median
		}
		out = append(out, r)
	}
	return out
}

// median is the middle value, or the mean of the two middle ones; 0 for
// none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(xs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// measure reads every build's manifest, and the last cold images in full.
func (r *Report) measure(ctx context.Context, base []string) error {
	for i, b := range r.Builds {
		size, layers, err := manifestSize(ctx, b.Image)
		if err != nil {
			return err
		}
		r.Builds[i].Size, r.Builds[i].Layers = size, layers
	}
	for _, fe := range []string{Stock, Optimized} {
		last, first := r.lastBuild(fe, "cold"), r.lastBuild(fe, "warm-up")
		if last == nil {
			return fmt.Errorf("no cold %s build to measure", fe)
		}
		img, err := measure(ctx, last.Image, base)
		if err != nil {
			return err
		}
		if first != nil {
			img.ContextBytes = first.ContextBytes
		}
		if fe == Stock {
			r.Stock = img
		} else {
			r.Optimized = img
		}
	}
	return nil
}

// lastBuild is the last build of a frontend in a scenario, or nil.
func (r *Report) lastBuild(fe, scenario string) *Build {
	for i := len(r.Builds) - 1; i >= 0; i-- {
		if b := &r.Builds[i]; b.Frontend == fe && b.Scenario == scenario {
			return b
		}
	}
	return nil
}

// addNotes says what a reader of the numbers needs to know.
func (r *Report) addNotes(ex *Explanation) {
	r.Notes = append(r.Notes,
		"Wall times are medians over the rounds; each round builds stock, then optimized right after it, on the same builder.",
		"Image size is the sum of the compressed layer sizes in the pushed manifest; wasted bytes are uncompressed (layerstat).",
		"Context bytes are what BuildKit reported receiving (\"transferring context\") for each frontend's first build, which gets the whole context.",
		"Cold builds ignore the build cache (no-cache), not the content of cache mounts, which a builder keeps between builds.")
	for _, n := range r.skippedNotes() {
		r.Notes = append(r.Notes, "Skipped "+n+".")
	}
	if len(ex.BaseDiffIDs) > 0 && r.Stock != nil && r.Stock.BaseLayers == 0 {
		r.Notes = append(r.Notes, "The stock image does not start with its base image's layers, so every layer counts as its own.")
	}
	if !sameFindings(ex.Findings, r.Changes) {
		r.Notes = append(r.Notes, fmt.Sprintf("The frontend image %s reported other findings than this optctl's passes (%d vs %d): the image was built from other code than optctl.",
			r.FrontendRef(), len(r.Changes), len(ex.Findings)))
	}
}

// sameFindings compares findings by pass, message and line, since a
// warning does not say whether its finding changed the graph.
func sameFindings(a, b []frontend.Finding) bool {
	key := func(fs []frontend.Finding) []string {
		var out []string
		for _, f := range fs {
			out = append(out, fmt.Sprintf("%s:%d:%s", f.Pass, f.Line, f.Message))
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	return slices.Equal(key(a), key(b))
}

// newID returns a random id that keeps one run's context transfers and
// dependency changes apart from every other's.
func newID() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
