package compare

import (
	"bytes"
	"maps"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseFixes(t *testing.T) {
	for _, tc := range []struct {
		name, value string
		want        []string
		err         string
	}{
		{name: "none", value: ""},
		{name: "one", value: "static", want: []string{"static"}},
		{name: "commas", value: "static,nodevdeps", want: []string{"static", "nodevdeps"}},
		{name: "spaces, case and repeats", value: "Static, nodevdeps STATIC", want: []string{"static", "nodevdeps"}},
		{name: "unknown", value: "static,slimmer", err: `fixes "static,slimmer": build arg BUILDKIT_OPT_FIX: unknown fix "slimmer"; known fixes: `},
		{name: "a pass is no fix", value: "squash", err: `unknown fix "squash"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseFixes(tc.value)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestFixArgs(t *testing.T) {
	require.Nil(t, FixArgs(nil))
	require.Equal(t, map[string]string{"BUILDKIT_OPT_FIX": "static,nodevdeps"}, FixArgs([]string{"static", "nodevdeps"}))
}

// TestOptimizedBuildArgsReachOptimizedOnly checks the frontend options of
// each frontend: the build args for both reach both, the optimized builds'
// own (the fixes) reach optfrontend only, and win over a build arg of the
// same name.
func TestOptimizedBuildArgsReachOptimizedOnly(t *testing.T) {
	s := &session{ws: &workspace{filename: "Dockerfile"}, frontend: "docker.io/org/optfrontend:latest@sha256:ff",
		opts: Options{BuildArgs: map[string]string{"A": "1", "B": "both"},
			OptimizedBuildArgs: map[string]string{"BUILDKIT_OPT_FIX": "static", "B": "optimized"}}}
	for _, tc := range []struct {
		fe, frontend string
		want         map[string]string
	}{
		{Stock, "dockerfile.v0", map[string]string{"filename": "Dockerfile", "cmdline": "stock",
			"build-arg:A": "1", "build-arg:B": "both"}},
		{Optimized, "gateway.v0", map[string]string{"filename": "Dockerfile", "cmdline": "optfrontend", "source": s.frontend,
			"build-arg:A": "1", "build-arg:B": "optimized", "build-arg:BUILDKIT_OPT_FIX": "static"}},
	} {
		t.Run(tc.fe, func(t *testing.T) {
			name, attrs := s.frontendAttrs(tc.fe)
			require.Equal(t, tc.frontend, name)
			require.Equal(t, tc.want, attrs)
		})
	}
}

func TestBenchOptionsGiveTheFixesToOptimizedOnly(t *testing.T) {
	for _, tc := range []struct {
		name      string
		fixes     []string
		optimized map[string]string
		note      string
	}{
		{name: "no fix"},
		{name: "two fixes", fixes: []string{"static", "nodevdeps"}, optimized: map[string]string{"BUILDKIT_OPT_FIX": "static,nodevdeps"},
			note: "BUILDKIT_OPT_FIX=static,nodevdeps was given to the optimized builds only, not to stock's"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := BenchOptions{Repo: "localhost:5000/optctl", Fixes: tc.fixes}.options("/src/x", "x")
			require.Nil(t, o.BuildArgs, "stock's builds get no fix")
			require.Equal(t, tc.optimized, o.OptimizedBuildArgs)
			require.Equal(t, "localhost:5000/optctl/x", o.Repo)
			if tc.note == "" {
				require.Empty(t, o.Notes)
				return
			}
			require.Len(t, o.Notes, 1)
			require.Contains(t, o.Notes[0], tc.note)
		})
	}
}

// TestBenchSaysWhichFixesWereOn checks every form of a benchmark's
// report: the table's sentence and column, the Markdown, and the JSON.
func TestBenchSaysWhichFixesWereOn(t *testing.T) {
	b := &Bench{Machine: "AMD EPYC, 2 cores", FrontendImage: "o/f:latest@sha256:ff", Date: "2026-12-03 12:00 UTC", Rounds: 1, Seconds: 5,
		Fixes: []string{"static", "nodevdeps"}, Reports: []*Report{sampleReport()}}
	var table, md, js bytes.Buffer
	require.NoError(t, WriteBenchTable(&table, b))
	require.True(t, strings.HasPrefix(table.String(),
		"Stock Dockerfile frontend vs optfrontend (o/f:latest@sha256:ff) with BUILDKIT_OPT_FIX=static,nodevdeps (optimized builds only), medians of 1 round(s)"), table.String())
	require.Contains(t, table.String(), "| example | image size, stock → optimized + fixes static,nodevdeps | layers |")
	require.NoError(t, WriteBenchMarkdown(&md, b))
	require.Contains(t, md.String(), "with BUILDKIT\\_OPT\\_FIX=static,nodevdeps (optimized builds only), medians")
	require.Contains(t, md.String(), "| image size, stock → optimized + fixes static,nodevdeps |")
	require.NoError(t, WriteJSON(&js, b))
	require.Contains(t, js.String(), "\"fixes\": [\n    \"static\",\n    \"nodevdeps\"\n  ],")

	b.Fixes = []string{}
	table.Reset()
	js.Reset()
	require.NoError(t, WriteBenchTable(&table, b))
	require.Contains(t, table.String(), "(o/f:latest@sha256:ff), medians of 1 round(s)")
	require.Contains(t, table.String(), "| image size, stock → optimized | layers |")
	require.NoError(t, WriteJSON(&js, b))
	require.Contains(t, js.String(), "\"fixes\": [],", "no fix is said too")
}

func TestOptimizedArgs(t *testing.T) {
	for _, tc := range []struct {
		name            string
		both, optimized map[string]string
		want            map[string]string
	}{
		{name: "neither"},
		{name: "both only", both: map[string]string{"A": "1"}, want: map[string]string{"A": "1"}},
		{name: "optimized only", optimized: map[string]string{"BUILDKIT_OPT_FIX": "static"}, want: map[string]string{"BUILDKIT_OPT_FIX": "static"}},
		{name: "optimized wins", both: map[string]string{"A": "1", "BUILDKIT_OPT_FIX": "slim"}, optimized: map[string]string{"BUILDKIT_OPT_FIX": "static"},
			want: map[string]string{"A": "1", "BUILDKIT_OPT_FIX": "static"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := maps.Clone(tc.both)
			o := Options{BuildArgs: tc.both, OptimizedBuildArgs: tc.optimized}
			require.Equal(t, tc.want, o.optimizedArgs())
			require.Equal(t, before, tc.both, "the build args stock gets are not changed")
		})
	}
}
