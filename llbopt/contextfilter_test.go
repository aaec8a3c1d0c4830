package llbopt

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	"github.com/stretchr/testify/require"

	"github.com/org/optfrontend/internal/dftest"
)

func contextExcludes(t *testing.T, g *Graph) []string {
	t.Helper()
	for _, n := range g.Nodes() {
		if src := n.Op.GetSource(); src != nil && src.Identifier == mainContext {
			v := src.Attrs[pb.AttrExcludePatterns]
			if v == "" {
				return nil
			}
			var out []string
			require.NoError(t, json.Unmarshal([]byte(v), &out))
			return out
		}
	}
	return nil
}

func TestContextFilter(t *testing.T) {
	withVCS := append(append([]string{}, vcsDirs...), cacheDirs...)
	for _, tc := range []struct {
		name, dockerfile string
		want             []string
		keeps            string // why the VCS directories are sent
	}{
		{"install from manifests", "FROM python\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n", withVCS, ""},
		{"npm and apt", "FROM node\nRUN apt-get update && apt-get install -y curl\nCOPY . .\nRUN npm ci\n", withVCS, ""},
		{"go build stamps VCS info", "FROM golang\nCOPY . .\nRUN go mod download\nRUN go build -o /app .\n", cacheDirs, "`go build -o /app .` stamps version-control information"},
		{"the project itself is installed", "FROM python\nCOPY . /src\nRUN pip install /src\n", cacheDirs, "installs the project"},
		{"a build script", "FROM node\nCOPY . .\nRUN npm ci && npm run build\n", cacheDirs, "runs package scripts"},
		{"git itself", "FROM alpine\nCOPY . .\nRUN git describe > VERSION\n", cacheDirs, "`git describe` may read them"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			def, _ := dftest.Convert(t, tc.dockerfile, "")
			g, err := Decode(def)
			require.NoError(t, err)
			rep, err := ContextFilter{Caps: dftest.AllCaps()}.Apply(context.Background(), g)
			require.NoError(t, err)
			require.NoError(t, g.Validate())
			require.Equal(t, tc.want, contextExcludes(t, g))
			require.True(t, rep.Findings[0].Changed)
			require.NotEmpty(t, rep.Findings[0].Node.Locations, "the report names the COPY's line")
			if tc.keeps != "" {
				require.Len(t, rep.Findings, 2)
				require.Contains(t, rep.Findings[1].Message, tc.keeps)
			} else {
				require.Len(t, rep.Findings, 1)
			}
		})
	}
}

func TestContextFilterLeavesADockerignoreAlone(t *testing.T) {
	def, _ := dftest.Convert(t, "FROM busybox\nCOPY . /app\n", "")
	g, err := Decode(def)
	require.NoError(t, err)
	for _, n := range g.Nodes() {
		if src := n.Op.GetSource(); src != nil && src.Identifier == mainContext {
			src.Attrs[pb.AttrExcludePatterns] = `["node_modules"]`
		}
	}
	rep, err := ContextFilter{Caps: dftest.AllCaps()}.Apply(context.Background(), g)
	require.NoError(t, err)
	require.Empty(t, rep.Findings)
	require.Equal(t, []string{"node_modules"}, contextExcludes(t, g))
}

// TestContextFiltersLeaveALoadAlone gives both context filters the graph
// the frontend solves to read .dockerignore before it converts the
// Dockerfile: the context alone, copied nowhere. They leave it as it is
// and report nothing (each finding would print twice, the first time with
// no line).
func TestContextFiltersLeaveALoadAlone(t *testing.T) {
	st := llb.Local("context", llb.FollowPaths([]string{".dockerignore"}), llb.SharedKeyHint("context-.dockerignore"))
	def, err := st.Marshal(context.Background())
	require.NoError(t, err)
	for _, p := range []Pass{ContextFilter{Caps: dftest.AllCaps()}, SecretFilter{Caps: dftest.AllCaps()}} {
		g, err := Decode(def.ToPB())
		require.NoError(t, err)
		rep, err := p.Apply(context.Background(), g)
		require.NoError(t, err)
		require.Empty(t, rep.Findings, p.Name())
		require.Empty(t, contextExcludes(t, g), p.Name())
	}
}
