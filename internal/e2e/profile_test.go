package e2e

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/builder"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
	"github.com/stretchr/testify/require"
	"github.com/tonistiigi/fsutil"
	fstypes "github.com/tonistiigi/fsutil/types"

	"github.com/org/optfrontend/frontend"
)

// BenchmarkFrontendProfile runs the stock Dockerfile frontend and
// optfrontend in this process, inside one build on the test bed's daemon,
// on every example with nothing changed (every step a cache hit), and
// tells where optfrontend's extra time goes: its calls to the daemon
// (solves, file reads, image config lookups, warnings), each with how many
// there were, and its own work (conversion, checks, passes, encoding),
// which is the rest. Both frontends' results are evaluated, as an export
// would. Neither image is started, so the cost of starting a frontend
// image (BenchmarkRebuildNoChange's gateway column) is not in it. Not a
// pass/fail test:
//
//	go test -run '^$' -bench FrontendProfile -benchtime 9x ./internal/e2e
func BenchmarkFrontendProfile(b *testing.B) {
	rows := map[string]string{}
	for _, dir := range exampleDirs(b) {
		name := filepath.Base(dir)
		b.Run(name, func(b *testing.B) {
			stock, opt := &callTimes{}, &callTimes{}
			var st, ot []time.Duration
			profileRounds(b, dir, b.N, func(ctx context.Context, gc gwclient.Client, warm bool) {
				run := func(fn gwclient.BuildFunc, times *callTimes, into *[]time.Duration) {
					tc := &timedClient{Client: gc, times: times, skip: warm}
					start := time.Now()
					_, err := fn(ctx, tc)
					require.NoError(b, err, "%s", name)
					if !warm {
						*into = append(*into, time.Since(start))
					}
				}
				run(builder.Build, stock, &st)
				run(frontend.Build, opt, &ot)
			})
			ms, mo := median(st), median(ot)
			b.ReportMetric(0, "ns/op")
			b.ReportMetric(ms.Seconds()*1000, "stock-ms")
			b.ReportMetric(mo.Seconds()*1000, "optimized-ms")
			rows[name] = (fmt.Sprintf("| %s | %.1f | %.1f | %+.1f | %s | %s |", name,
				ms.Seconds()*1000, mo.Seconds()*1000, (mo-ms).Seconds()*1000,
				stock.summary(len(st)), opt.summary(len(ot))))
		})
	}
	if len(rows) > 0 {
		fmt.Fprintf(os.Stdout, "\n| example | stock ms | optfrontend ms | extra ms | stock's calls per build (count, ms) | optfrontend's calls per build (count, ms) |\n|---|---|---|---|---|---|\n")
		for _, name := range slices.Sorted(maps.Keys(rows)) {
			fmt.Fprintln(os.Stdout, rows[name])
		}
	}
}

// profileRounds runs one build of dir on the daemon and calls round once
// to warm both frontends (base images resolved, contexts sent), then n
// times.
func profileRounds(b *testing.B, dir string, n int, round func(ctx context.Context, gc gwclient.Client, warm bool)) {
	b.Helper()
	ctx := b.Context()
	c, err := client.New(ctx, bed.host)
	require.NoError(b, err)
	defer c.Close()
	attrs := map[string]string{"filename": "Dockerfile", "cmdline": "in-process"}
	mounts := map[string]fsutil.FS{"context": mustFS(b, dir), "dockerfile": mustFS(b, dir)}
	ch := make(chan *client.SolveStatus)
	go func() {
		for range ch {
		}
	}()
	_, err = c.Build(ctx, client.SolveOpt{LocalMounts: mounts, FrontendAttrs: attrs}, "", func(ctx context.Context, gc gwclient.Client) (*gwclient.Result, error) {
		round(ctx, gc, true)
		b.ResetTimer()
		for range n {
			round(ctx, gc, false)
		}
		return nil, nil
	}, ch)
	require.NoError(b, err)
}

// callTimes adds up, per kind of call to the daemon, how many a frontend
// made and how long they took.
type callTimes struct {
	mu    sync.Mutex
	count map[string]int
	total map[string]time.Duration
}

func (c *callTimes) add(kind string, d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.count == nil {
		c.count, c.total = map[string]int{}, map[string]time.Duration{}
	}
	c.count[kind]++
	c.total[kind] += d
}

// summary is each kind's count and time per build, over builds builds.
func (c *callTimes) summary(builds int) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if builds == 0 {
		return ""
	}
	var kinds []string
	for k := range c.count {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	var parts []string
	for _, k := range kinds {
		parts = append(parts, fmt.Sprintf("%s %.1f, %.1f", k, float64(c.count[k])/float64(builds),
			c.total[k].Seconds()*1000/float64(builds)))
	}
	return strings.Join(parts, "; ")
}

// timedClient times a frontend's calls to the daemon, and its references'.
// Its results are only for the frontend that asked: they cannot be
// returned to the daemon, which knows its own references only.
type timedClient struct {
	gwclient.Client
	times *callTimes
	skip  bool // a warm-up round: time nothing
}

func (c *timedClient) note(kind string, start time.Time) {
	if !c.skip {
		c.times.add(kind+caller(), time.Since(start))
	}
}

// caller names the function of optfrontend's own code that made the call,
// a pass's where a pass asked, "" for the stock builder's.
func caller() string {
	pcs := make([]uintptr, 48)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(3, pcs)])
	first := ""
	for {
		f, more := frames.Next()
		name := strings.TrimPrefix(f.Function, "github.com/org/optfrontend/")
		switch {
		case name == f.Function || strings.HasPrefix(name, "internal/e2e."):
		case strings.HasPrefix(name, "llbopt."):
			return " (" + name + ")"
		case first == "":
			first = name
		}
		if !more {
			break
		}
	}
	if first == "" {
		return ""
	}
	return " (" + first + ")"
}

func (c *timedClient) Solve(ctx context.Context, req gwclient.SolveRequest) (*gwclient.Result, error) {
	defer c.note("solve", time.Now())
	// An export evaluates the result; so does optfrontend's fallback.
	req.Evaluate = true
	res, err := c.Client.Solve(ctx, req)
	if err != nil || res == nil {
		return res, err
	}
	out := gwclient.NewResult()
	out.Metadata = res.Metadata
	if res.Ref != nil {
		out.SetRef(&timedRef{Reference: res.Ref, c: c})
	}
	for k, r := range res.Refs {
		out.AddRef(k, &timedRef{Reference: r, c: c})
	}
	return out, nil
}

func (c *timedClient) ResolveImageConfig(ctx context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	defer c.note("image-config", time.Now())
	return c.Client.ResolveImageConfig(ctx, ref, opt)
}

func (c *timedClient) ResolveSourceMetadata(ctx context.Context, op *pb.SourceOp, opt sourceresolver.Opt) (*sourceresolver.MetaResponse, error) {
	defer c.note("source-metadata", time.Now())
	return c.Client.ResolveSourceMetadata(ctx, op, opt)
}

func (c *timedClient) Warn(ctx context.Context, dgst digest.Digest, msg string, opts gwclient.WarnOpts) error {
	defer c.note("warn", time.Now())
	return c.Client.Warn(ctx, dgst, msg, opts)
}

// timedRef times reads of a solved state.
type timedRef struct {
	gwclient.Reference
	c *timedClient
}

func (r *timedRef) ReadFile(ctx context.Context, req gwclient.ReadRequest) ([]byte, error) {
	defer r.c.note("read", time.Now())
	return r.Reference.ReadFile(ctx, req)
}

func (r *timedRef) StatFile(ctx context.Context, req gwclient.StatRequest) (*fstypes.Stat, error) {
	defer r.c.note("read", time.Now())
	return r.Reference.StatFile(ctx, req)
}

func (r *timedRef) ReadDir(ctx context.Context, req gwclient.ReadDirRequest) ([]*fstypes.Stat, error) {
	defer r.c.note("read", time.Now())
	return r.Reference.ReadDir(ctx, req)
}

func (r *timedRef) Evaluate(ctx context.Context) error {
	defer r.c.note("evaluate", time.Now())
	return r.Reference.Evaluate(ctx)
}
