package llbopt

import (
	"context"
	"errors"
	"testing"

	"github.com/moby/buildkit/solver/pb"
	"github.com/stretchr/testify/require"

	"github.com/org/optfrontend/internal/dftest"
)

// TestSlimBase: the stage's steps keep running on the full base; the
// image is the -slim base with every step's layer on it when the check in
// the build passes, and the full one, with the check's reason at the FROM
// line, when it does not or cannot run.
func TestSlimBase(t *testing.T) {
	const df = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\nCMD [\"python\", \"app.py\"]\n"
	swap := &SlimSwap{From: "docker.io/library/python:3.12", To: "docker.io/library/python:3.12-slim@sha256:" + sixtyFour,
		FromHistory: []byte(`[{"created_by":"full"}]`), ToHistory: []byte(`[{"created_by":"slim"}]`)}
	ok := func(context.Context, *pb.Definition, string) ([]byte, error) { return []byte("ok 0\n"), nil }
	for _, tc := range []struct {
		name    string
		swap    *SlimSwap
		read    FileReader
		nilCaps bool
		want    string
		changed bool
		line    int // the finding's line; 0 means the FROM's, 1
	}{
		{name: "the check passes", swap: swap, read: ok, want: "the image is docker.io/library/python:3.12-slim@sha256:", changed: true},
		{name: "a library is missing", swap: swap, read: func(context.Context, *pb.Definition, string) ([]byte, error) {
			return []byte("missing libraries\n/usr/local/bin/x: libcurl.so.4 => not found\n"), nil
		}, want: "kept docker.io/library/python:3.12: on docker.io/library/python:3.12-slim@sha256:" + sixtyFour + " missing libraries; /usr/local/bin/x: libcurl.so.4 => not found"},
		{name: "the check fails to run", swap: swap, read: func(context.Context, *pb.Definition, string) ([]byte, error) {
			return nil, errors.New("process \"/bin/sh -c ...\" did not complete successfully: exit code: 127")
		}, want: "the check could not run (did not complete successfully: exit code: 127)"},
		{name: "no daemon", swap: swap, want: "checked by running it in the build, and nothing runs here"},
		{name: "no diff and merge", swap: swap, read: ok, nilCaps: true, want: "capabilities are unknown"},
		{name: "another base", swap: &SlimSwap{From: "docker.io/library/node:22", To: "docker.io/library/node:22-slim"}, read: ok,
			want: "kept docker.io/library/node:22: the image's layers no longer start at it", line: 4},
		{name: "the frontend chose the named context", read: ok},
	} {
		t.Run(tc.name, func(t *testing.T) {
			def, _ := dftest.Convert(t, df, "")
			g, err := Decode(def)
			require.NoError(t, err)
			p := SlimBase{Swap: tc.swap, Read: tc.read, Caps: dftest.AllCaps()}
			if tc.nilCaps {
				p.Caps = nil
			}
			before := g.Terminal().Inputs[0].Node
			rep, err := p.Apply(context.Background(), g)
			require.NoError(t, err)
			require.NoError(t, g.Validate())
			if tc.want == "" {
				require.Empty(t, rep.Findings)
				require.Same(t, before, g.Terminal().Inputs[0].Node)
				return
			}
			require.Len(t, rep.Findings, 1)
			f := rep.Findings[0]
			require.Contains(t, f.Message, tc.want)
			require.Equal(t, tc.changed, f.Changed)
			loc, ok := g.Location(f.Node)
			require.True(t, ok)
			if tc.line == 0 {
				tc.line = 1
			}
			require.Equal(t, tc.line, loc.Start)
			top := g.Terminal().Inputs[0].Node
			if !tc.changed {
				require.Empty(t, rep.Layers)
				require.Nil(t, top.Op.GetMerge())
				return
			}
			require.NotNil(t, top.Op.GetMerge())
			require.Equal(t, "docker-image://"+tc.swap.To, top.Inputs[0].Node.Op.GetSource().Identifier)
			require.Len(t, top.Inputs, 4, "the slim base, then WORKDIR's, COPY's and RUN's layers")
			require.Equal(t, []LayerEdit{{Base: &BaseEdit{From: tc.swap.FromHistory, To: tc.swap.ToHistory}}}, rep.Layers)
		})
	}
}

const sixtyFour = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
