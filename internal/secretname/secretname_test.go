package secretname

import (
	"testing"

	"github.com/moby/patternmatcher"
	"github.com/stretchr/testify/require"
)

// TestPatternsAgreeWithMatch checks that the patterns leave out exactly
// the names Match takes, at the root and below it.
func TestPatternsAgreeWithMatch(t *testing.T) {
	pm, err := patternmatcher.New(Patterns())
	require.NoError(t, err)
	for _, p := range []string{
		".env", ".env.local", ".env.production.local", "id_rsa", "id_ed25519_sk", "store.p12", "a.keystore",
		".aws/credentials", ".config/gcloud/application_default_credentials.json", ".netrc", ".pgpass", ".git-credentials",
		".env.example", ".env.local.sample", ".env.tpl", "id_rsa.pub", "env.py", ".envrc", "credentials", "aws/credentials.go",
		"tls.pem", "tls.key", ".npmrc",
		".pypirc", ".docker/config.json", ".dockercfg", ".kube/config", ".cargo/credentials.toml", ".vault-token",
		"config.json", "kube/config", ".docker/daemon.json",
	} {
		for _, at := range []string{p, "deep/er/" + p} {
			out, err := pm.MatchesOrParentMatches(at)
			require.NoError(t, err)
			require.Equal(t, Match(at), out, at)
		}
	}
}

func TestNames(t *testing.T) {
	for _, src := range []string{".env", "config/.env.production", ".env*", "*.p12", "keys/id_*", "home/.aws/credentials"} {
		require.True(t, Names(src), src)
	}
	for _, src := range []string{"", "app.py", "*", "secrets/*", "config", ".env.example", "*.py", "home/.aws", "*.pem", ".npmrc"} {
		require.False(t, Names(src), src)
	}
}

func TestMentioned(t *testing.T) {
	for script, want := range map[string][]string{
		"cp .pypirc /root/.pypirc && twine upload dist/*":                {".pypirc"},
		"cat /src/.env > /x; ssh -i ./keys/id_ed25519 host":              {".env", "id_ed25519"},
		"mkdir -p ~/.docker && cp docker/.docker/config.json ~/.docker/": {".docker/config.json"},
		"KUBECONFIG=/app/.kube/config kubectl get pods":                  {".kube/config"},
		"source .env.production":                                         {".env.production"},
		"cp .env.example .env.local":                                     {".env.local"},
		"pip install -r requirements.txt":                                nil,
		"cat $F/.env*":                                                   nil,
	} {
		require.Equal(t, want, Mentioned(script), script)
	}
	require.True(t, MentionMatches(".pypirc", "deploy/.pypirc"))
	require.True(t, MentionMatches(".docker/config.json", "ci/.docker/config.json"))
	require.False(t, MentionMatches(".env", "x.env"))
}
