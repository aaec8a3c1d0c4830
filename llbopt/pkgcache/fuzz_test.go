package pkgcache

import (
	"path"
	"testing"

	"github.com/stretchr/testify/require"
)

// FuzzAnalyze checks that no script makes Analyze panic, that a script it
// cannot parse yields no cache, that every directory is absolute and
// clean, and that every fix applies.
func FuzzAnalyze(f *testing.F) {
	for _, s := range []string{
		"apt-get update && apt-get install -y git && rm -rf /var/lib/apt/lists/*",
		"pip install --no-cache-dir -r r.txt",
		"sh -c 'npm ci && npm cache clean --force'",
		"bash <<'EOF'\ngo build ./...\nEOF\n",
		"export PIP_NO_CACHE_DIR=1; cd app && PIP_CACHE_DIR=.c pip install .",
		"go() { :; }; go build; command go mod download",
		"sudo -E env -u HOME yarn && rm -rf ~/.cache /usr/local/share/.cache/yarn/*",
		"if [ ; then",
		`sh -c "bash -c 'apk add --no-cache x'"`,
		"for p in a b; do (cd $p && cargo build --offline); done",
		"mvn -o -Dmaven.repo.local=$(pwd)/m2 package | tee log",
		"bundle install --jobs 4 && rm -rf ~/.bundle/cache/*",
		"COMPOSER_HOME=/tmp composer install --no-cache && composer cc",
		"dotnet restore && dotnet publish --no-restore -o /out && dotnet nuget locals all --clear",
		"dnf -y --refresh install gcc && dnf clean all && rm -rf /var/cache/dnf",
		"bun install --frozen-lockfile --backend=symlink; bun ci",
		"COURSIER_CACHE=target/cs sbt -mem 2048 assembly",
	} {
		f.Add(s, "")
		f.Add(s, "node")
	}
	f.Fuzz(func(t *testing.T, script, user string) {
		e := Exec{Args: []string{"/bin/sh", "-c", script}, Env: []string{"HOME=/root", "GOPATH=/go"}, User: user, Cwd: "/app"}
		r := Analyze(e, passwd)
		if r.Unparsed != nil {
			require.Empty(t, r.Caches)
			require.Empty(t, r.Defeats)
			return
		}
		for _, c := range r.Caches {
			require.True(t, path.IsAbs(c.Dir) && path.Clean(c.Dir) == c.Dir && c.Dir != "/", c.Dir)
		}
		n, err := Neutralize(e, r.Defeats)
		require.NoError(t, err)
		if len(n.Args) == 3 {
			require.NoError(t, Analyze(n, passwd).Unparsed, "the fixed script parses: %q", n.Args[2])
		}
	})
}
