package llbopt

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
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

// builtOnly makes a Dockerfile's stages a build stage whose context files
// the image that ships does not hold: its first stage works in /w, and a
// final stage copies only /out from its last stage.
func builtOnly(df string) string {
	first, rest, _ := strings.Cut(df, "\n")
	last := strings.Count(df, "FROM ") - 1
	return first + "\nWORKDIR /w\n" + rest + fmt.Sprintf("FROM busybox\nCOPY --from=%d /out /out\n", last)
}

// TestContextFilter: what a step reads is kept in the context. Each row is
// built by builtOnly, so that only the reads decide.
func TestContextFilter(t *testing.T) {
	all := append(append(append([]string{}, vcsDirs...), cacheDirs...), envDirs...)
	noVCS := append(append([]string{}, cacheDirs...), envDirs...)
	for _, tc := range []struct {
		name, dockerfile string
		want             []string
		keeps            string // why the VCS directories (or the caches) are sent
	}{
		{"install by name", "FROM python\nWORKDIR /app\nCOPY . .\nRUN pip install flask==3.0.3 && python -m pip install gunicorn\n", all, ""},
		{"npm without scripts and apt", "FROM node\nRUN apt-get update && apt-get install -y curl git\nCOPY . .\nRUN npm ci --ignore-scripts\n", all, ""},
		{"removing .git", "FROM alpine\nCOPY . /src\nRUN rm -rf /src/.git && chmod -R a+r /src\n", all, ""},
		{"files by name", "FROM alpine\nCOPY . /src\nRUN cat /src/a.txt > /b && cp /src/a.txt /c && test -f /src/.gitignore && ls /src\n", all, ""},
		{"a requirements file", "FROM python\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n", nil, "requirements file that may install the project"},
		{"npm install scripts", "FROM node\nCOPY . .\nRUN npm ci\n", nil, "install scripts"},
		{"go build stamps VCS info", "FROM golang\nCOPY . .\nRUN go mod download\nRUN go build -o /app .\n", noVCS, "`go build -o /app .` stamps version-control information"},
		{"the project itself is installed", "FROM python\nCOPY . /src\nRUN pip install /src\n", nil, "installs the project"},
		{"a build script", "FROM node\nCOPY . .\nRUN npm run build\n", nil, "runs package scripts"},
		{"git itself", "FROM alpine\nCOPY . .\nRUN git describe > VERSION\n", nil, "`git describe` may read them"},
		{"cat of .git/HEAD", "FROM alpine\nCOPY . /src\nRUN cat /src/.git/HEAD > /REVISION\n", noVCS, "reads /src/.git/HEAD"},
		{"in a substitution", "FROM alpine\nCOPY . .\nRUN echo \"$(head -1 .git/HEAD)\" > /REVISION\n", noVCS, "reads .git/HEAD"},
		{"a redirection", "FROM alpine\nCOPY . .\nRUN read -r ref < .git/HEAD && echo $ref > /REVISION\n", nil, "may read them"},
		{"an input redirection", "FROM alpine\nCOPY . .\nRUN cat < .git/HEAD > /REVISION\n", noVCS, "names them in a way this pass does not follow"},
		{"a test", "FROM alpine\nCOPY . .\nRUN if [ -d .git ]; then echo git > /how; fi\n", noVCS, "reads .git"},
		{"a dot glob", "FROM alpine\nCOPY . /src\nRUN cp -r /src/.[a-z]* /dot\n", nil, "reads /src/.[a-z]*"},
		{"a recursive copy", "FROM alpine\nCOPY . /src\nRUN cp -a /src /copy\n", nil, "walks /src"},
		{"an archive", "FROM alpine\nCOPY . /src\nRUN tar czf /src.tgz -C /src .\n", nil, "walks"},
		{"a word from the build", "FROM alpine\nARG F\nCOPY . /src\nRUN cat /src/$F\n", nil, "known only when the build runs"},
		{"a script", "FROM alpine\nCOPY . /src\nRUN sh /src/build.sh\n", nil, "runs a script"},
		{"an unknown command", "FROM alpine\nCOPY . /src\nRUN make -C /src\n", nil, "`make -C /src` may read them"},
		{"COPY of .git/HEAD", "FROM alpine\nCOPY . /src\nCOPY .git/HEAD /REVISION\n", noVCS, "a copy of /.git/HEAD takes them"},
		{"COPY of a glob", "FROM alpine\nCOPY .g* /vcs/\n", noVCS, "a copy of /.g* takes them"},
		{"COPY from a stage", "FROM alpine AS b\nCOPY . /src\nFROM alpine\nCOPY --from=b /src/.git /git\nRUN cat /git/HEAD > /out\n", noVCS, "a copy of /src/.git takes them"},
		{"a bind mount", "FROM alpine\nRUN --mount=type=bind,source=.git,target=/g echo hi\nCOPY . /src\n", noVCS, "the mount of /.git at /g"},
		// The tool caches and virtualenvs are kept in by the same rule.
		{"cat of .tox", "FROM alpine\nCOPY . .\nRUN cat .tox/report.txt > /report.txt\n", vcsDirs, "reads .tox/report.txt"},
		{"COPY of .venv", "FROM alpine\nCOPY .venv /venv\n", vcsDirs, "a copy of /.venv takes them"},
		{"a pyc by name", "FROM alpine\nCOPY . /src\nRUN cp /src/app.pyc /app.pyc\n", vcsDirs, "reads /src/app.pyc"},
		{"a shell glob of non-dot names", "FROM alpine\nCOPY . /src\nRUN cat /src/*/x.txt\n", vcsDirs, "reads /src/*/x.txt"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			def, _ := dftest.Convert(t, builtOnly(tc.dockerfile), "")
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

// TestContextFilterWhatShips: version-control directories, virtualenvs and
// compiled Python files that the image that ships may hold are sent (a
// program may read them when it runs, adversarial case
// adv-cs-leftovers-runtime-git); caches are left out wherever they go.
// The vcsdirs fix leaves version control out anyway.
func TestContextFilterWhatShips(t *testing.T) {
	all := append(append(append([]string{}, vcsDirs...), cacheDirs...), envDirs...)
	for _, tc := range []struct {
		name, dockerfile string
		vcsFix           bool
		want             []string
		keeps            string // why what ships is sent; "" when nothing ships
	}{
		{"one stage", "FROM python\nWORKDIR /app\nCOPY . .\nCMD [\"python\", \"app.py\"]\n", false, cacheDirs, "COPY puts it in /app at line 3"},
		{"one stage, vcsdirs", "FROM python\nWORKDIR /app\nCOPY . .\n", true, append(append([]string{}, vcsDirs...), cacheDirs...), "COPY puts it in /app at line 3"},
		{"a built file", "FROM golang AS b\nWORKDIR /src\nCOPY . .\nRUN echo built > /out/app\nFROM scratch\nCOPY --from=b /out/app /app\n", false, all, ""},
		{"a tree copied from the context's place", "FROM node AS b\nWORKDIR /src\nCOPY . .\nRUN npm ci --ignore-scripts\nFROM node\nCOPY --from=b /src/dist /app\n", false, cacheDirs, "COPY puts it in /app at line 6"},
		{"a parent of the context's place", "FROM node AS b\nCOPY . /src/app\nFROM node\nCOPY --from=b /src /srv\n", false, cacheDirs, "COPY puts it in /srv at line 4"},
		{"a glob over it", "FROM node AS b\nCOPY . /src\nFROM node\nCOPY --from=b /sr* /srv/\n", false, cacheDirs, "COPY puts it in /srv"},
		{"through a middle stage", "FROM alpine AS a\nCOPY . /src\nFROM alpine AS b\nCOPY --from=a /src /mid\nFROM alpine\nCOPY --from=b /mid/x /x\n", false, cacheDirs, "COPY puts it in /x at line 6"},
		{"a middle stage that moves it elsewhere", "FROM alpine AS a\nCOPY . /src\nFROM alpine AS b\nCOPY --from=a /src /mid\nFROM alpine\nCOPY --from=b /usr/bin /x\n", false, all, ""},
		{"a stage built on the context's stage", "FROM alpine AS a\nCOPY . /src\nFROM a\nRUN echo hi > /hi\n", false, cacheDirs, "COPY puts it in /src at line 2"},
		{"COPY --link", "FROM alpine AS a\nCOPY . /src\nFROM alpine\nCOPY --link --from=a /src /app\n", false, cacheDirs, "the stage is built on a state that holds it"},
		{"a bind mount, nothing copied", "FROM alpine\nRUN --mount=type=bind,target=/ctx echo built > /out\n", false, all, ""},
		{"straight from the context", "FROM alpine\nCOPY app.py /app/\n", false, cacheDirs, "COPY puts it in /app"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			def, _ := dftest.Convert(t, tc.dockerfile, "")
			g, err := Decode(def)
			require.NoError(t, err)
			rep, err := ContextFilter{Caps: dftest.AllCaps(), VCS: tc.vcsFix}.Apply(context.Background(), g)
			require.NoError(t, err)
			require.NoError(t, g.Validate())
			require.Equal(t, tc.want, contextExcludes(t, g))
			var msgs []string
			for _, f := range rep.Findings {
				msgs = append(msgs, f.Message)
			}
			joined := strings.Join(msgs, "\n")
			if tc.keeps == "" {
				require.NotContains(t, joined, "the image that ships")
				return
			}
			require.Contains(t, joined, "the image that ships may hold them")
			require.Contains(t, joined, tc.keeps)
			require.Equal(t, !tc.vcsFix, strings.Contains(joined, "BUILDKIT_OPT_FIX=vcsdirs leaves them out"))
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
