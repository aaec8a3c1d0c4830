package pkgcache

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDefeats(t *testing.T) {
	for _, tc := range []struct {
		name     string
		exec     Exec
		defeats  []string
		wantArgs []string // after Neutralize
		wantEnv  []string
	}{
		{
			name:     "pip no-cache-dir",
			exec:     sh("pip install --no-cache-dir -r r.txt"),
			defeats:  []string{"pip --no-cache-dir"},
			wantArgs: []string{"/bin/sh", "-c", "pip install  -r r.txt"},
		},
		{
			name:     "pip flag in both of two commands",
			exec:     sh("pip install --no-cache-dir a && pip install --no-cache-dir b"),
			defeats:  []string{"pip --no-cache-dir", "pip --no-cache-dir"},
			wantArgs: []string{"/bin/sh", "-c", "pip install  a && pip install  b"},
		},
		{
			name:     "PIP_NO_CACHE_DIR in ENV",
			exec:     sh("pip install a && pip install b", "PIP_NO_CACHE_DIR=1", "PATH=/bin"),
			defeats:  []string{"pip PIP_NO_CACHE_DIR=1"},
			wantArgs: []string{"/bin/sh", "-c", "pip install a && pip install b"},
			wantEnv:  []string{"PATH=/bin"},
		},
		{
			name:     "PIP_NO_CACHE_DIR false still disables",
			exec:     sh("pip install a", "PIP_NO_CACHE_DIR=false"),
			defeats:  []string{"pip PIP_NO_CACHE_DIR=false"},
			wantArgs: []string{"/bin/sh", "-c", "pip install a"},
		},
		{
			name:     "PIP_NO_CACHE_DIR prefix",
			exec:     sh("PIP_NO_CACHE_DIR=1 pip install a"),
			defeats:  []string{"pip PIP_NO_CACHE_DIR=1"},
			wantArgs: []string{"/bin/sh", "-c", " pip install a"},
		},
		{
			name:     "PIP_NO_CACHE_DIR export alone",
			exec:     sh("export PIP_NO_CACHE_DIR=1\npip install a"),
			defeats:  []string{"pip PIP_NO_CACHE_DIR=1"},
			wantArgs: []string{"/bin/sh", "-c", "true\npip install a"},
		},
		{
			name:     "PIP_NO_CACHE_DIR export among others",
			exec:     sh("export A=1 PIP_NO_CACHE_DIR=1\npip install a"),
			defeats:  []string{"pip PIP_NO_CACHE_DIR=1"},
			wantArgs: []string{"/bin/sh", "-c", "export A=1 \npip install a"},
		},
		{
			name:     "env wrapper variable",
			exec:     sh("env PIP_NO_CACHE_DIR=1 pip install a"),
			defeats:  []string{"pip PIP_NO_CACHE_DIR=1"},
			wantArgs: []string{"/bin/sh", "-c", "env  pip install a"},
		},
		{
			name:     "uv no-cache and UV_NO_CACHE",
			exec:     sh("uv pip install --no-cache x", "UV_NO_CACHE=1"),
			defeats:  []string{"uv --no-cache", "uv UV_NO_CACHE=1"},
			wantArgs: []string{"/bin/sh", "-c", "uv pip install  x"},
			wantEnv:  []string{},
		},
		{
			name:     "UV_NO_CACHE=0 keeps the cache",
			exec:     sh("uv sync", "UV_NO_CACHE=0"),
			defeats:  []string{},
			wantArgs: []string{"/bin/sh", "-c", "uv sync"},
			wantEnv:  []string{"UV_NO_CACHE=0"},
		},
		{
			name:     "apk no-cache",
			exec:     sh("apk add --no-cache git"),
			defeats:  []string{"apk --no-cache"},
			wantArgs: []string{"/bin/sh", "-c", "apk add --update-cache git"},
		},
		{
			name:     "npm cache clean",
			exec:     sh("npm ci && npm cache clean --force"),
			defeats:  []string{"npm npm cache clean --force"},
			wantArgs: []string{"/bin/sh", "-c", "npm ci && true"},
		},
		{
			name:     "npm cache clean without install is no defeat",
			exec:     sh("npm cache clean --force"),
			defeats:  []string{},
			wantArgs: []string{"/bin/sh", "-c", "npm cache clean --force"},
		},
		{
			name:     "yarn cache clean",
			exec:     sh("yarn install && yarn cache clean"),
			defeats:  []string{"yarn yarn cache clean", "yarn-berry yarn cache clean"},
			wantArgs: []string{"/bin/sh", "-c", "yarn install && true"},
		},
		{
			name:     "go clean modcache",
			exec:     sh("go build ./... && go clean -modcache -cache"),
			defeats:  []string{"go-build go clean -modcache -cache", "go-mod go clean -modcache -cache"},
			wantArgs: []string{"/bin/sh", "-c", "go build ./... && true"},
		},
		{
			name:    "apt docker-clean, clean and lists",
			exec:    sh("apt-get update && apt-get install -y git && apt-get clean && rm -rf /var/lib/apt/lists/*"),
			defeats: []string{"apt-archives /etc/apt/apt.conf.d/docker-clean", "apt-archives apt-get clean", "apt-lists /var/lib/apt/lists/*"},
			wantArgs: []string{"/bin/sh", "-c",
				"apt-get update && apt-get install -y git && true && true"},
		},
		{
			name:     "rm of the mount point breaks",
			exec:     sh("pip install x && rm -rf ~/.cache"),
			defeats:  []string{"pip ~/.cache breaks"},
			wantArgs: []string{"/bin/sh", "-c", "pip install x && true"},
		},
		{
			name:     "rm of one of several",
			exec:     sh("npm ci && rm -rf /tmp/* /root/.npm"),
			defeats:  []string{"npm /root/.npm breaks"},
			wantArgs: []string{"/bin/sh", "-c", "npm ci && rm -rf /tmp/* "},
		},
		{
			name:     "rm glob over the mount point",
			exec:     sh("go build && rm -rf /root/.cache/*"),
			defeats:  []string{"go-build /root/.cache/* breaks"},
			wantArgs: []string{"/bin/sh", "-c", "go build && true"},
		},
		{
			name:     "rm star skips dot dirs",
			exec:     sh("pip install x && rm -rf /root/*"),
			defeats:  []string{},
			wantArgs: []string{"/bin/sh", "-c", "pip install x && rm -rf /root/*"},
		},
		{
			name:     "rm star over a plain parent",
			exec:     sh("go mod download && rm -rf /root/*"),
			defeats:  []string{"go-mod /root/* breaks"},
			wantArgs: []string{"/bin/sh", "-c", "go mod download && true"},
		},
		{
			name:     "rm inside two caches",
			exec:     sh("pip install x && npm ci && rm -rf /root/.cache/pip/* /root/.npm/_cacache"),
			defeats:  []string{"npm /root/.npm/_cacache", "pip /root/.cache/pip/*"},
			wantArgs: []string{"/bin/sh", "-c", "pip install x && npm ci && true"},
		},
		{
			name:     "nested single-quoted script is edited in place",
			exec:     sh(`sh -c 'pip install --no-cache-dir x'`),
			defeats:  []string{"pip --no-cache-dir"},
			wantArgs: []string{"/bin/sh", "-c", `sh -c 'pip install  x'`},
		},
		{
			name:     "nested script with escapes is not edited",
			exec:     sh(`sh -c "pip install --no-cache-dir \"x\""`),
			defeats:  []string{"pip --no-cache-dir"},
			wantArgs: []string{"/bin/sh", "-c", `sh -c "pip install --no-cache-dir \"x\""`},
		},
		{
			name:     "exec form drops the argument",
			exec:     Exec{Args: []string{"pip", "install", "--no-cache-dir", "x"}},
			defeats:  []string{"pip --no-cache-dir"},
			wantArgs: []string{"pip", "install", "x"},
		},
		{
			name:     "exec form sh -c",
			exec:     Exec{Args: []string{"sh", "-c", "apk add --no-cache x"}},
			defeats:  []string{"apk --no-cache"},
			wantArgs: []string{"sh", "-c", "apk add --update-cache x"},
		},
		{
			name:     "heredoc body",
			exec:     sh("bash <<'EOF'\npip install --no-cache-dir x\nEOF\n"),
			defeats:  []string{"pip --no-cache-dir"},
			wantArgs: []string{"/bin/sh", "-c", "bash <<'EOF'\npip install  x\nEOF\n"},
		},
		{
			name:     "composer no-cache and clear-cache",
			exec:     sh("composer install --no-cache && composer clear-cache", "COMPOSER_HOME=/tmp"),
			defeats:  []string{"composer --no-cache", "composer composer clear-cache"},
			wantArgs: []string{"/bin/sh", "-c", "composer install  && true"},
		},
		{
			name:     "dnf clean all is kept",
			exec:     sh("dnf -y --refresh install gcc && dnf clean all"),
			defeats:  []string{},
			wantArgs: []string{"/bin/sh", "-c", "dnf -y --refresh install gcc && dnf clean all"},
		},
		{
			name:     "dnf5 clean all",
			exec:     sh("dnf5 -y --refresh install gcc && dnf5 clean all"),
			defeats:  []string{"libdnf5 dnf5 clean all"},
			wantArgs: []string{"/bin/sh", "-c", "dnf5 -y --refresh install gcc && true"},
		},
		{
			name:     "dnf cache emptied by rm",
			exec:     sh("dnf -y --refresh install gcc && rm -rf /var/cache/dnf/*"),
			defeats:  []string{"dnf /var/cache/dnf/*"},
			wantArgs: []string{"/bin/sh", "-c", "dnf -y --refresh install gcc && true"},
		},
		{
			name:     "dnf cache dir removed breaks",
			exec:     sh("dnf -y --refresh install gcc && rm -rf /var/cache/dnf"),
			defeats:  []string{"dnf /var/cache/dnf breaks"},
			wantArgs: []string{"/bin/sh", "-c", "dnf -y --refresh install gcc && true"},
		},
		{
			name:     "dotnet nuget locals clear breaks",
			exec:     sh("dotnet restore && dotnet nuget locals all --clear"),
			defeats:  []string{"nuget dotnet nuget locals all --clear breaks"},
			wantArgs: []string{"/bin/sh", "-c", "dotnet restore && dotnet nuget locals all --clear"},
		},
		{
			name:     "dotnet nuget locals http-cache is not the mounted folder",
			exec:     sh("dotnet restore && dotnet nuget locals http-cache --clear"),
			defeats:  []string{},
			wantArgs: []string{"/bin/sh", "-c", "dotnet restore && dotnet nuget locals http-cache --clear"},
		},
		{
			name:     "bundle cache removed breaks",
			exec:     sh("bundle install && rm -rf ~/.bundle"),
			defeats:  []string{"bundler ~/.bundle breaks"},
			wantArgs: []string{"/bin/sh", "-c", "bundle install && true"},
		},
		{
			name:     "poetry no-cache",
			exec:     sh("poetry install --no-cache"),
			defeats:  []string{"poetry --no-cache"},
			wantArgs: []string{"/bin/sh", "-c", "poetry install "},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Analyze(tc.exec, nil)
			require.NoError(t, r.Unparsed)
			require.Equal(t, tc.defeats, defeats(r))
			got, err := Neutralize(tc.exec, r.Defeats)
			require.NoError(t, err)
			require.Equal(t, tc.wantArgs, got.Args)
			if tc.wantEnv != nil {
				require.ElementsMatch(t, tc.wantEnv, got.Env)
			}
			require.Equal(t, caches(r), caches(Analyze(got, nil)), "neutralizing keeps the caches")
		})
	}
}

func TestDefeatFields(t *testing.T) {
	r := Analyze(sh("set -e\npip install \\\n  --no-cache-dir x"), nil)
	require.Len(t, r.Defeats, 1)
	d := r.Defeats[0]
	require.Equal(t, "pip install \\\n  --no-cache-dir x", d.Command)
	require.Equal(t, 2, d.Line)
	require.False(t, d.Breaks)
	require.NotEmpty(t, d.Fix.Note)

	r = Analyze(sh("apt-get install -y x"), nil)
	require.Len(t, r.Defeats, 1)
	require.Equal(t, &FileMount{Path: "/etc/apt/apt.conf.d/docker-clean", Content: aptConf}, r.Defeats[0].Fix.Mount)
}
