package main

import (
	"bytes"
	"flag"
	"io"
	"testing"

	"github.com/moby/buildkit/util/progress/progressui"
	"github.com/stretchr/testify/require"
)

func TestProgressFlags(t *testing.T) {
	mode := func(args ...string) (progressui.DisplayMode, error) {
		fs := flag.NewFlagSet("compare", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		var pf progressFlags
		pf.register(fs)
		require.NoError(t, fs.Parse(args))
		return pf.display(&bytes.Buffer{})
	}
	for args, want := range map[string]progressui.DisplayMode{
		"":                   progressui.AutoMode,
		"--progress=plain":   progressui.PlainMode,
		"--progress=rawjson": progressui.RawJSONMode,
		"-q":                 progressui.QuietMode,
	} {
		var argv []string
		if args != "" {
			argv = []string{args}
		}
		got, err := mode(argv...)
		require.NoError(t, err, args)
		require.Equal(t, want, got, args)
	}
	got, err := mode("-q", "--progress=quiet")
	require.NoError(t, err)
	require.Equal(t, progressui.QuietMode, got)
	_, err = mode("-q", "--progress=plain")
	require.ErrorContains(t, err, "-q is --progress=quiet")
	_, err = mode("--progress=tty") // a buffer is no terminal
	require.ErrorContains(t, err, "progress mode tty")
}

func TestProgressFlagCheckedBeforeBuilding(t *testing.T) {
	var out, errOut bytes.Buffer
	require.ErrorContains(t, run(t.Context(), []string{"compare", "--progress", "fancy", "ctx"}, &out, &errOut), `progress mode "fancy"`)
	require.ErrorContains(t, run(t.Context(), []string{"bench", "--progress=fancy"}, &out, &errOut), `progress mode "fancy"`)
}
