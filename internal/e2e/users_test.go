package e2e

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestNamedUserGetsItsCacheMount builds the express example as the node
// user: the frontend reads node's home and ids from the image's
// /etc/passwd, so npm's cache is a mount at /home/node/.npm that node owns,
// and the image equals stock's but for that cache.
func TestNamedUserGetsItsCacheMount(t *testing.T) {
	dir := copyDir(t, filepath.Join(bed.root, "examples", "express"))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(`# syntax=org/optfrontend
FROM node:22-slim
USER node
WORKDIR /home/node/app
COPY --chown=node:node . .
RUN npm install
CMD ["node", "server.js"]
`), 0o644))
	stockRef, againRef, optRef := ref("e2e/nodeuser:stock"), ref("e2e/nodeuser:stock-again"), ref("e2e/nodeuser:optimized")
	stockBuild(t, dir, stockRef)
	stockBuild(t, dir, againRef, "--no-cache")
	out := optBuild(t, dir, optRef)
	require.Contains(t, out, "optfrontend cachemount: cache mount for npm at /home/node/.npm")

	stock := filesystem(t, image(t, stockRef, nil))
	noise := diffPaths(stock, filesystem(t, image(t, againRef, nil)))
	opt := filesystem(t, image(t, optRef, nil))
	require.Contains(t, stock, "/home/node/.npm", "stock leaves npm's cache in the image")
	for _, p := range diffPaths(stock, opt) {
		if !under(p, "/home/node/.npm") && !slices.Contains(noise, p) {
			t.Errorf("the optimized image differs from stock at %s", p)
		}
	}
	smoke(t, filepath.Join(bed.root, "examples", "express"), optRef)
}
