package main

import (
	"bytes"
	"flag"
	"io"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseTakesFlagsAnywhere(t *testing.T) {
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	rounds := fs.Int("rounds", 3, "")
	var args listFlag
	fs.Var(&args, "build-arg", "")
	pos, err := parse(fs, []string{"--build-arg", "A=1", "ctx", "--rounds", "1", "--build-arg", "B=2"})
	require.NoError(t, err)
	require.Equal(t, []string{"ctx"}, pos)
	require.Equal(t, 1, *rounds)
	require.Equal(t, listFlag{"A=1", "B=2"}, args)
	_, err = parse(fs, []string{"--nosuch"})
	require.Error(t, err)
}

func TestRunRefusesWhatItDoesNotKnow(t *testing.T) {
	var out, errOut bytes.Buffer
	require.ErrorContains(t, run(t.Context(), nil, &out, &errOut), "no command")
	require.ErrorContains(t, run(t.Context(), []string{"nosuch"}, &out, &errOut), `unknown command "nosuch"`)
	require.ErrorContains(t, run(t.Context(), []string{"compare"}, &out, &errOut), "one build context directory")
	require.ErrorContains(t, run(t.Context(), []string{"explain", "a", "b"}, &out, &errOut), "got 2 arguments")
	require.ErrorContains(t, run(t.Context(), []string{"bench", "x"}, &out, &errOut), "takes no arguments")
	require.ErrorIs(t, run(t.Context(), []string{"compare", "-h"}, &out, &errOut), flag.ErrHelp)
	require.NoError(t, run(t.Context(), []string{"help"}, &out, &errOut))
	require.Contains(t, out.String(), "optctl compare")
}

func TestRepoName(t *testing.T) {
	require.Equal(t, "aptlayers", repoName("examples/aptlayers/"))
	require.Equal(t, "my-app_2", repoName("/src/My App_2"))
	require.Equal(t, "context", repoName("/"))
}

func TestParseBench(t *testing.T) {
	for _, tc := range []struct {
		name  string
		args  []string
		fixes []string
		only  []string
		err   string
	}{
		{name: "defaults", args: nil},
		{name: "fixes", args: []string{"--fix", "static,nodevdeps"}, fixes: []string{"static", "nodevdeps"}},
		{name: "fixes after other flags, any case", args: []string{"--only", "static,goserver", "--fix=Static"},
			fixes: []string{"static"}, only: []string{"static", "goserver"}},
		{name: "no fix", args: []string{"--fix", ""}},
		{name: "unknown fix", args: []string{"--fix", "static,smaller"}, err: `--fix: fixes "static,smaller": build arg BUILDKIT_OPT_FIX: unknown fix "smaller"; known fixes: `},
		{name: "a word too many", args: []string{"--fix", "static", "examples/x"}, err: "takes no arguments"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := parseBench(tc.args, io.Discard)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.fixes, r.opts.Fixes)
			require.Equal(t, tc.only, r.opts.Only)
			require.Empty(t, r.opts.Repo, "the default repository is found after connecting")
		})
	}
}
