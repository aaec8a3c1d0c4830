package e2e

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/frontend/dockerfile/builder"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/session"
	"github.com/moby/buildkit/session/secrets/secretsprovider"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/pb"
	"github.com/stretchr/testify/require"
	"github.com/tonistiigi/fsutil"
	"google.golang.org/protobuf/proto"

	"github.com/org/optfrontend/frontend"
	"github.com/org/optfrontend/llbopt"
)

// recorder sits between a frontend and the daemon and keeps every
// definition that reaches the daemon and the result's metadata.
type recorder struct {
	gwclient.Client
	mu   sync.Mutex
	defs [][]byte
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
	}
	return r.Client.Solve(ctx, req)
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
}

// inProcess runs fn as the frontend of a build on the real daemon, in this
// process: no image, no export.
func inProcess(t *testing.T, bc buildCase, fn gwclient.BuildFunc) outcome {
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

	var out outcome
	rec := &recorder{}
	ch := make(chan *client.SolveStatus)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for st := range ch {
			for _, w := range st.Warnings {
				out.warnings = append(out.warnings, string(w.Short))
			}
		}
	}()
	_, err = c.Build(ctx, client.SolveOpt{LocalMounts: mounts, FrontendAttrs: attrs, Session: attach}, "", func(ctx context.Context, gc gwclient.Client) (*gwclient.Result, error) {
		rec.Client = gc
		res, err := fn(ctx, rec)
		if res != nil {
			out.metadata = maps.Clone(res.Metadata)
		}
		return res, err
	}, ch)
	<-done
	if err != nil {
		out.err = err.Error()
		out.sources = errdefs.Sources(err)
	}
	out.defs = rec.defs
	slices.SortFunc(out.defs, func(a, b []byte) int { return slices.Compare(a, b) })
	slices.Sort(out.warnings)
	return out
}

func mustFS(t *testing.T, dir string) fsutil.FS {
	t.Helper()
	fs, err := fsutil.NewFS(dir)
	require.NoError(t, err)
	return fs
}

func stockFrontend(ctx context.Context, c gwclient.Client) (*gwclient.Result, error) {
	return builder.Build(ctx, c)
}

// TestPassesOffMatchesStock runs the stock Dockerfile frontend and
// optfrontend with BUILDKIT_OPT=off on the same inputs, in one process, and
// requires the same graphs at the daemon, the same result (image config and
// history, subrequest output) and the same errors and warnings. Every graph
// the daemon saw must also survive llbopt's decode and encode unchanged.
func TestPassesOffMatchesStock(t *testing.T) {
	td := func(name string) string { return filepath.Join("testdata", name) }
	cases := []buildCase{
		{name: "multistage", dir: td("multistage")},
		{name: "multistage/target", dir: td("multistage"), attrs: map[string]string{"target": "test", "build-arg:GREETING": "hi"}},
		{name: "targets", dir: td("multistage"), attrs: map[string]string{"requestid": "frontend.targets", "frontend.caps": "moby.buildkit.frontend.subrequests"}},
		{name: "outline", dir: td("multistage"), attrs: map[string]string{"requestid": "frontend.outline", "frontend.caps": "moby.buildkit.frontend.subrequests"}},
		{name: "check", dir: td("lint"), attrs: map[string]string{"requestid": "frontend.lint", "frontend.caps": "moby.buildkit.frontend.subrequests"}},
		{name: "lint-warnings", dir: td("lint")},
		{name: "broken", dir: td("broken")},
		{name: "platforms", dir: td("platforms"), attrs: map[string]string{"platform": "linux/amd64,linux/arm64"}},
		{name: "contexts", dir: td("contexts"),
			attrs:  map[string]string{"context:base": "docker-image://" + ref("library/busybox:latest"), "context:extra": "local:extra"},
			locals: map[string]string{"extra": td("contexts/extra")}},
		{name: "secret", dir: td("secret"), secrets: map[string][]byte{"token": []byte("s3cr3t")}},
	}
	for _, dir := range exampleDirs(t) {
		cases = append(cases, buildCase{name: "example/" + filepath.Base(dir), dir: dir})
	}
	for _, bc := range cases {
		t.Run(bc.name, func(t *testing.T) {
			stock := inProcess(t, bc, stockFrontend)
			offCase := bc
			offCase.attrs = maps.Clone(bc.attrs)
			if offCase.attrs == nil {
				offCase.attrs = map[string]string{}
			}
			offCase.attrs["build-arg:"+frontend.BuildArgOpt] = "off"
			opt := inProcess(t, offCase, frontend.Build)

			require.Equal(t, stock.err, opt.err)
			require.Equal(t, len(stock.sources), len(opt.sources))
			for i := range stock.sources {
				require.True(t, proto.Equal(stock.sources[i], opt.sources[i]), "error source %d", i)
			}
			require.Equal(t, stock.warnings, opt.warnings)
			require.Equal(t, stock.metadata, opt.metadata)
			require.Equal(t, len(stock.defs), len(opt.defs), "number of graphs solved")
			for i := range stock.defs {
				require.Equal(t, stock.defs[i], opt.defs[i], "graph %d differs from stock", i)
			}
			for _, dt := range opt.defs {
				requireRoundTrip(t, dt)
			}
		})
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
