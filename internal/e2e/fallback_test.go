package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/buildkit/client"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/org/optfrontend/frontend"
	"github.com/org/optfrontend/llbopt"
)

// breakPass is a deliberately broken pass: it rewrites every RUN whose
// script holds marker into script (by default one that fails, as a pass
// defect would), naming allows as the differences from stock it explains.
type breakPass struct {
	marker, script string
	allows         []llbopt.Allow
}

func (breakPass) Name() string { return "broken" }

func (p breakPass) Apply(_ context.Context, g *llbopt.Graph) (llbopt.Report, error) {
	var rep llbopt.Report
	for _, n := range g.Nodes() {
		exec, ok := n.Op.Op.(*pb.Op_Exec)
		if !ok || !slices.ContainsFunc(exec.Exec.Meta.Args, func(a string) bool { return strings.Contains(a, p.marker) }) {
			continue
		}
		script := p.script
		if script == "" {
			script = "echo a command the user did not write; exit 7"
		}
		exec.Exec.Meta.Args = []string{"/bin/sh", "-c", script}
		rep.Findings = append(rep.Findings, llbopt.Finding{Node: n, Message: "broke this step", Changed: true, Allows: p.allows})
	}
	return rep, nil
}

// contextDir writes a build context: file name -> content.
func contextDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	return dir
}

var fallbackOff = map[string]string{"build-arg:" + frontend.BuildArgFallback: "off"}

// TestFallbackBuildsStockWhenAPassBreaksTheBuild injects a broken pass: with
// the fallback on (the default) the build succeeds with exactly the graph
// the stock frontend solves, and one warning names the pass and the line;
// with BUILDKIT_OPT_FALLBACK=off the optimized failure is the build's.
func TestFallbackBuildsStockWhenAPassBreaksTheBuild(t *testing.T) {
	dir := contextDir(t, map[string]string{"Dockerfile": "FROM busybox\nRUN echo one > /one\nRUN echo BREAKME > /two\n"})
	broken := frontend.BuildWith(breakPass{marker: "BREAKME"})
	outs := inProcess(t, buildCase{name: "fallback", dir: dir, evaluate: true},
		frontendRun{fn: stockFrontend},
		frontendRun{fn: broken},
		frontendRun{fn: broken, attrs: fallbackOff})
	stock, safe, off := outs[0], outs[1], outs[2]
	requireYields(t, "image", stock)
	require.Empty(t, safe.err)
	require.Equal(t, stock.metadata, safe.metadata, "the fallback's result is not stock's")
	require.Subset(t, safe.defs, stock.defs, "the fallback did not solve stock's graphs")
	var fell []string
	for _, w := range safe.warnings {
		if strings.Contains(w, "the optimized build failed") {
			fell = append(fell, w)
		}
	}
	require.Len(t, fell, 1, "warnings: %v", safe.warnings)
	require.Contains(t, fell[0], "broken at Dockerfile:3")
	require.Contains(t, fell[0], "exit code: 7")
	require.Contains(t, off.err, "exit code: 7", "with the fallback off the optimized failure must show")
}

// failingBuilds are Dockerfiles that fail with the stock frontend, each in
// its own way.
var failingBuilds = []struct {
	name  string
	files map[string]string
	// builtinWords: the in-process stock frontend, behind the gateway's
	// gRPC, words this error otherwise than the daemon's built-in one,
	// which optfrontend follows (TestErrorsMatchBuiltin compares them).
	builtinWords bool
}{
	{name: "unknown command", files: map[string]string{"Dockerfile": "FROM busybox\nRUN nosuchcommand --flag\n"}},
	{name: "failing step", files: map[string]string{"Dockerfile": "FROM busybox\nRUN echo a > /a\nRUN rm /a && exit 3\n"}},
	{name: "missing file", files: map[string]string{"Dockerfile": "FROM busybox\nCOPY nofile /x\n"}},
	{name: "missing stage", files: map[string]string{"Dockerfile": "FROM busybox\nCOPY --from=nosuchstage /a /a\n"}, builtinWords: true},
	{name: "bad mount flag", files: map[string]string{"Dockerfile": "FROM busybox\nRUN --mount=type=bogus true\n"}},
	{name: "unknown instruction", files: map[string]string{"Dockerfile": "FROM busybox\nFROMM busybox\n"}},
	{name: "empty base name", files: map[string]string{"Dockerfile": "FROM ${NOPE}\nRUN true\n"}},
	{name: "missing directory", files: map[string]string{"Dockerfile": "FROM busybox\nWORKDIR /app\nRUN cd /nonexistent && true\n"}},
	{name: "failing build stage", files: map[string]string{"Dockerfile": "FROM busybox AS a\nRUN false\nFROM busybox\nCOPY --from=a /x /x\n"}},
	{name: "failing heredoc", files: map[string]string{"Dockerfile": "FROM busybox\nRUN <<EOF\necho a > /a\nfalse\nEOF\n"}},
	{name: "failing install the passes rewrite", files: map[string]string{
		"Dockerfile": "FROM python:3.12-slim\nRUN pip install --no-cache-dir optfrontend-no-such-package-0\n"}},
	{name: "failing test after a cache step", files: map[string]string{
		"Dockerfile": "FROM golang:1.26\nWORKDIR /src\nCOPY . .\nRUN go vet ./...\n",
		"go.mod":     "module example.com/broken\n\ngo 1.26\n",
		"main.go":    "package main\n\nfunc main() { undefined() }\n"}},
	{name: "bad chmod", files: map[string]string{"Dockerfile": "FROM busybox\nCOPY --chmod=999 x /x\n", "x": "x"}},
}

// TestFailuresKeepStockErrors builds Dockerfiles that fail with the stock
// frontend and requires optfrontend, with its default passes and fallback,
// to fail with the very same error text and source lines.
func TestFailuresKeepStockErrors(t *testing.T) {
	for _, tc := range failingBuilds {
		t.Run(tc.name, func(t *testing.T) {
			outs := inProcess(t, buildCase{name: tc.name, dir: contextDir(t, tc.files), evaluate: true},
				frontendRun{fn: stockFrontend},
				frontendRun{fn: frontend.Build})
			stock, opt := outs[0], outs[1]
			requireYields(t, "error", stock)
			if tc.builtinWords {
				require.Contains(t, opt.err, strings.TrimPrefix(stock.err, "nosuchstage: "))
			} else {
				require.Equal(t, stock.err, opt.err)
			}
			require.Equal(t, len(stock.sources), len(opt.sources))
			for i := range stock.sources {
				require.True(t, proto.Equal(stock.sources[i], opt.sources[i]), "error source %d", i)
			}
			for _, w := range opt.warnings {
				require.NotContains(t, w, "optimized build failed", "a build that fails with stock must not mention the passes")
			}
		})
	}
}

// TestFallbackRunsAFailingStepOnce counts, in BuildKit's own progress
// stream, how often a failing step runs: when no pass changed the failing
// step or what it depends on, its error is stock's already and it runs
// once; when a pass changed what it depends on, the stock graph is tried
// too and it runs twice.
func TestFallbackRunsAFailingStepOnce(t *testing.T) {
	marker := fmt.Sprintf("count-%d", time.Now().UnixNano())
	failing := "RUN echo " + marker + " && exit 1\n"
	for _, tc := range []struct {
		name       string
		dockerfile string
		fn         gwclient.BuildFunc
		want       int
	}{
		{"unchanged", "FROM busybox\nRUN echo a > /a\nRUN rm /a\n" + failing, frontend.Build, 1},
		{"changed above", "FROM busybox\nRUN echo BREAKME > /a\n" + failing,
			frontend.BuildWith(breakPass{marker: "BREAKME", script: "echo changed > /a"}), 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			started := map[digest.Digest]bool{}
			bc := buildCase{name: tc.name, dir: contextDir(t, map[string]string{"Dockerfile": tc.dockerfile}), evaluate: true,
				status: func(st *client.SolveStatus) {
					mu.Lock()
					defer mu.Unlock()
					for _, v := range st.Vertexes {
						if strings.Contains(v.Name, marker) && v.Started != nil && !v.Cached {
							started[v.Digest] = true
						}
					}
				}}
			outs := inProcess(t, bc, frontendRun{fn: tc.fn})
			require.Contains(t, outs[0].err, "exit code: 1")
			mu.Lock()
			defer mu.Unlock()
			require.Len(t, started, tc.want, "runs of the failing step")
		})
	}
}

// layerLiar is a deliberately broken layer pass: it changes a step (an
// env var, harmless) and claims a layer edit the image's history cannot
// match, as a pass whose layer plan went wrong would.
type layerLiar struct{}

func (layerLiar) Name() string { return "layerliar" }

func (layerLiar) Apply(_ context.Context, g *llbopt.Graph) (llbopt.Report, error) {
	var rep llbopt.Report
	for _, n := range g.Nodes() {
		if exec, ok := n.Op.Op.(*pb.Op_Exec); ok {
			exec.Exec.Meta.Env = append(exec.Exec.Meta.Env, "LAYERLIAR=1")
			rep.Findings = append(rep.Findings, llbopt.Finding{Node: n, Message: "changed a step", Changed: true})
			kinds := slices.Repeat([]string{"RUN"}, 50)
			rep.Layers = append(rep.Layers, llbopt.LayerEdit{Kinds: kinds, Merged: 2})
			return rep, nil
		}
	}
	return rep, nil
}

// TestHistoryFallbackKeepsTheOtherPasses forces the history fallback: a
// layer edit the history cannot follow is undone by solving again with
// every pass but the one that made it, so what the other passes did (here
// secretfilter keeping .env out of the context) stays, and the warning
// names the pass.
func TestHistoryFallbackKeepsTheOtherPasses(t *testing.T) {
	dir := contextDir(t, map[string]string{
		"Dockerfile": "FROM busybox\nCOPY . /app\nRUN echo built > /built\n",
		".env":       "TOKEN=not-real\n",
		"app.txt":    "app\n",
	})
	outs := inProcess(t, buildCase{name: "history", dir: dir, evaluate: true},
		frontendRun{fn: frontend.BuildWith(layerLiar{})})
	out := outs[0]
	require.Empty(t, out.err)
	var undone []string
	for _, w := range out.warnings {
		if strings.Contains(w, "undone, the image keeps the Dockerfile's layers") {
			undone = append(undone, w)
		}
	}
	require.Len(t, undone, 1, "warnings: %v", out.warnings)
	require.Contains(t, undone[0], "optfrontend layerliar: undone")
	// The last graph solved is the one without the layer pass: no step
	// carries its env var, and the context still leaves .env out.
	var again string
	for _, dt := range out.defs {
		if r := render(t, dt); strings.Contains(r, "echo built") && !strings.Contains(r, "LAYERLIAR") {
			again = r
		}
	}
	require.NotEmpty(t, again, "no graph was solved without the layer pass")
	require.Contains(t, again, ".env", "the graph solved again lost secretfilter's exclude patterns")
}
