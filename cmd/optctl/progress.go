package main

import (
	"errors"
	"flag"
	"io"

	"github.com/moby/buildkit/util/progress/progressui"

	"github.com/org/optfrontend/compare"
)

// progressFlags are --progress and -q, which is --progress=quiet.
type progressFlags struct {
	mode  string
	quiet bool
	fs    *flag.FlagSet
}

func (p *progressFlags) register(fs *flag.FlagSet) {
	p.fs = fs
	fs.StringVar(&p.mode, "progress", string(progressui.AutoMode),
		"how the builds show their steps, as buildx's: auto (tty on a terminal, else plain), tty, plain, rawjson, quiet")
	fs.BoolVar(&p.quiet, "q", false, "the same as --progress=quiet: no steps, only the lines between builds")
}

// display returns the mode the flags ask for, checked against where the
// builds' progress goes.
func (p *progressFlags) display(stderr io.Writer) (progressui.DisplayMode, error) {
	mode := p.mode
	if p.quiet {
		if mode != string(progressui.QuietMode) && p.given("progress") {
			return "", errors.New("-q is --progress=quiet: give one or the other")
		}
		mode = string(progressui.QuietMode)
	}
	return compare.ParseProgress(mode, stderr)
}

// given says whether the flag was on the command line.
func (p *progressFlags) given(name string) bool {
	found := false
	p.fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}
