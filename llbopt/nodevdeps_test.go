package llbopt

import (
	"context"
	"testing"

	"github.com/moby/buildkit/solver/pb"
	"github.com/stretchr/testify/require"

	"github.com/org/optfrontend/internal/dftest"
)

func TestDevDeps(t *testing.T) {
	const build = "FROM node AS build\nWORKDIR /app\nCOPY . .\nRUN npm ci\nRUN npm run build\n"
	for _, tc := range []struct {
		name, final string
		pruned      bool
	}{
		{"whole app", "FROM node\nCOPY --from=build /app /app\n", true},
		{"node_modules", "FROM node\nCOPY --from=build /app/node_modules /srv/node_modules\n", true},
		{"the build's output only", "FROM nginx\nCOPY --from=build /app/dist /usr/share/nginx/html\n", false},
		{"the context", "FROM node\nCOPY . /app\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			def, _ := dftest.Convert(t, build+tc.final, "")
			g, err := Decode(def)
			require.NoError(t, err)
			rep, err := NoDevDeps{}.Apply(context.Background(), g)
			require.NoError(t, err)
			require.NoError(t, g.Validate())
			if !tc.pruned {
				require.Empty(t, rep.Findings)
				return
			}
			require.Len(t, rep.Findings, 1)
			var prune *Node
			for _, n := range g.Nodes() {
				if e := n.Op.GetExec(); e != nil && e.Meta.Args[0] == "npm" && e.Meta.Args[1] == "prune" {
					prune = n
				}
			}
			require.NotNil(t, prune)
			require.Equal(t, "/app", prune.Op.GetExec().Meta.Cwd)
			require.Equal(t, "NONE", prune.Op.GetExec().Network.String())
		})
	}
	// An install of production dependencies only leaves nothing to do.
	def, _ := dftest.Convert(t, "FROM node AS build\nWORKDIR /app\nRUN npm ci --omit=dev\nFROM node\nCOPY --from=build /app /app\n", "")
	g, err := Decode(def)
	require.NoError(t, err)
	rep, err := NoDevDeps{}.Apply(context.Background(), g)
	require.NoError(t, err)
	require.Empty(t, rep.Findings)
}

// TestDevDepsOneStage: where the stage that ships ran the install itself,
// its image gets the install's layer pruned and every later layer on top;
// a later package manager run, a command that may start a dev dependency
// and a builder without diff and merge leave it alone, with the reason.
func TestDevDepsOneStage(t *testing.T) {
	const head = "FROM node:22\nWORKDIR /app\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\n"
	for _, tc := range []struct {
		name, df string
		nilCaps  bool
		want     string // the finding's message part; "" for none
		changed  bool
		layers   int      // the merge's inputs: the install's pruned layer on the state before it, each later layer
		listed   []string // the install's directory before it
	}{
		{name: "install, build, node runs the output", df: head + "RUN npm run build\nCMD [\"node\", \"dist/server.js\"]\n",
			want: "left the dev dependencies out of the image", changed: true, layers: 3},
		{name: "shell-form CMD", df: head + "RUN npm test\nCMD node server.js\n",
			want: "left the dev dependencies out of the image", changed: true, layers: 3, listed: []string{"package.json", "package-lock.json"}},
		{name: "node_modules before the install", df: head + "RUN npm test\nCMD node server.js\n",
			want: "/app already holds node_modules before the install", listed: []string{"package.json", "node_modules"}},
		{name: "a later install", df: head + "RUN npm install left-pad\nCMD [\"node\", \"server.js\"]\n",
			want: "`npm ci` at Dockerfile:4 installed packages before it"},
		{name: "a global install before", df: "FROM node:22\nRUN npm install -g npm@10\nWORKDIR /app\nCOPY . .\nRUN npm ci\nCMD [\"node\", \"server.js\"]\n",
			want: "left the dev dependencies out of the image", changed: true, layers: 1},
		{name: "the install removes a file", df: "FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci && rm -f .npmrc\nCMD [\"node\", \"server.js\"]\n",
			want: "`rm -f .npmrc` in the install's step removes files"},
		{name: "the install cleans npm's cache", df: "FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci && npm cache clean --force\nCMD [\"node\", \"server.js\"]\n",
			want: "left the dev dependencies out of the image", changed: true, layers: 1},
		{name: "an install with --prefix", df: "FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci --prefix=/srv\nCMD [\"node\", \"server.js\"]\n",
			want: "installs elsewhere than its directory (--prefix=/srv)"},
		{name: "a later yarn", df: head + "RUN yarn build\nCMD [\"node\", \"server.js\"]\n",
			want: "`yarn build` at Dockerfile:6 runs yarn"},
		{name: "a later prune", df: head + "RUN npm run build && npm prune --omit=dev\nCMD [\"node\", \"server.js\"]\n",
			want: "runs npm"},
		{name: "npm start", df: head + "CMD [\"npm\", \"start\"]\n",
			want: "the CMD at Dockerfile:6 runs npm, which may run a dev dependency"},
		{name: "a preloaded module", df: head + "CMD [\"node\", \"-r\", \"ts-node/register\", \"src/index.ts\"]\n",
			want: "runs node with -r"},
		{name: "a shell script", df: head + "CMD node server.js && echo done\n",
			want: "runs a shell script"},
		{name: "an ENTRYPOINT through npx", df: head + "ENTRYPOINT [\"npx\", \"serve\"]\nCMD [\"node\", \"x.js\"]\n",
			want: "the ENTRYPOINT at Dockerfile:6 runs npx"},
		{name: "no CMD", df: head,
			want: "no CMD from the install's stage on"},
		{name: "a builder without diff and merge", df: head + "CMD [\"node\", \"server.js\"]\n", nilCaps: true,
			want: "capabilities are unknown"},
		{name: "production dependencies only", df: "FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm ci --omit=dev\nCMD [\"node\", \"server.js\"]\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			def, _ := dftest.Convert(t, tc.df, "")
			g, err := Decode(def)
			require.NoError(t, err)
			listed := tc.listed
			p := NoDevDeps{Caps: dftest.AllCaps(), List: func(_ context.Context, _ *pb.Definition, dir string) ([]string, error) {
				require.Equal(t, "/app", dir)
				return listed, nil
			}}
			if tc.nilCaps {
				p.Caps = nil
			}
			rep, err := p.Apply(context.Background(), g)
			require.NoError(t, err)
			require.NoError(t, g.Validate())
			if tc.want == "" {
				require.Empty(t, rep.Findings)
				return
			}
			require.Len(t, rep.Findings, 1)
			f := rep.Findings[0]
			require.Contains(t, f.Message, tc.want)
			require.Equal(t, tc.changed, f.Changed)
			top := g.Terminal().Inputs[0].Node
			if !tc.changed {
				require.Nil(t, top.Op.GetMerge(), "the image's chain is left as it was")
				return
			}
			require.NotNil(t, top.Op.GetMerge())
			require.Len(t, top.Inputs, tc.layers)
			cp := top.Inputs[0].Node
			require.NotNil(t, cp.Op.GetFile().Actions[0].GetCopy(), "the pruned install copied onto the state before it")
			prune := cp.Inputs[1].Node.Inputs[1].Node
			require.Equal(t, []string{"npm", "prune", "--omit=dev", "--no-audit", "--no-fund"}, prune.Op.GetExec().Meta.Args)
			require.Equal(t, "/app", prune.Op.GetExec().Meta.Cwd)
			require.Equal(t, "NONE", prune.Op.GetExec().Network.String())
			require.Equal(t, []Allow{{Path: "/app/node_modules"}, {Path: "/root/.npm", MissingOnly: true}}, f.Allows)
			require.Equal(t, []string{"root/.npm"}, cp.Op.GetFile().Actions[0].GetCopy().ExcludePatterns, "npm's cache stays out too")
		})
	}
}
