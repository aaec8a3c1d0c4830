package e2e

import (
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLeftoversStayInTheBuilder copies a builder stage's tree into the final
// stage: the optimized image has everything stock's has but the tree's
// node_modules/.cache, and the report says so at the COPY's line. The
// tree's .git stays (a program may read it), unless the vcsdirs fix asks.
func TestLeftoversStayInTheBuilder(t *testing.T) {
	stockRef := ref("e2e/leftovers:stock")
	stockBuild(t, "testdata/leftovers", stockRef)
	stock := filesystem(t, image(t, stockRef, nil))
	for _, tc := range []struct {
		name, fix string
		gone      []string
		least     int64
	}{
		{"default", "", []string{"/app/node_modules/.cache"}, 200000},
		{"vcsdirs", "vcsdirs", []string{"/app/node_modules/.cache", "/app/.git"}, 500000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			optRef := ref("e2e/leftovers:" + tc.name)
			var args []string
			if tc.fix != "" {
				args = []string{"--build-arg", "BUILDKIT_OPT_FIX=" + tc.fix}
			}
			out := optBuild(t, "testdata/leftovers", optRef, args...)
			require.Contains(t, out, "optfrontend leftovers: the copy of /app from another stage leaves out")
			require.Contains(t, out, "(line 13)")
			require.Equal(t, tc.fix != "", strings.Contains(out, "optfrontend vcsdirs: the copy of /app from another stage leaves out"))
			opt := filesystem(t, image(t, optRef, nil))
			var saved int64
			for _, p := range diffPaths(stock, opt) {
				require.True(t, slices.ContainsFunc(tc.gone, func(g string) bool { return under(p, g) }), "unexpected difference at %s", p)
				_, inOpt := opt[p]
				require.False(t, inOpt, "%s differs but is still in the optimized image", p)
				saved += stock[p].Size
			}
			require.Contains(t, opt, "/app/node_modules/left-pad/index.js")
			require.Contains(t, opt, "/app/app.sh")
			_, head := opt["/app/.git/HEAD"]
			require.Equal(t, tc.fix == "", head, "the checkout's .git/HEAD")
			require.GreaterOrEqual(t, saved, tc.least)
			t.Logf("pruned %d bytes of builder leftovers", saved)
		})
	}
}

// TestUnusedStagesAreNotBuilt: a stage the target does not use is not
// built (its failing RUN never runs), and the build says so at its FROM.
func TestUnusedStagesAreNotBuilt(t *testing.T) {
	out := optBuild(t, "testdata/unused", ref("e2e/unused:test"))
	require.Contains(t, out, `optfrontend stages: stage "broken" is not used by the target, so it is not built (line 6)`)
	require.NotContains(t, out, "this stage must not run")
	opt := filesystem(t, image(t, ref("e2e/unused:test"), nil))
	require.Contains(t, opt, "/copied")

	// Asked for, the stage is built, and fails.
	_, err := run(t.Context(), "", "buildx", "build", "--target", "broken", "testdata/unused")
	require.Error(t, err)
}

// TestFixNoDevDeps: the final stage copies /app from a stage that ran npm ci
// with dev dependencies; with BUILDKIT_OPT_FIX=nodevdeps it gets production
// ones only, and the app still runs.
func TestFixNoDevDeps(t *testing.T) {
	dir := "testdata/devdeps"
	defRef, fixRef := ref("e2e/devdeps:default"), ref("e2e/devdeps:fixed")
	optBuild(t, dir, defRef)
	out := optBuild(t, dir, fixRef, "--build-arg", "BUILDKIT_OPT_FIX=nodevdeps")
	require.Contains(t, out, "optfrontend nodevdeps: the copy of /app takes node_modules without dev dependencies: `npm prune --omit=dev` ran in /app")
	def := filesystem(t, image(t, defRef, nil))
	fixed := filesystem(t, image(t, fixRef, nil))
	require.Contains(t, def, "/app/node_modules/is-number/index.js")
	require.NotContains(t, fixed, "/app/node_modules/is-number/index.js")
	require.Contains(t, fixed, "/app/node_modules/ms/index.js")
	for _, p := range diffPaths(def, fixed) {
		require.True(t, under(p, "/app/node_modules"), "unexpected difference at %s", p)
	}
	smoke(t, dir, fixRef)
}

// TestFixNoDevDepsOneStage: one stage runs npm ci with dev dependencies,
// builds with one, and ships; with BUILDKIT_OPT_FIX=nodevdeps its image
// holds the install's layer as npm prune --omit=dev leaves it, the later
// layers unchanged: the same layers and history, the dev dependency gone,
// every other file stock's, and the app still runs.
func TestFixNoDevDepsOneStage(t *testing.T) {
	dir := "testdata/devdeps-onestage"
	defRef, fixRef := ref("e2e/devdeps-onestage:default"), ref("e2e/devdeps-onestage:fixed")
	optBuild(t, dir, defRef)
	out := optBuild(t, dir, fixRef, "--build-arg", "BUILDKIT_OPT_FIX=nodevdeps")
	require.Contains(t, out, "optfrontend nodevdeps: left the dev dependencies out of the image: its layer of this install is what `npm prune --omit=dev` (run without network in /app) leaves of it")
	if !strings.Contains(out, "cache mount for npm at /root/.npm") {
		require.Contains(t, out, "and without npm's cache (/root/.npm)")
	}
	defImg, fixImg := image(t, defRef, nil), image(t, fixRef, nil)
	def, fixed := filesystem(t, defImg), filesystem(t, fixImg)
	require.Contains(t, def, "/app/node_modules/is-number/index.js")
	require.NotContains(t, fixed, "/app/node_modules/is-number/index.js")
	require.Contains(t, fixed, "/app/node_modules/ms/index.js")
	require.Contains(t, fixed, "/app/dist.txt", "the build's output, made with the dev dependency")
	for _, p := range diffPaths(def, fixed) {
		// The steps after the install ran again (their ops have cache keys
		// of their own, fork.go), and npm run writes the time into its
		// cache index and names its debug log by the time: noise for the
		// verify mode too (internal/fstree/noise.go).
		d, f := def[p], fixed[p]
		npmIndex := under(p, "/root/.npm/_cacache/index-v5") && d.Type == f.Type && d.Mode == f.Mode && d.Size == f.Size
		npmLog := under(p, "/root/.npm/_logs") && strings.HasSuffix(p, ".log")
		npmCache := under(p, "/root/.npm") && f.Type == 0 // the fix leaves the install's npm cache out
		require.True(t, under(p, "/app/node_modules") || npmIndex || npmLog || npmCache, "unexpected difference at %s: %+v / %+v", p, d, f)
	}
	defLayers, err := defImg.Layers()
	require.NoError(t, err)
	fixLayers, err := fixImg.Layers()
	require.NoError(t, err)
	require.Len(t, fixLayers, len(defLayers))
	defCfg, err := defImg.ConfigFile()
	require.NoError(t, err)
	fixCfg, err := fixImg.ConfigFile()
	require.NoError(t, err)
	require.Len(t, fixCfg.History, len(defCfg.History))
	for i := range defCfg.History {
		require.Equal(t, defCfg.History[i].CreatedBy, fixCfg.History[i].CreatedBy)
		require.Equal(t, defCfg.History[i].EmptyLayer, fixCfg.History[i].EmptyLayer)
	}
	smoke(t, dir, fixRef)
}
