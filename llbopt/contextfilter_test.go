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
		keeps            string // why the VCS directories (or the caches) are sent
	}{
		{"install by name", "FROM python\nWORKDIR /app\nCOPY . .\nRUN pip install flask==3.0.3 && python -m pip install gunicorn\n", withVCS, ""},
		{"npm without scripts and apt", "FROM node\nRUN apt-get update && apt-get install -y curl git\nCOPY . .\nRUN npm ci --ignore-scripts\n", withVCS, ""},
		{"removing .git", "FROM alpine\nCOPY . /src\nRUN rm -rf /src/.git && chmod -R a+r /src\n", withVCS, ""},
		{"files by name", "FROM alpine\nCOPY . /src\nRUN cat /src/a.txt > /b && cp /src/a.txt /c && test -f /src/.gitignore && ls /src\n", withVCS, ""},
		{"a requirements file", "FROM python\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n", nil, "requirements file that may install the project"},
		{"npm install scripts", "FROM node\nCOPY . .\nRUN npm ci\n", nil, "install scripts"},
		{"go build stamps VCS info", "FROM golang\nCOPY . .\nRUN go mod download\nRUN go build -o /app .\n", cacheDirs, "`go build -o /app .` stamps version-control information"},
		{"the project itself is installed", "FROM python\nCOPY . /src\nRUN pip install /src\n", nil, "installs the project"},
		{"a build script", "FROM node\nCOPY . .\nRUN npm run build\n", nil, "runs package scripts"},
		{"git itself", "FROM alpine\nCOPY . .\nRUN git describe > VERSION\n", nil, "`git describe` may read them"},
		{"cat of .git/HEAD", "FROM alpine\nCOPY . /src\nRUN cat /src/.git/HEAD > /REVISION\n", cacheDirs, "reads /src/.git/HEAD"},
		{"in a substitution", "FROM alpine\nCOPY . .\nRUN echo \"$(head -1 .git/HEAD)\" > /REVISION\n", cacheDirs, "reads .git/HEAD"},
		{"a redirection", "FROM alpine\nCOPY . .\nRUN read -r ref < .git/HEAD && echo $ref > /REVISION\n", nil, "may read them"},
		{"an input redirection", "FROM alpine\nCOPY . .\nRUN cat < .git/HEAD > /REVISION\n", cacheDirs, "names them in a way this pass does not follow"},
		{"a test", "FROM alpine\nCOPY . .\nRUN if [ -d .git ]; then echo git > /how; fi\n", cacheDirs, "reads .git"},
		{"a dot glob", "FROM alpine\nCOPY . /src\nRUN cp -r /src/.[a-z]* /dot\n", nil, "reads /src/.[a-z]*"},
		{"a recursive copy", "FROM alpine\nCOPY . /src\nRUN cp -a /src /copy\n", nil, "walks /src"},
		{"an archive", "FROM alpine\nCOPY . /src\nRUN tar czf /src.tgz -C /src .\n", nil, "walks"},
		{"a word from the build", "FROM alpine\nARG F\nCOPY . /src\nRUN cat /src/$F\n", nil, "known only when the build runs"},
		{"a script", "FROM alpine\nCOPY . /src\nRUN sh /src/build.sh\n", nil, "runs a script"},
		{"an unknown command", "FROM alpine\nCOPY . /src\nRUN make -C /src\n", nil, "`make -C /src` may read them"},
		{"COPY of .git/HEAD", "FROM alpine\nCOPY . /src\nCOPY .git/HEAD /REVISION\n", cacheDirs, "a copy of /.git/HEAD takes them"},
		{"COPY of a glob", "FROM alpine\nCOPY .g* /vcs/\n", cacheDirs, "a copy of /.g* takes them"},
		{"COPY from a stage", "FROM alpine AS b\nCOPY . /src\nFROM alpine\nCOPY --from=b /src/.git /git\n", cacheDirs, "a copy of /src/.git takes them"},
		{"a bind mount", "FROM alpine\nRUN --mount=type=bind,source=.git,target=/g echo hi\nCOPY . /src\n", cacheDirs, "the mount of /.git at /g"},
		// The tool caches and virtualenvs are kept in by the same rule.
		{"cat of .tox", "FROM alpine\nCOPY . .\nRUN cat .tox/report.txt > /report.txt\n", vcsDirs, "reads .tox/report.txt"},
		{"COPY of .venv", "FROM alpine\nCOPY .venv /venv\n", vcsDirs, "a copy of /.venv takes them"},
		{"a pyc by name", "FROM alpine\nCOPY . /src\nRUN cp /src/app.pyc /app.pyc\n", vcsDirs, "reads /src/app.pyc"},
		{"a shell glob of non-dot names", "FROM alpine\nCOPY . /src\nRUN cat /src/*/x.txt\n", vcsDirs, "reads /src/*/x.txt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			def, _ := dftest.Convert(t, tc.dockerfile, "")
			g, err := Decode(def)
			require.NoError(t, err)
			rep, err := ContextFilter{Caps: dftest.AllCaps()}.Apply(context.Background(), g)
			require.NoError(t, err)
			require.NoError(t, g.Validate())
			require.Equal(t, tc.want, contextExcludes(t, g))
			if tc.want == nil {
				// Both kinds are read: the context is sent whole, and the
				// report says why.
				require.Len(t, rep.Findings, 1)
				require.False(t, rep.Findings[0].Changed)
				require.Contains(t, rep.Findings[0].Message, tc.keeps)
				return
			}
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
