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
