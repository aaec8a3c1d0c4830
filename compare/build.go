package compare

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/exporter/containerimage/exptypes"
	"github.com/tonistiigi/fsutil"

	"github.com/org/optfrontend/frontend"
)

// The two frontends compared.
const (
	Stock     = "stock"
	Optimized = "optimized"
)

// Build is one build's measurements.
type Build struct {
	// Frontend is Stock or Optimized.
	Frontend string `json:"frontend"`
	// Scenario names the scenario; "warm-up" for the unmeasured first
	// build of each frontend.
	Scenario string `json:"scenario"`
	// Round counts from 1; 0 for the warm-up.
	Round int `json:"round"`
	// Seconds is the build's wall time, from the request to the pushed
	// image.
	Seconds float64 `json:"seconds"`
	// ContextBytes is how many bytes of the build context BuildKit
	// received. BuildKit sends only what changed since the last build of
	// the same frontend in this run, so the warm-up gets the whole context.
	ContextBytes int64 `json:"contextBytes"`
	// Steps counts the steps that completed, Cached those of them that were
	// cache hits.
	Steps  int `json:"steps"`
	Cached int `json:"cached"`
	// Image is the pushed image, by tag and digest.
	Image string `json:"image"`
	// Size is the sum of the compressed layer sizes in its manifest, and
	// Layers their number.
	Size   int64 `json:"size"`
	Layers int   `json:"layers"`
}

// session is what every build of one comparison shares.
type session struct {
	c        *client.Client
	opts     Options
	ws       *workspace
	id       string // makes this run's context transfers its own
	frontend string // the frontend image, pinned by digest
	findings []frontend.Finding
}

// frontendAttrs returns the frontend and its options for one of the two
// frontends. Both get the same Dockerfile name, target and build args;
// optfrontend gets its own build args (the fixes) too. The cmdline option
// is what a frontend gets once BuildKit has followed a `# syntax=` line:
// with it, each frontend builds the Dockerfile itself instead of
// forwarding it to the frontend the syntax line names.
func (s *session) frontendAttrs(fe string) (string, map[string]string) {
	attrs := map[string]string{"filename": s.ws.filename}
	if s.opts.Target != "" {
		attrs["target"] = s.opts.Target
	}
	args := s.opts.BuildArgs
	if fe == Optimized {
		args = s.opts.optimizedArgs()
	}
	for k, v := range args {
		attrs["build-arg:"+k] = v
	}
	if fe == Stock {
		attrs["cmdline"] = "stock"
		return "dockerfile.v0", attrs
	}
	attrs["source"] = s.frontend
	attrs["cmdline"] = "optfrontend"
	return "gateway.v0", attrs
}

// mounts are the local sources the frontends read.
func (s *session) mounts() (map[string]fsutil.FS, error) {
	ctxFS, err := fsutil.NewFS(s.ws.context)
	if err != nil {
		return nil, fmt.Errorf("opening the build context: %w", err)
	}
	dfFS, err := fsutil.NewFS(s.ws.dockerfile)
	if err != nil {
		return nil, fmt.Errorf("opening the Dockerfile's directory: %w", err)
	}
	return map[string]fsutil.FS{"context": ctxFS, "dockerfile": dfFS}, nil
}

// build runs one build with one frontend, pushes its image and measures
// its time. Cold builds ignore the build cache.
func (s *session) build(ctx context.Context, fe string, sc Scenario, round int) (Build, error) {
	name, attrs := s.frontendAttrs(fe)
	if sc.NoCache {
		attrs["no-cache"] = ""
	}
	mounts, err := s.mounts()
	if err != nil {
		return Build{}, err
	}
	tag := fmt.Sprintf("%s:%s-%s", s.opts.Repo, fe, sc.Name)
	opt := client.SolveOpt{
		Frontend:      name,
		FrontendAttrs: attrs,
		LocalMounts:   mounts,
		Exports:       []client.ExportEntry{{Type: client.ExporterImage, Attrs: map[string]string{"name": tag, "push": "true"}}},
		// One key per frontend, so each receives the whole context once
		// and then only what changed, as two separate users would.
		SharedKey: s.id + "-" + fe,
	}
	label := fmt.Sprintf("%s %s round %d/%d", fe, sc.Name, round, s.opts.Rounds)
	if round == 0 {
		label = fe + " " + sc.Name
	}
	show, err := display(ctx, s.opts.Progress, s.opts.Display, label, s.opts.tally.next())
	if err != nil {
		return Build{}, err
	}
	w := newWatch(label, nil, true) // the display shows the steps
	var resp *client.SolveResponse
	var elapsed time.Duration
	err = w.follow(func(ch chan *client.SolveStatus) error {
		start := time.Now()
		var err error
		resp, err = s.c.Solve(ctx, nil, opt, ch)
		elapsed = time.Since(start)
		return err
	}, show)
	if err != nil {
		return Build{}, fmt.Errorf("%s build (%s): %w\n%s", fe, sc.Name, err, w.failure())
	}
	dgst := resp.ExporterResponse[exptypes.ExporterImageDigestKey]
	if dgst == "" {
		return Build{}, fmt.Errorf("%s build (%s): BuildKit pushed %s but returned no digest", fe, sc.Name, tag)
	}
	if fe == Optimized {
		s.addFindings(w)
	}
	b := Build{Frontend: fe, Scenario: sc.Name, Round: round, Seconds: elapsed.Seconds(), ContextBytes: w.contextBytes,
		Steps: w.steps, Cached: w.cached, Image: tag + "@" + dgst}
	if out := s.opts.lines(); out != nil {
		fmt.Fprintf(out, "%-28s %6.2fs  %d of %d steps cached\n", label, b.Seconds, b.Cached, b.Steps)
	}
	return b, nil
}

// addFindings keeps the passes' findings among an optimized build's
// warnings, each once.
func (s *session) addFindings(w *watch) {
	for _, vw := range w.warnings {
		f, ok := frontend.ParseWarning(string(vw.Short), vw.SourceInfo, vw.Range)
		if !ok {
			continue
		}
		if !slices.Contains(s.findings, f) {
			s.findings = append(s.findings, f)
		}
	}
}
