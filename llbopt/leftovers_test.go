package llbopt

import (
	"context"
	"testing"

	"github.com/moby/buildkit/solver/pb"
	"github.com/stretchr/testify/require"

	"github.com/org/optfrontend/internal/dftest"
)

// copyExcludes returns the exclude patterns of every copy in the graph, by
// copy source.
func copyExcludes(g *Graph) map[string][]string {
	out := map[string][]string{}
	for _, n := range g.Nodes() {
		for _, a := range n.Op.GetFile().GetActions() {
			if cp := a.GetCopy(); cp != nil {
				out[cp.Src] = cp.ExcludePatterns
			}
		}
	}
	return out
}

func TestLeftovers(t *testing.T) {
	all := []string{"**/.cache/pip", "**/.npm/_cacache", "**/.cache/yarn", "**/node_modules/.cache", "**/.cache/go-build"}
	for _, tc := range []struct {
		name       string
		dockerfile string
		pruned     map[string][]string // copy source -> exclude patterns after the pass
		refusal    string
	}{
		{
			name:       "copy of a builder tree into the final stage",
			dockerfile: "FROM node AS build\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm run build\nFROM node\nCOPY --from=build /app /app\nCMD [\"node\", \"/app/server.js\"]\n",
			pruned:     map[string][]string{"/": nil, "/app": all},
		},
		{
			name:       "the user's own excludes stay first",
			dockerfile: "FROM node AS build\nRUN true\nFROM node\nCOPY --from=build --exclude=*.md /app /app\n",
			pruned:     map[string][]string{"/app": append([]string{"*.md"}, all...)},
		},
		{
			name:       "copy straight from an image",
			dockerfile: "FROM busybox\nCOPY --from=golang:1.26 /usr/local/go /usr/local/go\n",
			pruned:     map[string][]string{"/usr/local/go": nil},
		},
		{
			name:       "a stage that only copied files together",
			dockerfile: "FROM scratch AS base\nCOPY . /src\nFROM busybox\nCOPY --from=base /src /src\n",
			pruned:     map[string][]string{"/src": nil},
		},
		{
			name:       "a copy of node_modules itself",
			dockerfile: "FROM node AS build\nWORKDIR /src\nRUN npm ci\nFROM node\nCOPY --from=build /src/node_modules /app/node_modules\n",
			pruned:     map[string][]string{"/src/node_modules": {"**/.cache/pip", "**/.npm/_cacache", "**/.cache/yarn", "**/node_modules/.cache", ".cache", "**/.cache/go-build"}},
		},
		{
			name:       "a copy of a home's .cache asks for caches",
			dockerfile: "FROM python AS build\nRUN pip install flask\nFROM python\nCOPY --from=build /root/.cache/ /root/.cache/\n",
			pruned:     map[string][]string{"/root/.cache": nil},
		},
		{
			name:       "a leftover asked for by name",
			dockerfile: "FROM node AS build\nRUN git clone https://example.com/x /src\nFROM node\nCOPY --from=build /src/.git /src/.git\n",
			pruned:     map[string][]string{"/src/.git": nil},
		},
		{
			name:       "the build context is .dockerignore's business",
			dockerfile: "FROM busybox\nCOPY . /app\n",
			pruned:     map[string][]string{"/": nil},
		},
		{
			name:       "a later RUN may read the tree",
			dockerfile: "FROM node AS build\nRUN true\nFROM node\nCOPY --from=build /app /app\nRUN cd /app && git describe > VERSION\n",
			pruned:     map[string][]string{"/app": nil},
		},
		{
			name:       "copies in other stages are not what ships",
			dockerfile: "FROM node AS deps\nRUN npm ci\nFROM node AS build\nCOPY --from=deps /app /app\nRUN npm run build\nFROM nginx\nCOPY --from=build /app/dist /usr/share/nginx/html\n",
			pruned:     map[string][]string{"/app": nil, "/app/dist": all},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			def, _ := dftest.Convert(t, tc.dockerfile, "")
			g, err := Decode(def)
			require.NoError(t, err)
			rep, err := Leftovers{Caps: dftest.AllCaps()}.Apply(context.Background(), g)
			require.NoError(t, err)
			require.NoError(t, g.Validate())
			got := copyExcludes(g)
			for src, want := range tc.pruned {
				require.Equal(t, want, got[src], "copy of %s", src)
			}
			var refusals []string
			for _, f := range rep.Findings {
				if !f.Changed {
					refusals = append(refusals, f.Message)
				} else {
					require.True(t, f.Node.Metadata.Caps[string(pb.CapFileCopyIncludeExcludePatterns)])
				}
			}
			if tc.refusal == "" {
				require.Empty(t, refusals)
			} else {
				require.Len(t, refusals, 1)
				require.Contains(t, refusals[0], tc.refusal)
			}
		})
	}
}

func TestLeftoversNeedsTheCapability(t *testing.T) {
	def, _ := dftest.Convert(t, "FROM node AS build\nRUN true\nFROM node\nCOPY --from=build /app /app\n", "")
	g, err := Decode(def)
	require.NoError(t, err)
	rep, err := Leftovers{}.Apply(context.Background(), g)
	require.NoError(t, err)
	require.Nil(t, copyExcludes(g)["/app"])
	require.Len(t, rep.Findings, 1)
	require.Contains(t, rep.Findings[0].Message, "did not prune")
}

// TestLeftoversRequireSource: a copy the pass gives exclude patterns
// requires its source, so that a missing source fails when the cache key
// is computed, with stock's error ("\"/nonexistent\": not found"), not in
// the copy ("lstat /nonexistent"), issue 16 fail-missing-path-in-stage.
// Where a required path could fail a copy that stock makes, it is left
// off.
func TestLeftoversRequireSource(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string
	}{
		{"a missing path", "/nonexistent", []string{"/nonexistent"}},
		{"a relative path", "app", []string{"/app"}},
		{"a file", "/app/server", []string{"/app/server"}},
		{"a dot at the end", "/app/.", []string{"/app"}},
		{"a trailing slash, which dockerfile2llb drops", "/app/", []string{"/app"}},
		{"a glob", "/app/*.js", nil},
		{"the root", "/", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			df := "FROM busybox AS build\nRUN echo hi > /a\nFROM busybox\nCOPY --from=build " + tc.src + " /x/\n"
			def, _ := dftest.Convert(t, df, "")
			g, err := Decode(def)
			require.NoError(t, err)
			_, err = Leftovers{Caps: dftest.AllCaps()}.Apply(context.Background(), g)
			require.NoError(t, err)
			var got []string
			for _, n := range g.Nodes() {
				for _, a := range n.Op.GetFile().GetActions() {
					if cp := a.GetCopy(); cp != nil && len(cp.ExcludePatterns) > 0 {
						got = cp.RequiredPaths
						require.Equal(t, len(got) > 0, n.Metadata.Caps[string(pb.CapFileCopyRequiredPaths)])
					}
				}
			}
			require.Equal(t, tc.want, got)
		})
	}
	// A source written with a trailing slash in the op: its directory
	// header is not among the paths the checksum keeps.
	cp := &pb.FileActionCopy{Src: "/app/"}
	require.False(t, requireSource(dftest.AllCaps(), cp))
	require.Nil(t, cp.RequiredPaths)
}

// TestLeftoversAllowWhereTheCopyPutsThem: the paths a pruned copy leaves
// out of the image are named where the copy puts them, for verify to
// explain, and only as missing.
func TestLeftoversAllowWhereTheCopyPutsThem(t *testing.T) {
	def, _ := dftest.Convert(t, "FROM node AS build\nWORKDIR /src\nRUN npm ci\nFROM node\nCOPY --from=build /src/node_modules /app/node_modules\n", "")
	g, err := Decode(def)
	require.NoError(t, err)
	rep, err := Leftovers{Caps: dftest.AllCaps()}.Apply(context.Background(), g)
	require.NoError(t, err)
	require.Len(t, rep.Findings, 1)
	var paths []string
	for _, a := range rep.Findings[0].Allows {
		require.True(t, a.MissingOnly, "%s", a.Path)
		paths = append(paths, a.Path)
	}
	require.Contains(t, paths, "/app/node_modules/.cache", "the copied node_modules' own cache")
	require.Contains(t, paths, "/app/node_modules/**/node_modules/.cache")
	require.NotContains(t, paths, "/app/node_modules/**/.git", "version control is the vcsdirs fix's")
	require.Len(t, paths, len(copyExcludes(g)["/src/node_modules"]))
}

// TestVCSDirs: the vcsdirs fix leaves version-control directories out of
// the copies leftovers prunes, after the caches when both run, and only
// those: a later RUN, a copy from the context and a copy that names .git
// keep them.
func TestVCSDirs(t *testing.T) {
	vcs := []string{"**/.git", "**/.hg", "**/.svn"}
	for _, tc := range []struct {
		name       string
		dockerfile string
		both       bool
		pruned     map[string][]string
	}{
		{
			name:       "a built checkout copied into the final stage",
			dockerfile: "FROM golang AS build\nWORKDIR /src\nRUN git clone https://example.com/x .\nFROM busybox\nCOPY --from=build /src /app\n",
			pruned:     map[string][]string{"/src": vcs},
		},
		{
			name:       "after the caches when leftovers ran first",
			dockerfile: "FROM golang AS build\nWORKDIR /src\nRUN git clone https://example.com/x .\nFROM busybox\nCOPY --from=build /src /app\n",
			both:       true,
			pruned:     map[string][]string{"/src": {"**/.cache/pip", "**/.npm/_cacache", "**/.cache/yarn", "**/node_modules/.cache", "**/.cache/go-build", "**/.git", "**/.hg", "**/.svn"}},
		},
		{
			name:       "a later RUN may read them",
			dockerfile: "FROM golang AS build\nRUN true\nFROM alpine\nCOPY --from=build /src /app\nRUN cd /app && git describe > VERSION\n",
			pruned:     map[string][]string{"/src": nil},
		},
		{
			name:       "asked for by name",
			dockerfile: "FROM golang AS build\nRUN true\nFROM alpine\nCOPY --from=build /src/.git /app/.git\n",
			pruned:     map[string][]string{"/src/.git": nil},
		},
		{
			name:       "the build context",
			dockerfile: "FROM busybox\nCOPY . /app\n",
			pruned:     map[string][]string{"/": nil},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			def, _ := dftest.Convert(t, tc.dockerfile, "")
			g, err := Decode(def)
			require.NoError(t, err)
			if tc.both {
				_, err := Leftovers{Caps: dftest.AllCaps()}.Apply(context.Background(), g)
				require.NoError(t, err)
			}
			rep, err := VCSDirs{Caps: dftest.AllCaps()}.Apply(context.Background(), g)
			require.NoError(t, err)
			require.NoError(t, g.Validate())
			got := copyExcludes(g)
			for src, want := range tc.pruned {
				require.Equal(t, want, got[src], "copy of %s", src)
			}
			for _, f := range rep.Findings {
				require.True(t, f.Changed, f.Message)
				require.Contains(t, f.Message, "Git metadata (.git)")
			}
		})
	}
}
