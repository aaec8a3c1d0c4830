package llbopt

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/moby/buildkit/solver/pb"
	capspb "github.com/moby/buildkit/util/apicaps/pb"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/org/optfrontend/internal/dftest"
)

func squash(t *testing.T, p Squash, dockerfile string) (*Graph, Report) {
	t.Helper()
	def, _ := dftest.Convert(t, dockerfile, "")
	g, err := Decode(def)
	require.NoError(t, err)
	if p.Caps == nil {
		p.Caps = dftest.AllCaps()
	}
	if p.Helper == "" {
		p.Helper = "org/optfrontend"
	}
	rep, err := p.Apply(context.Background(), g)
	require.NoError(t, err)
	require.NoError(t, g.Validate())
	return g, rep
}

func editLines(rep Report) []string {
	var out []string
	for _, e := range rep.Layers {
		out = append(out, fmt.Sprintf("%d-%d", e.Lines.Start, e.Lines.End))
	}
	return out
}

func messages(rep Report, changed bool) []string {
	var out []string
	for _, f := range rep.Findings {
		if f.Changed == changed {
			out = append(out, f.Message)
		}
	}
	return out
}

func TestSquashRuns(t *testing.T) {
	for _, tc := range []struct {
		name       string
		dockerfile string
		runs       []string // line ranges squashed into one layer each
		refusal    string   // a substring of the one refusal, if any
	}{
		{
			name:       "apt steps split, then removed",
			dockerfile: "FROM debian\nRUN apt-get update\nRUN apt-get install -y curl\nRUN apt-get install -y wget\nRUN apt-get clean\nRUN rm -rf /var/lib/apt/lists/*\n",
			runs:       []string{"2-6"},
		},
		{
			name:       "one RUN that cleans up after itself",
			dockerfile: "FROM debian\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\nCOPY . /app\n",
		},
		{
			name:       "nothing removed",
			dockerfile: "FROM python\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\nCMD [\"python\", \"app.py\"]\n",
		},
		{
			name:       "removal of files no step in the run made",
			dockerfile: "FROM debian\nCOPY . /app\nRUN rm -rf /var/lib/apt/lists/*\n",
		},
		{
			name:       "chown after a copy of the context leaves the copy its own layer",
			dockerfile: "FROM ubuntu\nRUN apt-get update && apt-get install -y python3-pip\nCOPY requirements.txt .\nRUN pip3 install -r requirements.txt\nCOPY . /app\nRUN useradd -m app && chown -R app:app /app\n",
			refusal:    "left the copy at line 5 its own layer",
		},
		{
			name:       "the run starts after the copy of the context when a later step made files too",
			dockerfile: "FROM debian\nRUN useradd -u 1000 app\nCOPY . /app\nRUN mkdir -p /data && echo a > /data/a\nRUN rm /data/a && chown -R app /app /data\n",
			runs:       []string{"4-5"},
			refusal:    "left the copy at line 3 its own layer",
		},
		{
			name:       "a copy of the context inside a run stays in it",
			dockerfile: "FROM debian\nRUN apt-get update\nCOPY . /src\nRUN apt-get install -y make && rm -rf /var/lib/apt/lists/*\n",
			runs:       []string{"2-4"},
		},
		{
			name:       "BUILDKIT_OPT_SQUASH-free: a COPY from another stage is not the user's files",
			dockerfile: "FROM debian AS b\nRUN echo x > /x\nFROM debian\nCOPY --from=b /x /app/x\nRUN chown -R 1000 /app\n",
			runs:       []string{"4-5"},
		},
		{
			name:       "download removed after unpacking",
			dockerfile: "FROM debian\nRUN curl -o /tmp/t.tgz https://example.com/t.tgz\nRUN tar -xzf /tmp/t.tgz -C /opt && rm /tmp/t.tgz\nCOPY . /src\n",
			runs:       []string{"2-3"},
		},
		{
			name:       "two runs, layers between kept",
			dockerfile: "FROM debian\nRUN curl -o /tmp/t.tgz https://example.com/t.tgz\nRUN tar -xzf /tmp/t.tgz -C /opt && rm /tmp/t.tgz\nCOPY . /src\nRUN apt-get update\nRUN apt-get install -y make\nRUN apt-get clean && rm -rf /var/lib/apt/lists/*\n",
			runs:       []string{"2-3", "5-7"},
		},
		{
			name:       "removal in a later stage of what an earlier stage made",
			dockerfile: "FROM debian AS base\nRUN apt-get update\nFROM base\nRUN rm -rf /var/lib/apt/lists/*\n",
			refusal:    "a stage starts between lines 2 and 4",
		},
		{
			name:       "COPY --link keeps the layers before it whole",
			dockerfile: "FROM debian\nRUN apt-get update\nCOPY --link a /a\nRUN rm -rf /var/lib/apt/lists/*\n",
			refusal:    "COPY --link",
		},
		{
			name:       "a script that does not parse never starts a run",
			dockerfile: "FROM debian\nRUN apt-get update\nRUN rm -rf /var/lib/apt/lists/* && (\n",
		},
		{
			name:       "rm in an echo is text",
			dockerfile: "FROM debian\nRUN apt-get update\nRUN echo rm -rf /var/lib/apt/lists/*\n",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, rep := squash(t, Squash{}, tc.dockerfile)
			require.Equal(t, tc.runs, editLines(rep))
			refusals := messages(rep, false)
			if tc.refusal == "" {
				require.Empty(t, refusals)
			} else {
				require.Len(t, refusals, 1)
				require.Contains(t, refusals[0], tc.refusal)
			}
		})
	}
}

func TestSquashAllIsOptIn(t *testing.T) {
	df := "FROM node AS build\nRUN npm ci\nFROM python\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\nCOPY --from=build /out /app/static\n"
	_, rep := squash(t, Squash{}, df)
	require.Empty(t, rep.Layers)
	_, rep = squash(t, Squash{All: true}, df)
	require.Equal(t, []string{"4-7"}, editLines(rep))
	require.Equal(t, []string{"COPY", "COPY", "RUN", "COPY"}, rep.Layers[0].Kinds)
	require.Equal(t, 4, rep.Layers[0].Merged)
}

// TestSquashNeedsDiffMergeAndHelper: without diff and merge ops, or
// without the frontend's image to run the helper from, no layer changes.
func TestSquashNeedsDiffMergeAndHelper(t *testing.T) {
	df := "FROM debian\nRUN apt-get update\nRUN rm -rf /var/lib/apt/lists/*\n"
	def, _ := dftest.Convert(t, df, "")
	var caps []*capspb.APICap
	for _, c := range pb.Caps.All() {
		if c.ID != string(pb.CapDiffOp) {
			caps = append(caps, c)
		}
	}
	noDiff := pb.Caps.CapSet(caps)
	all := dftest.AllCaps()
	for name, p := range map[string]Squash{
		"unknown caps":    {Helper: "org/optfrontend"},
		"no diff op":      {Caps: &noDiff, Helper: "org/optfrontend"},
		"no helper image": {Caps: all},
	} {
		t.Run(name, func(t *testing.T) {
			g, err := Decode(def)
			require.NoError(t, err)
			rep, err := p.Apply(context.Background(), g)
			require.NoError(t, err)
			require.Empty(t, rep.Layers)
			require.Len(t, rep.Findings, 1)
			require.Contains(t, rep.Findings[0].Message, "did not squash Dockerfile:2-3")
			out, err := g.Encode()
			require.NoError(t, err)
			require.True(t, proto.Equal(def, out), "the graph is unchanged")
		})
	}
}

func TestSquashIsDeterministic(t *testing.T) {
	df := "FROM debian\nRUN curl -o /tmp/t.tgz https://example.com/t.tgz\nRUN tar -xzf /tmp/t.tgz -C /opt && rm /tmp/t.tgz\nCOPY . /src\nRUN apt-get update\nRUN apt-get install -y make\nRUN apt-get clean && rm -rf /var/lib/apt/lists/*\n"
	requireStable(t, func() *Graph {
		g, _ := squash(t, Squash{}, df)
		return g
	})
}

// TestSquashGolden compares the squashed graph of each Dockerfile under
// testdata/squash/ with its want.txt.
func TestSquashGolden(t *testing.T) {
	eachGolden(t, "squash", func(t *testing.T, dir string) {
		dt, err := os.ReadFile(filepath.Join(dir, "Dockerfile"))
		require.NoError(t, err)
		g, rep := squash(t, Squash{}, string(dt))
		var got bytes.Buffer
		require.NoError(t, g.Dump(&got))
		for _, f := range rep.Findings {
			got.WriteString("# " + f.Message + "\n")
		}
		for _, e := range rep.Layers {
			fmt.Fprintf(&got, "# layers: %v, the first %d now one (%s)\n", e.Kinds, e.Merged, e.Lines)
		}
		golden(t, filepath.Join(dir, "want.txt"), got.Bytes())
	})
}

// TestSquashHelpersFollowNoCache: with --no-cache (every step ignores the
// cache) the helpers that write a run's net change ignore it too, so they
// never pair this build's states with an earlier build's results.
func TestSquashHelpersFollowNoCache(t *testing.T) {
	df := "FROM debian\nRUN apt-get update\nRUN rm -rf /var/lib/apt/lists/*\n"
	for _, noCache := range []bool{false, true} {
		def, _ := dftest.Convert(t, df, "")
		g, err := Decode(def)
		require.NoError(t, err)
		for _, n := range g.Nodes() {
			if n.Op.GetExec() != nil && n.Metadata != nil {
				n.Metadata.IgnoreCache = noCache
			}
		}
		rep, err := Squash{Caps: dftest.AllCaps(), Helper: "org/optfrontend"}.Apply(context.Background(), g)
		require.NoError(t, err)
		require.Len(t, rep.Layers, 1)
		helpers := 0
		for _, n := range g.Nodes() {
			if e := n.Op.GetExec(); e != nil && e.Meta.Args[0] == "/bin/optfrontend" {
				helpers++
				require.Equal(t, noCache, n.Metadata.IgnoreCache, "%v", e.Meta.Args)
			}
		}
		require.Equal(t, 2, helpers)
	}
}

// TestSquashExportsNoDiffOfAStockStep guards the way round the BuildKit
// defect of docs/buildkit-diff-chain.md: an exported diff of one of the
// Dockerfile's own steps takes that step's whole chain, and a later pull
// of the stock image may then come back as one layer. Whatever the runs,
// every diff among the image's layers must be over an op the pass added.
func TestSquashExportsNoDiffOfAStockStep(t *testing.T) {
	for _, tc := range []struct {
		name, dockerfile string
		all              bool
	}{
		{"run then later steps", "FROM debian\nRUN apt-get update\nRUN rm -rf /var/lib/apt/lists/*\nCOPY . /app\nRUN echo done > /done\n", false},
		{"two runs with steps between", "FROM debian\nRUN curl -o /tmp/t.tgz https://example.com/t.tgz\nRUN tar -xzf /tmp/t.tgz -C /opt && rm /tmp/t.tgz\nCOPY . /src\nRUN apt-get update\nRUN apt-get install -y make\nRUN apt-get clean && rm -rf /var/lib/apt/lists/*\nCOPY a /a\n", false},
		{"run at the end", "FROM debian\nRUN apt-get update\nRUN rm -rf /var/lib/apt/lists/*\n", false},
		{"squash all, stage after stage", "FROM debian AS base\nRUN echo a > /a\nRUN echo b > /b\nFROM base\nRUN echo c > /c\nRUN echo d > /d\nCOPY x /x\n", true},
		{"from scratch", "FROM scratch\nCOPY a /a\nCOPY b /b\nCOPY c /c\n", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			def, _ := dftest.Convert(t, tc.dockerfile, "")
			g, err := Decode(def)
			require.NoError(t, err)
			stock := map[*Node]bool{}
			for _, n := range g.Nodes() {
				stock[n] = true
			}
			stockOps := stockDigests(g)
			rep, err := Squash{All: tc.all, Caps: dftest.AllCaps(), Helper: "org/optfrontend"}.Apply(context.Background(), g)
			require.NoError(t, err)
			require.NoError(t, g.Validate())
			require.NotEmpty(t, rep.Layers, "the case must squash something")
			for _, d := range exportedDiffs(g.Terminal().Inputs[0]) {
				upper := d.Inputs[d.Op.GetDiff().Upper.Input].Node
				require.False(t, stock[upper], "the image exports a diff of the Dockerfile's step %v", upper.Op)
			}
			requireNoDiffOfStockOp(t, g, stockOps)
		})
	}
}

// stockDigests returns the digests of a graph's ops as the Dockerfile
// made them.
func stockDigests(g *Graph) map[string]bool {
	out := map[string]bool{}
	for _, n := range g.Nodes() {
		out[string(n.Digest())] = true
	}
	return out
}

// requireNoDiffOfStockOp fails when any diff of g, exported or only read by
// a helper, has for its upper an op with a digest of the Dockerfile's own
// graph: once BuildKit computes that diff's blobs (the history record's
// provenance does for every vertex) its record takes the chain of the
// stock step's image (fork.go).
func requireNoDiffOfStockOp(t *testing.T, g *Graph, stock map[string]bool) {
	t.Helper()
	_, err := g.Encode()
	require.NoError(t, err)
	diffs := 0
	for _, n := range g.Nodes() {
		d := n.Op.GetDiff()
		if d == nil || d.Upper == nil || d.Upper.Input < 0 {
			continue
		}
		diffs++
		upper := n.Inputs[d.Upper.Input].Node
		require.False(t, stock[string(upper.Digest())], "a diff reads the layer of the Dockerfile's own op %v", upper.Op)
	}
	require.NotZero(t, diffs, "the case must read some layer through a diff")
}

// exportedDiffs returns the diffs among the layers of the image e: through
// merges and down each state's chain, not into what execs only read.
func exportedDiffs(e Edge) []*Node {
	var out []*Node
	for e.Node != nil {
		switch op := e.Node.Op.Op.(type) {
		case *pb.Op_Merge:
			for _, in := range op.Merge.Inputs {
				out = append(out, exportedDiffs(e.Node.Inputs[in.Input])...)
			}
			return out
		case *pb.Op_Diff:
			return append(out, e.Node)
		}
		prev, ok := opInput(e)
		if !ok {
			return out
		}
		e = prev
	}
	return out
}
