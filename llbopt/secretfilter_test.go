package llbopt

import (
	"context"
	"testing"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/apicaps"
	"github.com/moby/patternmatcher"
	"github.com/stretchr/testify/require"

	"github.com/org/optfrontend/internal/dftest"
	"github.com/org/optfrontend/internal/secretname"
)

// withDockerignore gives the main context the exclude patterns a
// .dockerignore would.
func withDockerignore(g *Graph, attr string) {
	for _, n := range g.Nodes() {
		if src := n.Op.GetSource(); src != nil && src.Identifier == mainContext {
			src.Attrs[pb.AttrExcludePatterns] = attr
		}
	}
}

func TestSecretFilter(t *testing.T) {
	ours := secretname.Patterns()
	plus := func(extra ...string) []string { return append(append([]string{}, ours...), extra...) }
	for _, tc := range []struct {
		name, dockerfile string
		dockerignore     string   // the context's exclude patterns before the pass
		contextFilter    bool     // ContextFilter runs first
		want             []string // the patterns after
		sent, kept       []string // context paths the patterns send and keep out
		findings         []string // the report's messages after the first
	}{
		{
			name: "no .dockerignore", dockerfile: "FROM busybox\nCOPY . /app\n", want: ours,
			sent: []string{"app.py", ".env.example", "sub/.env.sample", "certs/tls.pem", ".npmrc", "id_rsa.pub", ".envrc"},
			kept: []string{".env", "sub/.env.production", "id_rsa", "home/.ssh/id_ed25519", "store.p12", "sub/.aws/credentials", ".netrc", ".config/gcloud/credentials.db",
				".pypirc", "ci/.docker/config.json", ".kube/config", ".dockercfg", ".cargo/credentials.toml"},
		},
		{
			name: "after contextfilter", dockerfile: "FROM busybox\nCOPY . /app\n", contextFilter: true,
			want: plus(cacheDirs...), // what ships: version control and virtualenvs are sent
			sent: []string{"app.py", ".git/config", ".venv/.env.example"}, kept: []string{".env"},
		},
		{
			name: "a .dockerignore that sends .env", dockerfile: "FROM busybox\nCOPY . /app\n", dockerignore: `["node_modules","!.env"]`,
			want: plus("node_modules", "!.env"),
			sent: []string{".env", "app.py"}, kept: []string{"sub/.env", "id_rsa", "node_modules/x/.env.example"},
		},
		{
			name: "COPY .env by name", dockerfile: "FROM busybox\nCOPY . /app\nCOPY .env config/.env.production /app/\n",
			want: plus("!.env", "!config/.env.production"),
			sent: []string{".env", "config/.env.production"}, kept: []string{"sub/.env", "config/.env.local"},
			findings: []string{"sending .env: line 3 copies it by name", "sending config/.env.production: line 3 copies it by name"},
		},
		{
			name: "a pattern that names .env files", dockerfile: "FROM busybox\nCOPY .env* /app/\nCOPY secrets/* /s/\n",
			want: plus("!.env*"), sent: []string{".env", ".env.local"}, kept: []string{"secrets/id_rsa", "secrets/.env"},
			findings: []string{"sending .env*: line 2 copies it by name"},
		},
		{
			name: "bind mount by name", dockerfile: "FROM busybox\nRUN --mount=type=bind,source=.env,target=/e --mount=type=bind,target=/ctx cat /e\n",
			want: plus("!.env"), sent: []string{".env"}, kept: []string{"id_rsa"},
			findings: []string{"sending .env: line 2 mounts it by name"},
		},
		{
			name: "a RUN names them", dockerfile: "FROM busybox\nCOPY . /app\nRUN cp /app/.pypirc /root/ && cat /app/deploy/.docker/config.json\n",
			want: plus("!**/.pypirc", "!**/.docker/config.json"),
			sent: []string{".pypirc", "sub/.pypirc", "deploy/.docker/config.json"}, kept: []string{".env", ".kube/config"},
			findings: []string{"sending **/.pypirc: line 3 names it", "sending **/.docker/config.json: line 3 names it"},
		},
		{
			name: "a .dockerignore keeps a named file out", dockerfile: "FROM busybox\nCOPY .env /app/\n", dockerignore: `[".env"]`,
			want: plus("!.env", ".env"), kept: []string{".env"},
			findings: []string{"sending .env: line 2 copies it by name"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			def, _ := dftest.Convert(t, tc.dockerfile, "")
			g, err := Decode(def)
			require.NoError(t, err)
			if tc.dockerignore != "" {
				withDockerignore(g, tc.dockerignore)
			}
			if tc.contextFilter {
				_, err := ContextFilter{Caps: dftest.AllCaps()}.Apply(context.Background(), g)
				require.NoError(t, err)
			}
			rep, err := SecretFilter{Caps: dftest.AllCaps()}.Apply(context.Background(), g)
			require.NoError(t, err)
			require.NoError(t, g.Validate())
			got := contextExcludes(t, g)
			require.Equal(t, tc.want, got)
			pm, err := patternmatcher.New(got)
			require.NoError(t, err)
			for _, p := range tc.sent {
				out, err := pm.MatchesOrParentMatches(p)
				require.NoError(t, err)
				require.False(t, out, "%s must be sent", p)
			}
			for _, p := range tc.kept {
				out, err := pm.MatchesOrParentMatches(p)
				require.NoError(t, err)
				require.True(t, out, "%s must be kept out", p)
			}
			require.True(t, rep.Findings[0].Changed)
			require.Contains(t, rep.Findings[0].Message, "--build-arg BUILDKIT_OPT=-secretfilter")
			require.NotEmpty(t, rep.Findings[0].Node.Locations, "the report names the first step that reads the context")
			var more []string
			for _, f := range rep.Findings[1:] {
				require.False(t, f.Changed)
				more = append(more, f.Message)
			}
			require.Equal(t, tc.findings, more)
		})
	}
}

func TestSecretFilterWithoutTheCapability(t *testing.T) {
	caps := pb.Caps.CapSet(nil)
	for name, c := range map[string]*apicaps.CapSet{"unknown": nil, "missing": &caps} {
		t.Run(name, func(t *testing.T) {
			def, _ := dftest.Convert(t, "FROM busybox\nCOPY . /app\n", "")
			g, err := Decode(def)
			require.NoError(t, err)
			rep, err := SecretFilter{Caps: c}.Apply(context.Background(), g)
			require.NoError(t, err)
			require.Len(t, rep.Findings, 1)
			require.False(t, rep.Findings[0].Changed)
			require.Contains(t, rep.Findings[0].Message, "cannot exclude")
			require.Nil(t, contextExcludes(t, g))
			keptOut, err := SecretFilter{Caps: c}.KeptOut(nil)
			require.NoError(t, err)
			require.Nil(t, keptOut, "a check must not say a file is kept out")
		})
	}
}

// TestSecretFilterLeavesOtherSourcesAlone checks that only the main
// context is filtered: a named context is the user's directory, sent as
// it is.
func TestSecretFilterLeavesOtherSourcesAlone(t *testing.T) {
	main := llb.Local("context")
	other := llb.Local("assets", llb.ExcludePatterns([]string{"tmp"}))
	st := llb.Image("busybox").File(llb.Copy(main, "/", "/app")).File(llb.Copy(other, "/", "/assets"))
	def, err := st.Marshal(context.Background())
	require.NoError(t, err)
	g, err := Decode(def.ToPB())
	require.NoError(t, err)
	_, err = SecretFilter{Caps: dftest.AllCaps()}.Apply(context.Background(), g)
	require.NoError(t, err)
	require.NoError(t, g.Validate())
	for _, n := range g.Nodes() {
		if src := n.Op.GetSource(); src != nil && src.Identifier == "local://assets" {
			require.Equal(t, `["tmp"]`, src.Attrs[pb.AttrExcludePatterns])
		}
	}
	require.Equal(t, secretname.Patterns(), contextExcludes(t, g))
}

func TestSecretFilterKeptOut(t *testing.T) {
	keptOut, err := SecretFilter{Caps: dftest.AllCaps()}.KeptOut([]string{"!.env", "node_modules"})
	require.NoError(t, err)
	for p, want := range map[string]bool{".env": false, "sub/.env": true, "id_rsa": true, ".env.example": false, "app.py": false, "node_modules/a": true} {
		require.Equal(t, want, keptOut(p), p)
	}
	_, err = SecretFilter{Caps: dftest.AllCaps()}.KeptOut([]string{"[bad"})
	require.ErrorContains(t, err, ".dockerignore")
}

func TestSecretFilterIsDeterministic(t *testing.T) {
	df := "FROM busybox\nCOPY config/.env.production .env /app/\nCOPY . /b\nRUN --mount=type=bind,source=id_rsa,target=/k true\n"
	requireStable(t, func() *Graph {
		def, _ := dftest.Convert(t, df, "")
		g, err := Decode(def)
		require.NoError(t, err)
		_, err = SecretFilter{Caps: dftest.AllCaps()}.Apply(context.Background(), g)
		require.NoError(t, err)
		return g
	})
}
