package llbopt

import (
	"context"
	"errors"
	"testing"

	"github.com/moby/buildkit/solver/pb"
	"github.com/stretchr/testify/require"

	"github.com/org/optfrontend/internal/dftest"
)

func TestToolInstall(t *testing.T) {
	for _, tc := range []struct {
		script string
		pkgs   []string
	}{
		{"apt-get update && apt-get install -y gcc python3-dev", []string{"gcc", "python3-dev"}},
		{"apt-get update && apt-get install -y --no-install-recommends build-essential libpq-dev && rm -rf /var/lib/apt/lists/*", []string{"build-essential", "libpq-dev"}},
		{"apt-get install -y g++-12 make cmake pkg-config", []string{"g++-12", "make", "cmake", "pkg-config"}},
		{"apt-get install -y gcc curl", nil},                 // curl may be used at run time
		{"apt-get install -y gcc && pip install flask", nil}, // does more than install tools
		{"apt-get install -y gcc && rm -rf /tmp/x", nil},     // removes something else
		{"apt-get install -y $TOOLS", nil},                   // unknown packages
		{"echo apt-get install -y gcc", nil},                 // not a command
		{"apt-get purge -y gcc", nil},                        // not an install
		{"apt-get update", nil},                              // nothing installed
	} {
		st := runDef(t, tc.script)
		g, err := Decode(st)
		require.NoError(t, err)
		pkgs, ok := toolInstall(findExec(t, g))
		require.Equal(t, tc.pkgs != nil, ok, tc.script)
		require.Equal(t, tc.pkgs, pkgs, tc.script)
	}
}

// pyext is the shape of the pyext example: tools installed, then a compile.
const pyext = "FROM python\nRUN apt-get update && apt-get install -y gcc python3-dev\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\nCMD [\"python\", \"app.py\"]\n"

func TestBuildToolsPrunesWhenTheCheckPasses(t *testing.T) {
	def, _ := dftest.Convert(t, pyext, "")
	g, err := Decode(def)
	require.NoError(t, err)
	var checked *pb.Definition
	read := func(_ context.Context, d *pb.Definition, file string) ([]byte, error) {
		require.Equal(t, "/report", file)
		checked = d
		return []byte("ok 272280\n"), nil
	}
	rep, err := BuildTools{Read: read, Caps: dftest.AllCaps()}.Apply(context.Background(), g)
	require.NoError(t, err)
	require.NoError(t, g.Validate())
	require.Len(t, rep.Findings, 1)
	require.True(t, rep.Findings[0].Changed)
	require.Contains(t, rep.Findings[0].Message, "left the build-only packages gcc, python3-dev out of the image (about 272280 kB)")
	require.Equal(t, []LayerEdit{{Kinds: []string{"RUN", "COPY", "COPY", "RUN"}, Dropped: 1, Lines: Location{File: "Dockerfile", Start: 2, End: 2}}}, rep.Layers)

	// The image is a merge of the state before the install and one layer
	// per later step.
	merge := g.Terminal().Inputs[0].Node
	require.NotNil(t, merge.Op.GetMerge())
	require.Len(t, merge.Inputs, 4)
	require.NotNil(t, merge.Inputs[0].Node.Op.GetSource())
	for _, in := range merge.Inputs[1:] {
		require.NotNil(t, in.Node.Op.GetDiff())
	}

	// The check ran ldd on that image, without network.
	sub, err := Decode(checked)
	require.NoError(t, err)
	exec := sub.Terminal().Inputs[0].Node.Op.GetExec()
	require.NotNil(t, exec)
	require.Equal(t, pb.NetMode_NONE, exec.Network)
	require.Contains(t, exec.Meta.Args[2], "ldd")
}

func TestBuildToolsKeepsThem(t *testing.T) {
	for name, tc := range map[string]struct {
		dockerfile string
		read       FileReader
		want       string // the refusal, "" for none
	}{
		"a library goes missing": {pyext, func(context.Context, *pb.Definition, string) ([]byte, error) {
			return []byte("missing libraries\n/usr/local/bin/x: libyaml-0.so.2 => not found\n"), nil
		}, "kept gcc, python3-dev in the image: without them missing libraries; /usr/local/bin/x: libyaml-0.so.2 => not found"},
		"the check cannot run": {pyext, func(context.Context, *pb.Definition, string) ([]byte, error) {
			return nil, errors.New("solving: process did not complete successfully: exit code: 127")
		}, "kept gcc, python3-dev in the image: without them the check could not run (did not complete successfully: exit code: 127)"},
		"no ldd": {pyext, func(context.Context, *pb.Definition, string) ([]byte, error) {
			return []byte("cannot check: no ldd in the image"), nil
		}, "without them cannot check: no ldd in the image"},
		"nothing compiles after": {"FROM debian\nRUN apt-get update && apt-get install -y gcc\nCOPY . /app\n", nil, ""},
		"another stage":          {"FROM debian AS tools\nRUN apt-get install -y gcc\nFROM tools\nRUN make\n", nil, ""},
	} {
		t.Run(name, func(t *testing.T) {
			def, _ := dftest.Convert(t, tc.dockerfile, "")
			g, err := Decode(def)
			require.NoError(t, err)
			read := tc.read
			if read == nil {
				read = func(context.Context, *pb.Definition, string) ([]byte, error) {
					t.Fatal("no check expected")
					return nil, nil
				}
			}
			// What the graph must be: as it was, but for the fork of the
			// install (fork.go) when a check ran, which is kept so that the
			// steps run once.
			want, err := Decode(def)
			require.NoError(t, err)
			if tc.read != nil {
				steps, _ := layerChain(want, want.Terminal().Inputs[0])
				forked := 0
				for _, s := range steps {
					if _, ok := toolInstall(s.node); ok {
						require.True(t, fork(s, nil))
						forked++
					}
				}
				require.Equal(t, 1, forked)
			}
			before, err := want.Encode()
			require.NoError(t, err)
			rep, err := BuildTools{Read: read, Caps: dftest.AllCaps()}.Apply(context.Background(), g)
			require.NoError(t, err)
			require.Empty(t, rep.Layers)
			after, err := g.Encode()
			require.NoError(t, err)
			require.Equal(t, before.Def, after.Def, "the graph is as it was, the install forked when a check ran")
			if tc.want == "" {
				require.Empty(t, rep.Findings)
				return
			}
			require.Len(t, rep.Findings, 1)
			require.Contains(t, rep.Findings[0].Message, tc.want)
		})
	}
}

// TestBuildToolsSaysWhyWithoutADaemon: optctl explain has no daemon to run
// the check on; the pass keeps the tools and says so at the install's line.
func TestBuildToolsSaysWhyWithoutADaemon(t *testing.T) {
	def, _ := dftest.Convert(t, pyext, "")
	g, err := Decode(def)
	require.NoError(t, err)
	rep, err := BuildTools{Caps: dftest.AllCaps()}.Apply(context.Background(), g)
	require.NoError(t, err)
	require.Len(t, rep.Findings, 1)
	require.False(t, rep.Findings[0].Changed)
	require.Contains(t, rep.Findings[0].Message, "kept gcc, python3-dev in the image: whether the image works without them is checked by running it in the build")
	loc, ok := g.Location(rep.Findings[0].Node)
	require.True(t, ok)
	require.Equal(t, 2, loc.Start)
	require.Empty(t, rep.Layers)
}
