package e2e

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/frontend/dockerfile/builder"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/secrets/secretsprovider"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
	"github.com/stretchr/testify/require"
	"github.com/tonistiigi/fsutil"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"

	"github.com/org/optfrontend/frontend"
	"github.com/org/optfrontend/llbopt"
)

// recorder sits between a frontend and the daemon and keeps what the
// frontend shows them: every definition it solves and every warning.
type recorder struct {
	gwclient.Client
	// evaluate makes every solve evaluate its result, as an export would:
	// in process nothing is exported, so a lazy solve never fails.
	evaluate bool
	mu       sync.Mutex
	defs     [][]byte
	warnings []string
}

func (r *recorder) Solve(ctx context.Context, req gwclient.SolveRequest) (*gwclient.Result, error) {
	if req.Definition != nil && req.Frontend == "" {
		dt, err := proto.MarshalOptions{Deterministic: true}.Marshal(req.Definition)
		if err != nil {
			return nil, err
		}
		r.mu.Lock()
		r.defs = append(r.defs, dt)
		r.mu.Unlock()
		req.Evaluate = req.Evaluate || r.evaluate
	}
	return r.Client.Solve(ctx, req)
}

func (r *recorder) Warn(ctx context.Context, dgst digest.Digest, msg string, opts gwclient.WarnOpts) error {
	loc, err := prototext.Marshal(&pb.Location{Ranges: opts.Range})
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.warnings = append(r.warnings, fmt.Sprintf("%s %s at %s", dgst, msg, loc))
	r.mu.Unlock()
	return r.Client.Warn(ctx, dgst, msg, opts)
}

// outcome is everything a frontend run shows the daemon and the user.
type outcome struct {
	defs     [][]byte          // definitions solved, sorted (platforms solve concurrently)
	metadata map[string][]byte // result metadata: image configs, subrequest results
	err      string
	sources  []*errdefs.Source
	warnings []string
}

// buildCase is one in-process build: a context directory, frontend
// options, and what the session must provide.
type buildCase struct {
	name    string
	dir     string
	attrs   map[string]string
	locals  map[string]string // extra local mounts: name -> dir
	secrets map[string][]byte
	want    string // what a stock run yields: "image", "result" (a subrequest's) or "error"
	// evaluate solves every result, so that a failing step fails the run.
	evaluate bool
	// status, when set, sees every progress update of the build.
	status func(*client.SolveStatus)
}

// frontendRun is one frontend and the options it adds to the build's.
type frontendRun struct {
	fn    gwclient.BuildFunc
	attrs map[string]string
}

// inProcess runs the frontends one after the other inside a single build on
// the real daemon, in this process (no image, no export), so that both see
// the same session, the same local sources and the same options.
func inProcess(t *testing.T, bc buildCase, runs ...frontendRun) []outcome {
	t.Helper()
	ctx := t.Context()
	c, err := client.New(ctx, bed.host)
	require.NoError(t, err)
	defer c.Close()

	mounts := map[string]fsutil.FS{}
	for name, dir := range map[string]string{"context": bc.dir, "dockerfile": bc.dir} {
		mounts[name] = mustFS(t, dir)
	}
	for name, dir := range bc.locals {
		mounts[name] = mustFS(t, dir)
	}
	attrs := map[string]string{
		"filename":                    "Dockerfile",
		"cmdline":                     "in-process", // build this Dockerfile, do not follow its syntax line
		"build-arg:SOURCE_DATE_EPOCH": "1700000000",
	}
	maps.Copy(attrs, bc.attrs)
	var attach []session.Attachable
	if bc.secrets != nil {
		attach = append(attach, secretsprovider.FromMap(bc.secrets))
	}

	outs := make([]outcome, len(runs))
	ch := make(chan *client.SolveStatus)
	drained := make(chan struct{})
	go func() {
		defer close(drained)
		for st := range ch {
			if bc.status != nil {
				bc.status(st)
			}
		}
	}()
	defer func() { <-drained }()
	_, err = c.Build(ctx, client.SolveOpt{LocalMounts: mounts, FrontendAttrs: attrs, Session: attach}, "", func(ctx context.Context, gc gwclient.Client) (*gwclient.Result, error) {
		for i, r := range runs {
			rec := &recorder{Client: withOpts{Client: gc, extra: r.attrs}, evaluate: bc.evaluate}
			res, err := r.fn(ctx, rec)
			outs[i] = newOutcome(rec, res, err)
		}
		return nil, nil
	}, ch)
	require.NoError(t, err)
	return outs
}

func newOutcome(rec *recorder, res *gwclient.Result, err error) outcome {
	out := outcome{defs: rec.defs, warnings: rec.warnings}
	if res != nil {
		out.metadata = res.Metadata
	}
	if err != nil {
		out.err = err.Error()
		out.sources = errdefs.Sources(err)
	}
	slices.SortFunc(out.defs, func(a, b []byte) int { return slices.Compare(a, b) })
	slices.Sort(out.warnings)
	return out
}

// withOpts adds frontend options to what BuildOpts reports.
type withOpts struct {
	gwclient.Client
	extra map[string]string
}

func (c withOpts) BuildOpts() gwclient.BuildOpts {
	o := c.Client.BuildOpts()
	o.Opts = maps.Clone(o.Opts)
	maps.Copy(o.Opts, c.extra)
	return o
}

func mustFS(t testing.TB, dir string) fsutil.FS {
	t.Helper()
	fs, err := fsutil.NewFS(dir)
	require.NoError(t, err)
	return fs
}

func stockFrontend(ctx context.Context, c gwclient.Client) (*gwclient.Result, error) {
	return builder.Build(ctx, c)
}

// TestPassesOffMatchesStock runs the stock Dockerfile frontend and
// optfrontend with BUILDKIT_OPT=off on the same inputs, in one build session,
// and requires the same graphs at the daemon, the same result (image config
// and history, subrequest output) and the same errors and warnings. Every
// graph the daemon saw must also survive llbopt's decode and encode
// unchanged, and the default passes must give the same graphs twice.
func TestPassesOffMatchesStock(t *testing.T) {
	td := func(name string) string { return filepath.Join("testdata", name) }
	cases := []buildCase{
		{name: "multistage", dir: td("multistage"), want: "image"},
		{name: "multistage/target", dir: td("multistage"), attrs: map[string]string{"target": "test", "build-arg:GREETING": "hi"}, want: "image"},
		{name: "targets", dir: td("multistage"), attrs: map[string]string{"requestid": "frontend.targets", "frontend.caps": "moby.buildkit.frontend.subrequests"}, want: "result"},
		{name: "outline", dir: td("multistage"), attrs: map[string]string{"requestid": "frontend.outline", "frontend.caps": "moby.buildkit.frontend.subrequests"}, want: "result"},
		{name: "check", dir: td("lint"), attrs: map[string]string{"requestid": "frontend.lint", "frontend.caps": "moby.buildkit.frontend.subrequests"}, want: "result"},
		{name: "lint-warnings", dir: td("lint"), want: "image"},
		{name: "broken", dir: td("broken"), want: "error"},
		{name: "platforms", dir: td("platforms"), attrs: map[string]string{"platform": "linux/amd64,linux/arm64"}, want: "image"},
		{name: "contexts", dir: td("contexts"),
			attrs:  map[string]string{"context:base": "docker-image://" + ref("library/busybox:latest"), "context:extra": "local:extra"},
			locals: map[string]string{"extra": td("contexts/extra")}, want: "image"},
		{name: "secret", dir: td("secret"), secrets: map[string][]byte{"token": []byte("s3cr3t")}, want: "image"},
	}
	for _, dir := range exampleDirs(t) {
		cases = append(cases, buildCase{name: "example/" + filepath.Base(dir), dir: dir, want: "image"})
	}
	for _, bc := range cases {
		t.Run(bc.name, func(t *testing.T) {
			outs := inProcess(t, bc,
				frontendRun{fn: stockFrontend},
				frontendRun{fn: frontend.Build, attrs: map[string]string{"build-arg:" + frontend.BuildArgOpt: "off"}},
				frontendRun{fn: frontend.Build},
				frontendRun{fn: frontend.Build})
			stock, opt := outs[0], outs[1]
			requireYields(t, bc.want, stock)
			// With the default passes, two runs on the same inputs must
			// give the same graphs: a digest that moves loses every cache hit.
			require.Equal(t, outs[2].defs, outs[3].defs, "default passes are not deterministic")
			require.Equal(t, outs[2].err, outs[3].err)
			require.Equal(t, stock.err, opt.err)
			require.Equal(t, len(stock.sources), len(opt.sources))
			for i := range stock.sources {
				require.True(t, proto.Equal(stock.sources[i], opt.sources[i]), "error source %d", i)
			}
			require.Equal(t, stock.warnings, opt.warnings)
			require.Equal(t, stock.metadata, opt.metadata)
			require.Equal(t, len(stock.defs), len(opt.defs), "number of graphs solved")
			for i := range stock.defs {
				require.Equal(t, render(t, stock.defs[i]), render(t, opt.defs[i]), "graph %d differs from stock", i)
			}
			for _, dt := range opt.defs {
				requireRoundTrip(t, dt)
			}
		})
	}
}

// requireYields makes sure a comparison is not vacuous: the stock run did
// what the case expects, so there is something to compare.
func requireYields(t *testing.T, want string, o outcome) {
	t.Helper()
	require.NotEmpty(t, o.defs, "the frontend solved nothing")
	switch want {
	case "image":
		require.Empty(t, o.err)
		require.True(t, slices.ContainsFunc(slices.Collect(maps.Keys(o.metadata)), func(k string) bool {
			return strings.HasPrefix(k, "containerimage.config")
		}), "no image config in %v", slices.Collect(maps.Keys(o.metadata)))
	case "result":
		require.Empty(t, o.err)
		require.NotEmpty(t, o.metadata["result.json"])
	case "error":
		require.NotEmpty(t, o.err)
		require.NotEmpty(t, o.sources, "the error has no Dockerfile location")
	default:
		t.Fatalf("unknown expectation %q", want)
	}
}

func requireRoundTrip(t *testing.T, dt []byte) {
	t.Helper()
	var def pb.Definition
	require.NoError(t, proto.Unmarshal(dt, &def))
	g, err := llbopt.Decode(&def)
	require.NoError(t, err)
	out, err := g.Encode()
	require.NoError(t, err)
	again, err := proto.MarshalOptions{Deterministic: true}.Marshal(out)
	require.NoError(t, err)
	require.Equal(t, dt, again, "decode+encode changed a graph")
}

// exampleDirs lists the examples, each a directory with a Dockerfile.
func exampleDirs(t testing.TB) []string {
	t.Helper()
	root := filepath.Join(bed.root, "examples")
	entries, err := os.ReadDir(root)
	require.NoError(t, err)
	var dirs []string
	for _, e := range entries {
		if _, err := os.Stat(filepath.Join(root, e.Name(), "Dockerfile")); err == nil {
			dirs = append(dirs, filepath.Join(root, e.Name()))
		}
	}
	require.NotEmpty(t, dirs)
	return dirs
}

// render prints a graph one op per line, for a readable diff.
func render(t *testing.T, dt []byte) string {
	t.Helper()
	var def pb.Definition
	require.NoError(t, proto.Unmarshal(dt, &def))
	g, err := llbopt.Decode(&def)
	require.NoError(t, err)
	var b strings.Builder
	for _, n := range g.Nodes() {
		fmt.Fprintf(&b, "%s %s meta=%s\n", n.Digest(), prototext.MarshalOptions{}.Format(n.Op), prototext.MarshalOptions{}.Format(n.Metadata))
	}
	return b.String()
}
