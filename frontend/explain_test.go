package frontend

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/exporter/containerimage/exptypes"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	gwpb "github.com/moby/buildkit/frontend/gateway/pb"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
	"github.com/stretchr/testify/require"
	fstypes "github.com/tonistiigi/fsutil/types"

	"github.com/org/optfrontend/internal/dftest"
)

// fakeGateway is a daemon with no daemon: it serves the Dockerfile to the
// builder's reads, resolves every image to a one-layer config, and records
// any Dockerfile graph that reaches it, which Explain must never send.
type fakeGateway struct {
	dockerfile string
	opts       map[string]string

	mu       sync.Mutex
	solved   []*pb.Definition // Dockerfile graphs that reached the daemon
	forwards []string         // frontends the builder forwarded to
	warnings []string
}

func (g *fakeGateway) Solve(_ context.Context, req gwclient.SolveRequest) (*gwclient.Result, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if req.Frontend != "" {
		g.forwards = append(g.forwards, req.Frontend)
		return nil, errors.New("forwarding is not served here")
	}
	if req.Definition != nil && fromDockerfile(req.Definition) {
		g.solved = append(g.solved, req.Definition)
	}
	res := gwclient.NewResult()
	res.SetRef(fakeRef{dockerfile: g.dockerfile})
	return res, nil
}

func (g *fakeGateway) ResolveImageConfig(ctx context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	return dftest.OneLayerImages{}.ResolveImageConfig(ctx, ref, opt)
}

func (g *fakeGateway) ResolveSourceMetadata(context.Context, *pb.SourceOp, sourceresolver.Opt) (*sourceresolver.MetaResponse, error) {
	return nil, errors.New("not served here")
}

func (g *fakeGateway) BuildOpts() gwclient.BuildOpts {
	return gwclient.BuildOpts{
		Opts:    g.opts,
		Caps:    gwpb.Caps.CapSet(gwpb.Caps.All()),
		LLBCaps: *dftest.AllCaps(),
	}
}

func (g *fakeGateway) Inputs(context.Context) (map[string]llb.State, error) { return nil, nil }

func (g *fakeGateway) NewContainer(context.Context, gwclient.NewContainerRequest) (gwclient.Container, error) {
	return nil, errors.New("no containers here")
}

func (g *fakeGateway) Warn(_ context.Context, _ digest.Digest, msg string, _ gwclient.WarnOpts) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.warnings = append(g.warnings, msg)
	return nil
}

// fakeRef is a local source holding only the Dockerfile.
type fakeRef struct{ dockerfile string }

func (r fakeRef) ToState() (llb.State, error)    { return llb.Scratch(), nil }
func (r fakeRef) Evaluate(context.Context) error { return nil }

func (r fakeRef) ReadFile(_ context.Context, req gwclient.ReadRequest) ([]byte, error) {
	if req.Filename == "Dockerfile" {
		return []byte(r.dockerfile), nil
	}
	return nil, errors.New("no such file")
}

func (r fakeRef) StatFile(context.Context, gwclient.StatRequest) (*fstypes.Stat, error) {
	return nil, errors.New("not served here")
}

func (r fakeRef) ReadDir(context.Context, gwclient.ReadDirRequest) ([]*fstypes.Stat, error) {
	return nil, nil
}

const aptDockerfile = `# syntax=org/optfrontend
FROM debian:bookworm-slim
RUN apt-get update
RUN apt-get install -y curl
RUN rm -rf /var/lib/apt/lists/*
COPY tool /usr/local/bin/tool
`

func TestExplainSolvesNothing(t *testing.T) {
	g := &fakeGateway{dockerfile: aptDockerfile}
	findings, res, err := Explain(t.Context(), g)
	require.NoError(t, err)
	require.Empty(t, g.solved, "Explain sent the Dockerfile's graph to the daemon")
	require.Empty(t, g.forwards, "Explain followed the syntax line")
	require.Nil(t, res.Ref)
	require.Contains(t, res.Metadata, exptypes.ExporterImageConfigKey)
	require.Contains(t, res.Metadata, exptypes.ExporterImageBaseConfigKey)

	require.NotEmpty(t, findings)
	passes := map[string]bool{}
	lines := strings.Split(aptDockerfile, "\n")
	for _, f := range findings {
		passes[f.Pass] = true
		require.Equal(t, "Dockerfile", f.File, "%+v", f)
		require.GreaterOrEqual(t, f.EndLine, f.Line)
		require.Equal(t, strings.Join(lines[f.Line-1:f.EndLine], "\n"), f.Text)
	}
	require.True(t, passes["cachemount"], "%+v", findings)
	require.True(t, passes["squash"], "%+v", findings)
	for i := 1; i < len(findings); i++ {
		require.LessOrEqual(t, findings[i-1].Line, findings[i].Line, "findings out of Dockerfile order")
	}
}

func TestExplainMultiPlatform(t *testing.T) {
	single, _, err := Explain(t.Context(), &fakeGateway{dockerfile: aptDockerfile})
	require.NoError(t, err)
	g := &fakeGateway{dockerfile: aptDockerfile, opts: map[string]string{"platform": "linux/amd64,linux/arm64"}}
	multi, res, err := Explain(t.Context(), g)
	require.NoError(t, err)
	require.Empty(t, g.solved)
	require.Len(t, res.Refs, 2)
	for id, ref := range res.Refs {
		require.Nil(t, ref, id)
	}
	require.Equal(t, single, multi, "each platform's findings are listed once")
}

func TestExplainPassesOff(t *testing.T) {
	g := &fakeGateway{dockerfile: aptDockerfile, opts: map[string]string{"build-arg:" + BuildArgOpt: "off"}}
	findings, _, err := Explain(t.Context(), g)
	require.NoError(t, err)
	require.Empty(t, findings)
	require.Empty(t, g.solved)

	_, _, err = Explain(t.Context(), &fakeGateway{dockerfile: aptDockerfile, opts: map[string]string{"build-arg:" + BuildArgOpt: "nosuch"}})
	require.ErrorContains(t, err, BuildArgOpt)
}

func TestExplainReportsTheStockErrors(t *testing.T) {
	_, _, err := Explain(t.Context(), &fakeGateway{dockerfile: "FROM debian\nNOSUCHINSTRUCTION x\n"})
	require.ErrorContains(t, err, "unknown instruction")
}

func TestParseWarningReadsBackWhatBuildSends(t *testing.T) {
	findings, _, err := Explain(t.Context(), &fakeGateway{dockerfile: aptDockerfile})
	require.NoError(t, err)
	info := &pb.SourceInfo{Filename: "Dockerfile", Data: []byte(aptDockerfile)}
	for _, f := range findings {
		ranges := []*pb.Range{{Start: &pb.Position{Line: int32(f.Line)}, End: &pb.Position{Line: int32(f.EndLine)}}}
		got, ok := ParseWarning(f.Warning(), info, ranges)
		require.True(t, ok, f.Warning())
		want := f
		want.Changed = true
		require.Equal(t, want, got)
	}

	undo, ok := ParseWarning("optfrontend squash: undone, the image keeps the Dockerfile's layers: x (line 3)", nil, nil)
	require.True(t, ok)
	require.Equal(t, Finding{Pass: "squash", Message: "undone, the image keeps the Dockerfile's layers: x (line 3)", Changed: true}, undo)
	require.Empty(t, undo.Where())

	for _, other := range []string{
		"JSONArgsRecommended: JSON arguments recommended for CMD (line 7)",
		"optfrontend",
		"optfrontend : nothing",
		"optfrontend two words: message",
	} {
		_, ok := ParseWarning(other, info, nil)
		require.False(t, ok, other)
	}
}

func TestFromDockerfile(t *testing.T) {
	local, err := llb.Local("dockerfile", llb.FollowPaths([]string{"Dockerfile"})).Marshal(context.Background())
	require.NoError(t, err)
	require.False(t, fromDockerfile(local.ToPB()), "a read of the Dockerfile is no build")
	def, _ := dftest.Convert(t, "FROM debian\nRUN true\n", "")
	require.True(t, fromDockerfile(def))
	onlyFrom, _ := dftest.Convert(t, "FROM debian\n", "")
	require.True(t, fromDockerfile(onlyFrom), "a FROM has a Dockerfile location")
}

func TestFindingWhere(t *testing.T) {
	require.Equal(t, "Dockerfile:4", Finding{File: "Dockerfile", Line: 4, EndLine: 4}.Where())
	require.Equal(t, "Dockerfile:4-6", Finding{File: "Dockerfile", Line: 4, EndLine: 6}.Where())
	require.Equal(t, "optfrontend squash: x (line 4)", Finding{Pass: "squash", Message: "x", Line: 4}.Warning())
}
