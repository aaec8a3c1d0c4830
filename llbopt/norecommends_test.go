package llbopt

import (
	"context"
	"testing"

	"github.com/moby/buildkit/client/llb"
	"github.com/stretchr/testify/require"
)

func TestNoRecommends(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		want   []string // nil: left as it is
		refuse bool
	}{
		{"plain", []string{"/bin/sh", "-c", "apt-get update && apt-get install -y curl"},
			[]string{"/bin/sh", "-c", "apt-get update && apt-get install --no-install-recommends -y curl"}, false},
		{"two installs", []string{"/bin/sh", "-c", "apt-get install -y a && apt install b"},
			[]string{"/bin/sh", "-c", "apt-get install --no-install-recommends -y a && apt install --no-install-recommends b"}, false},
		{"options before the subcommand", []string{"/bin/sh", "-c", "apt-get -qq install -y curl"},
			[]string{"/bin/sh", "-c", "apt-get -qq install --no-install-recommends -y curl"}, false},
		{"already there", []string{"/bin/sh", "-c", "apt-get install -y --no-install-recommends curl"}, nil, false},
		{"apt's own option", []string{"/bin/sh", "-c", "apt-get -o APT::Install-Recommends=false install -y curl"}, nil, false},
		{"not a command", []string{"/bin/sh", "-c", "echo apt-get install -y curl"}, nil, false},
		{"another subcommand", []string{"/bin/sh", "-c", "apt-get upgrade -y"}, nil, false},
		{"exec form", []string{"apt-get", "install", "-y", "curl"}, nil, true},
		{"does not parse", []string{"/bin/sh", "-c", "apt-get install -y curl && ("}, nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := llb.Image("docker.io/library/debian:bookworm-slim").Run(llb.Args(tc.args)).Root()
			def, err := st.Marshal(context.Background(), llb.LinuxAmd64)
			require.NoError(t, err)
			g, err := Decode(def.ToPB())
			require.NoError(t, err)
			rep, err := NoRecommends{}.Apply(context.Background(), g)
			require.NoError(t, err)
			got := findExec(t, g).Op.GetExec().Meta.Args
			if tc.want == nil {
				require.Equal(t, tc.args, got)
			} else {
				require.Equal(t, tc.want, got)
				require.True(t, rep.Findings[0].Changed)
			}
			if tc.refuse {
				require.Len(t, rep.Findings, 1)
				require.False(t, rep.Findings[0].Changed)
			}
		})
	}
}
