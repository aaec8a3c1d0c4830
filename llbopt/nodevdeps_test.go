package llbopt

import (
	"context"
	"testing"

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
