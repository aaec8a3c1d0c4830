package pkgcache

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

// sh is a shell-form exec of script as dockerfile2llb makes it.
func sh(script string, env ...string) Exec {
	return Exec{Args: []string{"/bin/sh", "-c", script}, Env: env, Cwd: "/"}
}

// caches renders caches compactly: "tool dir", then " uid:gid" for an
// owner and " offline".
func caches(r Result) []string {
	out := []string{}
	for _, c := range r.Caches {
		s := c.Tool + " " + c.Dir
		if c.Owner != nil {
			s += fmt.Sprintf(" %d:%d", c.Owner.UID, c.Owner.GID)
		}
		if c.Offline {
			s += " offline"
		}
		out = append(out, s)
	}
	return out
}

// defeats renders defeats compactly: "tool what", then " breaks".
func defeats(r Result) []string {
	out := []string{}
	for _, d := range r.Defeats {
		s := d.Tool + " " + d.What
		if d.Breaks {
			s += " breaks"
		}
		out = append(out, s)
	}
	return out
}

// passwd is a Lookup over a small /etc/passwd.
func passwd(user string) (int, int, string, bool) {
	switch user {
	case "root", "0":
		return 0, 0, "/root", true
	case "node", "1000":
		return 1000, 1000, "/home/node", true
	case "app", "1001":
		return 1001, 1002, "/srv/app", true
	}
	return 0, 0, "", false
}

type cacheCase struct {
	name   string
	exec   Exec
	lookup Lookup
	want   []string
}

// runCacheCases checks the caches Analyze finds, and that it finds no
// script it cannot parse.
func runCacheCases(t *testing.T, cases []cacheCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := Analyze(tc.exec, tc.lookup)
			require.NoError(t, r.Unparsed)
			require.Equal(t, tc.want, caches(r))
		})
	}
}

func TestAnalyzeTools(t *testing.T) {
	runCacheCases(t, []cacheCase{
		{"pip install", sh("pip install -r requirements.txt"), nil, []string{"pip /root/.cache/pip"}},
		{"pip3 install", sh("pip3 install flask"), nil, []string{"pip /root/.cache/pip"}},
		{"pip3.12 wheel", sh("pip3.12 wheel -w /wheels ."), nil, []string{"pip /root/.cache/pip"}},
		{"pip download", sh("pip download x"), nil, []string{"pip /root/.cache/pip"}},
		{"pip by path", sh("/opt/venv/bin/pip install x"), nil, []string{"pip /root/.cache/pip"}},
		{"pip global option first", sh("pip --cache-dir /pc install x"), nil, []string{"pip /pc"}},
		{"pip cache-dir equals", sh("pip install --cache-dir=/pc x"), nil, []string{"pip /pc"}},
		{"python -m pip", sh("python -m pip install x"), nil, []string{"pip /root/.cache/pip"}},
		{"python3 -u -m pip", sh("python3 -u -m pip install -U pip"), nil, []string{"pip /root/.cache/pip"}},
		{"python3.11 -m pip", sh("python3.11 -m pip install x"), nil, []string{"pip /root/.cache/pip"}},
		{"uv pip install", sh("uv pip install --system x"), nil, []string{"uv /root/.cache/uv"}},
		{"uv sync", sh("uv sync --frozen"), nil, []string{"uv /root/.cache/uv"}},
		{"uv cache-dir", sh("uv --cache-dir /uvc sync"), nil, []string{"uv /uvc"}},
		{"poetry install", sh("poetry install --no-root"), nil, []string{"poetry /root/.cache/pypoetry"}},
		{"npm ci", sh("npm ci"), nil, []string{"npm /root/.npm"}},
		{"npm install", sh("npm install"), nil, []string{"npm /root/.npm"}},
		{"npm i", sh("npm i -g pnpm"), nil, []string{"npm /root/.npm"}},
		{"npm cache flag", sh("npm ci --cache /npmc"), nil, []string{"npm /npmc"}},
		{"npm prefix then ci", sh("npm --prefix /app ci"), nil, []string{"npm /root/.npm"}},
		{"yarn bare", sh("yarn"), nil, []string{"yarn /usr/local/share/.cache/yarn", "yarn-berry /root/.yarn/berry/cache"}},
		{"yarn flags only", sh("yarn --frozen-lockfile"), nil, []string{"yarn /usr/local/share/.cache/yarn", "yarn-berry /root/.yarn/berry/cache"}},
		{"yarn install", sh("yarn install --immutable"), nil, []string{"yarn /usr/local/share/.cache/yarn", "yarn-berry /root/.yarn/berry/cache"}},
		{"yarn cache folder", sh("yarn install --cache-folder /yc"), nil, []string{"yarn /yc", "yarn-berry /root/.yarn/berry/cache"}},
		{"pnpm install", sh("pnpm install --frozen-lockfile"), nil, []string{"pnpm /root/.local/share/pnpm/store"}},
		{"pnpm store-dir", sh("pnpm install --store-dir /ps"), nil, []string{"pnpm /ps"}},
		{"go mod download", sh("go mod download"), nil, []string{"go-mod /root/go/pkg/mod"}},
		{"go build", sh("go build -o /out ./cmd/x"), nil, []string{"go-build /root/.cache/go-build", "go-mod /root/go/pkg/mod"}},
		{"go install", sh("go install ./..."), nil, []string{"go-build /root/.cache/go-build", "go-mod /root/go/pkg/mod"}},
		{"go test", sh("go test ./..."), nil, []string{"go-build /root/.cache/go-build", "go-mod /root/go/pkg/mod"}},
		{"go run", sh("go run ./gen"), nil, []string{"go-build /root/.cache/go-build", "go-mod /root/go/pkg/mod"}},
		{"go vet", sh("go vet ./..."), nil, []string{"go-build /root/.cache/go-build", "go-mod /root/go/pkg/mod"}},
		{"go generate", sh("go generate ./..."), nil, []string{"go-build /root/.cache/go-build", "go-mod /root/go/pkg/mod"}},
		{"go get", sh("go get example.com/x@v1"), nil, []string{"go-mod /root/go/pkg/mod"}},
		{"apt-get update", sh("apt-get update"), nil, []string{"apt-lists /var/lib/apt/lists"}},
		{"apt-get install", sh("apt-get install -y curl"), nil, []string{"apt-archives /var/cache/apt"}},
		{"apt-get update install", sh("apt-get update && apt-get install -y --no-install-recommends curl"), nil,
			[]string{"apt-lists /var/lib/apt/lists", "apt-archives /var/cache/apt"}},
		{"apt options first", sh("apt-get -o Acquire::Retries=3 -y upgrade"), nil, []string{"apt-archives /var/cache/apt"}},
		{"apt dist-upgrade", sh("apt dist-upgrade -y"), nil, []string{"apt-archives /var/cache/apt"}},
		{"apk add no-cache", sh("apk add --no-cache curl"), nil, []string{"apk /etc/apk/cache"}},
		{"apk add update", sh("apk add -U curl"), nil, []string{"apk /etc/apk/cache"}},
		{"apk update then add", sh("apk update && apk add curl"), nil, []string{"apk /etc/apk/cache"}},
		{"apk add alone", sh("apk add curl"), nil, []string{}},
		{"cargo build", sh("cargo build --release"), nil, []string{"cargo-git /root/.cargo/git", "cargo-registry /root/.cargo/registry"}},
		{"cargo install", sh("cargo install --locked ripgrep"), nil, []string{"cargo-git /root/.cargo/git", "cargo-registry /root/.cargo/registry"}},
		{"cargo fetch", sh("cargo fetch"), nil, []string{"cargo-git /root/.cargo/git", "cargo-registry /root/.cargo/registry"}},
		{"mvn package", sh("mvn -B -q package -DskipTests"), nil, []string{"maven /root/.m2/repository"}},
		{"mvn go-offline", sh("mvn dependency:go-offline"), nil, []string{"maven /root/.m2/repository"}},
		{"mvn repo local", sh("mvn -Dmaven.repo.local=/m2 package"), nil, []string{"maven /m2"}},
		{"mvnw", sh("./mvnw package"), nil, []string{"maven /root/.m2/repository", "maven-wrapper /root/.m2/wrapper"}},
		{"gradle build", sh("gradle build"), nil, []string{"gradle /root/.gradle/caches"}},
		{"gradlew", sh("./gradlew --no-daemon assemble"), nil, []string{"gradle /root/.gradle/caches", "gradle-wrapper /root/.gradle/wrapper/dists"}},
		{"gradle user home", sh("gradle -g /gh build"), nil, []string{"gradle /gh/caches"}},
	})
}

func TestAnalyzeEnv(t *testing.T) {
	runCacheCases(t, []cacheCase{
		{"PIP_CACHE_DIR from ENV", sh("pip install x", "PIP_CACHE_DIR=/pipc"), nil, []string{"pip /pipc"}},
		{"XDG_CACHE_HOME", sh("pip install x", "XDG_CACHE_HOME=/xdg"), nil, []string{"pip /xdg/pip"}},
		{"HOME from ENV", sh("pip install x", "HOME=/home/me"), nil, []string{"pip /home/me/.cache/pip"}},
		{"prefix assignment", sh("PIP_CACHE_DIR=/c pip install x"), nil, []string{"pip /c"}},
		{"prefix does not outlive the command", sh("PIP_CACHE_DIR=/c true && pip install x"), nil, []string{"pip /root/.cache/pip"}},
		{"export", sh("export PIP_CACHE_DIR=/e && pip install x"), nil, []string{"pip /e"}},
		{"export POSIX", Exec{Args: []string{"/bin/dash", "-c", "export PIP_CACHE_DIR=/e; pip install x"}}, nil, []string{"pip /e"}},
		{"unexported shell variable", sh("PIP_CACHE_DIR=/s; pip install x"), nil, []string{"pip /root/.cache/pip"}},
		{"assignment to an exported variable", sh("PIP_CACHE_DIR=/s; pip install x", "PIP_CACHE_DIR=/e"), nil, []string{"pip /s"}},
		{"unset", sh("unset PIP_CACHE_DIR; pip install x", "PIP_CACHE_DIR=/e"), nil, []string{"pip /root/.cache/pip"}},
		{"expansion", sh("export PIP_CACHE_DIR=$HOME/pc; pip install x"), nil, []string{"pip /root/pc"}},
		{"braced expansion", sh("PIP_CACHE_DIR=${APP}/pc pip install x", "APP=/app"), nil, []string{"pip /app/pc"}},
		{"relative dir", sh("cd /src && PIP_CACHE_DIR=.pc pip install ."), nil, []string{"pip /src/.pc"}},
		{"relative cd", Exec{Args: []string{"/bin/sh", "-c", "cd sub && pip install --cache-dir c ."}, Cwd: "/app"}, nil, []string{"pip /app/sub/c"}},
		{"subshell keeps cd", sh("(cd /x) && PIP_CACHE_DIR=c pip install ."), nil, []string{"pip /c"}},
		{"env wrapper", sh("env PIP_CACHE_DIR=/ew pip install x"), nil, []string{"pip /ew"}},
		{"env -u", sh("env -u PIP_CACHE_DIR pip install x", "PIP_CACHE_DIR=/e"), nil, []string{"pip /root/.cache/pip"}},
		{"env -i falls back to passwd home", sh("env -i pip install x", "HOME=/h"), nil, []string{"pip /root/.cache/pip"}},
		{"npm_config_cache", sh("npm ci", "npm_config_cache=/nc"), nil, []string{"npm /nc"}},
		{"NPM_CONFIG_CACHE", sh("npm ci", "NPM_CONFIG_CACHE=/NC"), nil, []string{"npm /NC"}},
		{"YARN_CACHE_FOLDER shared by both yarns", sh("yarn", "YARN_CACHE_FOLDER=/y"), nil, []string{"yarn /y"}},
		{"yarn XDG for root", sh("yarn", "XDG_CACHE_HOME=/xc"), nil, []string{"yarn /xc/yarn", "yarn-berry /root/.yarn/berry/cache"}},
		{"PNPM_HOME", sh("pnpm i", "PNPM_HOME=/pnpm"), nil, []string{"pnpm /pnpm/store"}},
		{"npm_config_store_dir", sh("pnpm i", "npm_config_store_dir=/st", "PNPM_HOME=/pnpm"), nil, []string{"pnpm /st"}},
		{"XDG_DATA_HOME pnpm", sh("pnpm i", "XDG_DATA_HOME=/d"), nil, []string{"pnpm /d/pnpm/store"}},
		{"UV_CACHE_DIR", sh("uv sync", "UV_CACHE_DIR=/u"), nil, []string{"uv /u"}},
		{"POETRY_CACHE_DIR", sh("poetry install", "POETRY_CACHE_DIR=/p"), nil, []string{"poetry /p"}},
		{"GOPATH", sh("go build", "GOPATH=/go"), nil, []string{"go-build /root/.cache/go-build", "go-mod /go/pkg/mod"}},
		{"GOPATH list", sh("go mod download", "GOPATH=/a:/b"), nil, []string{"go-mod /a/pkg/mod"}},
		{"GOMODCACHE GOCACHE", sh("go build", "GOPATH=/go", "GOMODCACHE=/gm", "GOCACHE=/gc"), nil, []string{"go-build /gc", "go-mod /gm"}},
		{"GOFLAGS prefix", sh("GOFLAGS=-mod=mod go build ./..."), nil, []string{"go-build /root/.cache/go-build", "go-mod /root/go/pkg/mod"}},
		{"CARGO_HOME", sh("cargo build", "CARGO_HOME=/usr/local/cargo"), nil, []string{"cargo-git /usr/local/cargo/git", "cargo-registry /usr/local/cargo/registry"}},
		{"GRADLE_USER_HOME", sh("gradle build", "GRADLE_USER_HOME=/g"), nil, []string{"gradle /g/caches"}},
		{"later Env entry wins", sh("pip install x", "PIP_CACHE_DIR=/a", "PIP_CACHE_DIR=/b"), nil, []string{"pip /b"}},
		{"empty HOME counts as unset", sh("pip install x", "HOME="), nil, []string{"pip /root/.cache/pip"}},
		{"tilde", sh("pip install --cache-dir ~/pc x"), nil, []string{"pip /root/pc"}},
		{"tilde user via lookup", sh("pip install --cache-dir ~node/pc x"), passwd, []string{"pip /home/node/pc"}},
	})
}

func TestAnalyzeUsers(t *testing.T) {
	runCacheCases(t, []cacheCase{
		{"root by name", Exec{Args: []string{"npm", "ci"}, User: "root"}, nil, []string{"npm /root/.npm"}},
		{"uid 0", Exec{Args: []string{"npm", "ci"}, User: "0"}, nil, []string{"npm /root/.npm"}},
		{"named via lookup", Exec{Args: []string{"npm", "ci"}, User: "node"}, passwd, []string{"npm /home/node/.npm 1000:1000"}},
		{"numeric via lookup", Exec{Args: []string{"npm", "ci"}, User: "1001"}, passwd, []string{"npm /srv/app/.npm 1001:1002"}},
		{"uid:gid", Exec{Args: []string{"npm", "ci"}, User: "1000:1000", Env: []string{"HOME=/home/u"}}, nil, []string{"npm /home/u/.npm 1000:1000"}},
		{"uid:gid home from lookup", Exec{Args: []string{"npm", "ci"}, User: "1000:50"}, passwd, []string{"npm /home/node/.npm 1000:50"}},
		{"user:group names", Exec{Args: []string{"npm", "ci"}, User: "node:node"}, passwd, []string{"npm /home/node/.npm 1000:1000"}},
		{"uid without passwd entry", Exec{Args: []string{"npm", "ci"}, User: "4242"}, passwd, []string{"npm /.npm 4242:0"}},
		{"root without passwd entry", Exec{Args: []string{"npm", "ci"}}, func(string) (int, int, string, bool) { return 0, 0, "", false }, []string{"npm /.npm"}},
		{"numeric without lookup needs HOME", Exec{Args: []string{"npm", "ci"}, User: "1000"}, nil, []string{}},
		{"numeric without lookup with HOME", Exec{Args: []string{"npm", "ci"}, User: "1000", Env: []string{"HOME=/h"}}, nil, []string{"npm /h/.npm 1000:0"}},
		{"named without lookup", Exec{Args: []string{"npm", "ci"}, User: "node", Env: []string{"HOME=/home/node"}}, nil, []string{}},
		{"yarn non-root uses HOME", Exec{Args: []string{"yarn"}, User: "node"}, passwd, []string{"yarn /home/node/.cache/yarn 1000:1000", "yarn-berry /home/node/.yarn/berry/cache 1000:1000"}},
		{"absolute dirs get an owner too", Exec{Args: []string{"pip", "install", "--cache-dir=/pc", "x"}, User: "node"}, passwd, []string{"pip /pc 1000:1000"}},
		{"sudo runs as root", Exec{Args: []string{"/bin/sh", "-c", "sudo apt-get update"}, User: "node"}, passwd, []string{"apt-lists /var/lib/apt/lists"}},
		{"sudo resets the env", Exec{Args: []string{"/bin/sh", "-c", "sudo pip install x"}, User: "node", Env: []string{"PIP_CACHE_DIR=/e"}}, passwd, []string{"pip /root/.cache/pip"}},
		{"sudo -E keeps it", Exec{Args: []string{"/bin/sh", "-c", "sudo -E pip install x"}, User: "node", Env: []string{"PIP_CACHE_DIR=/e"}}, passwd, []string{"pip /e"}},
		{"sudo -u", sh("sudo -u node npm ci"), passwd, []string{"npm /home/node/.npm 1000:1000"}},
		{"same dir root then user", Exec{Args: []string{"/bin/sh", "-c", "sudo pip install --cache-dir /pc a && pip install --cache-dir /pc b"}, User: "node"}, passwd, []string{"pip /pc 1000:1000"}},
	})
}

func TestAnalyzeForms(t *testing.T) {
	runCacheCases(t, []cacheCase{
		{"exec form", Exec{Args: []string{"pip", "install", "x"}}, nil, []string{"pip /root/.cache/pip"}},
		{"exec form shell", Exec{Args: []string{"sh", "-c", "npm ci"}}, nil, []string{"npm /root/.npm"}},
		{"SHELL bash", Exec{Args: []string{"/bin/bash", "-o", "pipefail", "-c", "curl x | tar x && [[ -f go.mod ]] && go build"}}, nil,
			[]string{"go-build /root/.cache/go-build", "go-mod /root/go/pkg/mod"}},
		{"SHELL bash -euxo", Exec{Args: []string{"bash", "-euxo", "pipefail", "-c", "npm ci"}}, nil, []string{"npm /root/.npm"}},
		{"sh -ec", Exec{Args: []string{"/bin/sh", "-ec", "npm ci"}}, nil, []string{"npm /root/.npm"}},
		{"sh -c nested", sh(`sh -c 'pip install x'`), nil, []string{"pip /root/.cache/pip"}},
		{"bash -c double quoted", sh(`bash -c "npm ci && pip install y"`), nil, []string{"npm /root/.npm", "pip /root/.cache/pip"}},
		{"nested twice", sh(`sh -c "bash -c 'go mod download'"`), nil, []string{"go-mod /root/go/pkg/mod"}},
		{"nested sees exported only", sh(`X=/x; export Y=/y; sh -c 'pip install --cache-dir "$Y" a'`), nil, []string{"pip /y"}},
		{"nested non-literal script", sh(`sh -c "$CMD"`), nil, []string{}},
		{"heredoc RUN body", sh("apt-get update\napt-get install -y git\n"), nil, []string{"apt-lists /var/lib/apt/lists", "apt-archives /var/cache/apt"}},
		{"heredoc to bash", sh("bash <<EOF\nnpm ci\nEOF\n"), nil, []string{"npm /root/.npm"}},
		{"quoted heredoc to sh", sh("sh <<'EOF'\nset -e\ngo build $X\nEOF\n"), nil, []string{"go-build /root/.cache/go-build", "go-mod /root/go/pkg/mod"}},
		{"dash heredoc", sh("sh <<-EOF\n\tpip install x\n\tEOF\n"), nil, []string{"pip /root/.cache/pip"}},
		{"herestring", sh(`bash <<< "npm ci"`), nil, []string{"npm /root/.npm"}},
		{"heredoc to python is not shell", sh("python3 <<EOF\nimport os\nEOF\n"), nil, []string{}},
		{"heredoc shebang file", Exec{Args: []string{"/dev/pipes/EOF"}}, nil, []string{}},
		{"chain and or", sh("npm ci || (pip install x; go mod download)"), nil, []string{"npm /root/.npm", "pip /root/.cache/pip", "go-mod /root/go/pkg/mod"}},
		{"block", sh("{ npm ci; }"), nil, []string{"npm /root/.npm"}},
		{"if", sh("if [ -f go.mod ]; then go mod download; else npm ci; fi"), nil, []string{"go-mod /root/go/pkg/mod", "npm /root/.npm"}},
		{"for", sh("for d in a b; do (cd $d && npm ci); done"), nil, []string{"npm /root/.npm"}},
		{"while", sh("while false; do pip install x; done"), nil, []string{"pip /root/.cache/pip"}},
		{"case", sh("case $A in x) npm ci;; *) yarn;; esac"), nil, []string{"npm /root/.npm", "yarn /usr/local/share/.cache/yarn", "yarn-berry /root/.yarn/berry/cache"}},
		{"pipeline", sh("pip install x 2>&1 | tee log"), nil, []string{"pip /root/.cache/pip"}},
		{"negated", sh("! npm ci"), nil, []string{"npm /root/.npm"}},
		{"background", sh("npm ci & wait"), nil, []string{"npm /root/.npm"}},
		{"command substitution", sh("echo $(npm ci)"), nil, []string{"npm /root/.npm"}},
		{"function body runs", sh("build() { go build ./...; }; build"), nil, []string{"go-build /root/.cache/go-build", "go-mod /root/go/pkg/mod"}},
		{"command bypasses function", sh(`go() { command go "$@"; }; command go mod download`), nil, []string{"go-mod /root/go/pkg/mod"}},
		{"sudo", sh("sudo apt-get update"), nil, []string{"apt-lists /var/lib/apt/lists"}},
		{"exec", sh("exec npm ci"), nil, []string{"npm /root/.npm"}},
		{"time keyword", Exec{Args: []string{"bash", "-c", "time npm ci"}}, nil, []string{"npm /root/.npm"}},
		{"time POSIX", Exec{Args: []string{"dash", "-c", "time -p npm ci"}}, nil, []string{"npm /root/.npm"}},
		{"nice", sh("nice -n 10 cargo build"), nil, []string{"cargo-git /root/.cargo/git", "cargo-registry /root/.cargo/registry"}},
		{"timeout", sh("timeout -s KILL 10m go test ./..."), nil, []string{"go-build /root/.cache/go-build", "go-mod /root/go/pkg/mod"}},
		{"quoted name", sh(`"npm" 'ci'`), nil, []string{"npm /root/.npm"}},
		{"escaped name", sh(`\npm ci`), nil, []string{"npm /root/.npm"}},
		{"busybox sh", sh(`busybox sh -c "npm ci"`), nil, []string{"npm /root/.npm"}},
		{"two pip installs one cache", sh("pip install a && pip3 install b && python -m pip install c"), nil, []string{"pip /root/.cache/pip"}},
		{"zsh", Exec{Args: []string{"zsh", "-c", "npm ci"}}, nil, []string{"npm /root/.npm"}},
	})
}

func TestAnalyzeNoMatch(t *testing.T) {
	for _, tc := range []struct{ name, script string }{
		{"echo", "echo pip install x"},
		{"comment", "# npm ci\ntrue"},
		{"printf", "printf 'npm ci'"},
		{"function shadows", "go() { :; }; go build"},
		{"function named pip", "pip() { echo no; }\npip install x"},
		{"variable command", "$PIP install x"},
		{"known variable command", "PIP=pip; $PIP install x"},
		{"pipx", "pipx install black"},
		{"pipenv", "pipenv install"},
		{"npm run", "npm run build"},
		{"npm test", "npm test"},
		{"npx", "npx tsc"},
		{"go version", "go version"},
		{"go env", "go env GOPATH"},
		{"go fmt", "go fmt ./..."},
		{"variable subcommand", "go $CMD ./..."},
		{"yarn script", "yarn build"},
		{"pip list", "pip list"},
		{"pip freeze", "pip freeze > req.txt"},
		{"apt-get clean alone", "apt-get clean"},
		{"apt-cache", "apt-cache policy curl"},
		{"mvn version", "mvn -v"},
		{"mvn no goal", "mvn -B"},
		{"gradle version", "gradle --version"},
		{"cargo version", "cargo --version"},
		{"command -v", "command -v pip"},
		{"which", "which npm"},
		{"quoted string", "echo 'npm ci && go build'"},
		{"heredoc to cat", "cat <<EOF > /x.sh\nnpm ci\nEOF\n"},
		{"sh script file", "sh ./install.sh"},
		{"python -c", "python3 -c 'import pip'"},
		{"python script named pip", "python3 pip install x"},
		{"path suffix", "/usr/bin/npmx ci"},
		{"apk del", "apk del curl"},
		{"uv run is not uv pip", "uv venv"},
		{"dot source", ". ./env.sh"},
		{"test clause", "[[ -n $(echo) ]]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Analyze(sh(tc.script), passwd)
			require.NoError(t, r.Unparsed)
			require.Empty(t, r.Caches)
			require.Empty(t, r.Defeats)
		})
	}
}

func TestAnalyzeUnparsed(t *testing.T) {
	for _, tc := range []struct{ name, script string }{
		{"unclosed if", "if true; then npm ci"},
		{"unclosed quote", "npm ci && echo 'x"},
		{"bad then", "if [ ; then"},
		{"nested bad", `npm ci && sh -c 'pip install x && ('`},
		{"unclosed heredoc body shell", "bash <<'EOF'\nnpm ci && (\nEOF\n"},
		{"stray done", "pip install x; done"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Analyze(sh(tc.script), nil)
			require.Error(t, r.Unparsed)
			require.Empty(t, r.Caches)
			require.Empty(t, r.Defeats)
		})
	}
}

func TestAnalyzeUnresolved(t *testing.T) {
	for _, tc := range []struct {
		name    string
		exec    Exec
		want    []string
		wantErr error
	}{
		{"command substitution", sh(`PIP_CACHE_DIR=$(mktemp -d) pip install x`), []string{}, ErrUnresolvedDir},
		{"sourced variable", sh(`. /etc/profile; pip install --cache-dir "$D" x`), []string{}, ErrUnresolvedDir},
		{"loop variable", sh(`for d in /a /b; do PIP_CACHE_DIR=$d pip install x; done`), []string{}, ErrUnresolvedDir},
		{"unknown cwd", sh(`cd "$(dirname x)" && pip install --cache-dir c x`), []string{}, ErrUnresolvedDir},
		{"unknown user", Exec{Args: []string{"npm", "ci"}, User: "ghost"}, []string{}, ErrUnknownUser},
		{"others still found", sh(`npm ci && PIP_CACHE_DIR=$(x) pip install y`), []string{"npm /root/.npm"}, ErrUnresolvedDir},
		{"cache dir is root", sh(`pip install --cache-dir / x`), []string{}, ErrUnresolvedDir},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Analyze(tc.exec, passwd)
			require.NoError(t, r.Unparsed)
			require.Equal(t, tc.want, caches(r))
			require.ErrorIs(t, r.Unresolved, tc.wantErr)
		})
	}
}

func TestAnalyzeOffline(t *testing.T) {
	runCacheCases(t, []cacheCase{
		{"npm offline", sh("npm ci --offline"), nil, []string{"npm /root/.npm offline"}},
		{"mvn -o", sh("mvn -o package"), nil, []string{"maven /root/.m2/repository offline"}},
		{"filled first", sh("mvn dependency:go-offline && mvn -o package"), nil, []string{"maven /root/.m2/repository"}},
		{"GOPROXY off", sh("go build", "GOPROXY=off"), nil, []string{"go-build /root/.cache/go-build offline", "go-mod /root/go/pkg/mod offline"}},
		{"cargo frozen", sh("cargo build --frozen"), nil, []string{"cargo-git /root/.cargo/git offline", "cargo-registry /root/.cargo/registry offline"}},
		{"CARGO_NET_OFFLINE", sh("cargo build", "CARGO_NET_OFFLINE=true"), nil, []string{"cargo-git /root/.cargo/git offline", "cargo-registry /root/.cargo/registry offline"}},
	})
}

func TestAnalyzeDetails(t *testing.T) {
	script := "set -e\napt-get update \\\n  && apt-get install -y git\ncd /app\nsh -c 'pip install x'\n"
	r := Analyze(sh(script), nil)
	require.NoError(t, r.Unparsed)
	require.NoError(t, r.Unresolved)
	require.Equal(t, []Cache{
		{Tool: "apt-lists", Dir: "/var/lib/apt/lists", Sharing: SharingLocked, Command: "apt-get update", Line: 2},
		{Tool: "apt-archives", Dir: "/var/cache/apt", Sharing: SharingLocked, Command: "apt-get install -y git", Line: 3},
		{Tool: "pip", Dir: "/root/.cache/pip", Sharing: SharingShared, Command: "pip install x", Line: 5},
	}, r.Caches)
}

func TestAnalyzeDeterministic(t *testing.T) {
	e := sh("cargo build && go build && yarn && pip install --no-cache-dir x && rm -rf ~/.cache /var/lib/apt/lists/* && apt-get update")
	first := Analyze(e, nil)
	for range 50 {
		require.Equal(t, first, Analyze(e, nil))
	}
	require.Equal(t, []string{
		"cargo-git /root/.cargo/git", "cargo-registry /root/.cargo/registry",
		"go-build /root/.cache/go-build", "go-mod /root/go/pkg/mod",
		"yarn /usr/local/share/.cache/yarn", "yarn-berry /root/.yarn/berry/cache",
		"pip /root/.cache/pip", "apt-lists /var/lib/apt/lists",
	}, caches(first))
}

func TestAnalyzeEmpty(t *testing.T) {
	require.Equal(t, Result{}, Analyze(Exec{}, nil))
	r := Analyze(Exec{Args: []string{"cmd", "/S", "/C", "npm ci"}}, nil)
	require.Empty(t, r.Caches)
	require.NoError(t, r.Unparsed)
}

// TestAnalyzeDockerfileHeredocs covers the forms dockerfile2llb gives a
// RUN with here-documents (dispatchRun in convert.go).
func TestAnalyzeDockerfileHeredocs(t *testing.T) {
	runCacheCases(t, []cacheCase{
		// RUN <<EOF ... EOF: the body, run by the shell.
		{"body", sh("set -ex\npip install -r requirements.txt\n"), nil, []string{"pip /root/.cache/pip"}},
		// RUN <<EOF bash ... EOF: rebuilt as a script holding the here-document.
		{"rebuilt to bash", sh("<<EOF bash\nnpm ci\nEOF"), nil, []string{"npm /root/.npm"}},
		{"rebuilt command first", sh("bash -e <<'EOT'\ngo mod download\nEOT"), nil, []string{"go-mod /root/go/pkg/mod"}},
		// RUN <<EOF with a shebang: a mounted file runs; its text is not here.
		{"shebang", Exec{Args: []string{"/dev/pipes/EOF"}}, nil, []string{}},
	})
}

func TestAnalyzeLines(t *testing.T) {
	for _, tc := range []struct {
		name, script string
		line         int
		command      string
	}{
		{"first line", "npm ci", 1, "npm ci"},
		{"after continuation", "true \\\n && npm ci", 2, "npm ci"},
		{"in sh -c", "true\nsh -c 'true\nnpm ci'", 3, "npm ci"},
		{"in heredoc", "true\nbash <<EOF\ntrue\nnpm ci\nEOF\n", 4, "npm ci"},
		{"prefix kept", "true; npm_config_cache=/c npm ci", 1, "npm_config_cache=/c npm ci"},
		{"wrapped", "sudo -E npm ci", 1, "sudo -E npm ci"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Analyze(sh(tc.script), nil)
			require.Len(t, r.Caches, 1)
			require.Equal(t, tc.line, r.Caches[0].Line)
			require.Equal(t, tc.command, r.Caches[0].Command)
		})
	}
}

func TestAnalyzeShellState(t *testing.T) {
	runCacheCases(t, []cacheCase{
		{"export naked", sh("PIP_CACHE_DIR=/s; export PIP_CACHE_DIR; pip install x"), nil, []string{"pip /s"}},
		{"export as a command", sh("command export PIP_CACHE_DIR=/e; pip install x"), nil, []string{"pip /e"}},
		{"export naked as a command", sh("PIP_CACHE_DIR=/s; command export PIP_CACHE_DIR; pip install x"), nil, []string{"pip /s"}},
		{"declare -x", Exec{Args: []string{"bash", "-c", "declare -x PIP_CACHE_DIR=/d; pip install x"}}, nil, []string{"pip /d"}},
		{"local in function", sh("f() { local PIP_CACHE_DIR=/l; pip install x; }; f; pip install y"), nil, []string{"pip /root/.cache/pip"}},
		{"append", sh("export PIP_CACHE_DIR=/a; PIP_CACHE_DIR+=/b; pip install x"), nil, []string{"pip /a/b"}},
		{"array is unknown", Exec{Args: []string{"bash", "-c", "PIP_CACHE_DIR=(a b); pip install --cache-dir /x y"}}, nil, []string{"pip /x"}},
		{"cd home", Exec{Args: []string{"/bin/sh", "-c", "cd && pip install --cache-dir c x"}, Cwd: "/app"}, nil, []string{"pip /root/c"}},
		{"cd option", sh("cd -P /x && pip install --cache-dir c y"), nil, []string{"pip /x/c"}},
		{"unset -f", sh("go() { :; }; unset -f go; go mod download"), nil, []string{"go-mod /root/go/pkg/mod"}},
		{"env chdir", sh("env -C /w pip install --cache-dir c x"), nil, []string{"pip /w/c"}},
		{"env chdir equals", sh("env --chdir=/w pip install --cache-dir c x"), nil, []string{"pip /w/c"}},
		{"env --", sh("env -- PIP_CACHE_DIR=/e pip install x"), nil, []string{"pip /e"}},
		{"sudo --user=", sh("sudo --user=node -- npm ci"), passwd, []string{"npm /home/node/.npm 1000:1000"}},
		{"sudo -H", Exec{Args: []string{"/bin/sh", "-c", "sudo -E -H npm ci"}, User: "node", Env: []string{"HOME=/home/node"}}, passwd, []string{"npm /root/.npm"}},
		{"sudo unknown option", sh("sudo -i npm ci"), nil, []string{}},
		{"command -p", sh("command -p npm ci"), nil, []string{"npm /root/.npm"}},
		{"exec -a", sh("exec -a name npm ci"), nil, []string{"npm /root/.npm"}},
		{"nohup", sh("nohup npm ci"), nil, []string{"npm /root/.npm"}},
		{"process substitution", Exec{Args: []string{"bash", "-c", "diff <(npm ci) x"}}, nil, []string{"npm /root/.npm"}},
		{"coproc", Exec{Args: []string{"bash", "-c", "coproc npm ci"}}, nil, []string{"npm /root/.npm"}},
		{"unquoted heredoc expands", sh("bash <<EOF\npip install --cache-dir $HOME/pc x\nEOF\n"), nil, []string{"pip /root/pc"}},
		{"heredoc on fd 3 is not stdin", sh("bash 3<<EOF\nnpm ci\nEOF\n"), nil, []string{}},
		{"dollar-quoted script", Exec{Args: []string{"bash", "-c", `bash -c $'npm ci\ngo mod download'`}}, nil, []string{"npm /root/.npm", "go-mod /root/go/pkg/mod"}},
		{"bash -s", sh("bash -s <<EOF\nnpm ci\nEOF\n"), nil, []string{"npm /root/.npm"}},
		{"bash -o pipefail -c", sh(`bash -o pipefail -c "npm ci | cat"`), nil, []string{"npm /root/.npm"}},
		{"sh -- script file", sh("sh -- ./x.sh"), nil, []string{}},
	})
}

// TestAnalyzeMoreTools covers bundler, composer, dotnet, dnf, bun and sbt:
// each directory from its flag, its variables and the home, for root and
// for a named user.
func TestAnalyzeMoreTools(t *testing.T) {
	node := func(script string, env ...string) Exec {
		return Exec{Args: []string{"/bin/sh", "-c", script}, Env: env, User: "node", Cwd: "/app"}
	}
	runCacheCases(t, []cacheCase{
		{"bundle install", sh("bundle install --jobs 4"), nil, []string{"bundler /root/.bundle/cache"}},
		{"bundle bare", sh("bundle"), nil, []string{"bundler /root/.bundle/cache"}},
		{"bundler update", sh("bundler update rails"), nil, []string{"bundler /root/.bundle/cache"}},
		{"bundle config first", sh("bundle config set --local without development && bundle install"), nil, []string{"bundler /root/.bundle/cache"}},
		{"BUNDLE_USER_CACHE", sh("bundle install", "BUNDLE_USER_CACHE=/bc"), nil, []string{"bundler /bc"}},
		{"BUNDLE_USER_HOME", sh("bundle install", "BUNDLE_USER_HOME=/bh"), nil, []string{"bundler /bh/cache"}},
		{"bundle as node", node("bundle install"), passwd, []string{"bundler /home/node/.bundle/cache 1000:1000"}},
		{"composer install", sh("composer install --no-dev --optimize-autoloader", "COMPOSER_HOME=/tmp"), nil, []string{"composer /tmp/cache"}},
		{"COMPOSER_CACHE_DIR wins", sh("composer require monolog/monolog", "COMPOSER_HOME=/tmp", "COMPOSER_CACHE_DIR=/cc"), nil, []string{"composer /cc"}},
		{"composer global require", sh("COMPOSER_HOME=/opt/composer composer global require phpunit/phpunit"), nil, []string{"composer /opt/composer/cache"}},
		{"composer working dir", sh("composer -d /app install", "COMPOSER_HOME=/c"), nil, []string{"composer /c/cache"}},
		{"composer as node", node("composer install", "COMPOSER_HOME=/home/node/.composer"), passwd, []string{"composer /home/node/.composer/cache 1000:1000"}},
		{"dotnet restore", sh("dotnet restore"), nil, []string{"nuget /root/.nuget/packages"}},
		{"dotnet publish", sh("dotnet publish -c Release -o /app/out"), nil, []string{"nuget /root/.nuget/packages"}},
		{"dotnet restore packages flag", sh("dotnet restore --packages /pk"), nil, []string{"nuget /pk"}},
		{"NUGET_PACKAGES", sh("dotnet build", "NUGET_PACKAGES=/np"), nil, []string{"nuget /np"}},
		{"dotnet as node", node("dotnet test"), passwd, []string{"nuget /home/node/.nuget/packages 1000:1000"}},
		{"dnf refresh", sh("dnf -y --refresh install gcc"), nil, []string{"dnf /var/cache/dnf", "libdnf5 /var/cache/libdnf5"}},
		{"yum refresh", sh("yum install --refresh -y git"), nil, []string{"dnf /var/cache/dnf", "libdnf5 /var/cache/libdnf5"}},
		{"dnf setopt before", sh("dnf --setopt install_weak_deps=False --refresh -y install gcc"), nil, []string{"dnf /var/cache/dnf", "libdnf5 /var/cache/libdnf5"}},
		{"dnf5 refresh", sh("dnf5 --refresh -y upgrade"), nil, []string{"libdnf5 /var/cache/libdnf5"}},
		{"dnf as node keeps the system cache", node("sudo dnf --refresh -y install gcc"), passwd, []string{"dnf /var/cache/dnf", "libdnf5 /var/cache/libdnf5"}},
		{"bun ci", sh("bun ci"), nil, []string{"bun /root/.bun/install/cache"}},
		{"bun install frozen", sh("bun install --frozen-lockfile --production"), nil, []string{"bun /root/.bun/install/cache"}},
		{"bun cache-dir flag", sh("bun install --frozen-lockfile --cache-dir /bc"), nil, []string{"bun /bc"}},
		{"BUN_INSTALL_CACHE_DIR", sh("bun i --frozen-lockfile", "BUN_INSTALL_CACHE_DIR=/b"), nil, []string{"bun /b"}},
		{"bun as node", node("bun install --frozen-lockfile"), passwd, []string{"bun /home/node/.bun/install/cache 1000:1000"}},
		{"sbt", sh("sbt -Dsbt.ci=true clean assembly"), nil, []string{"coursier /root/.cache/coursier/v1"}},
		{"sbt bare", sh("sbt compile"), nil, []string{"coursier /root/.cache/coursier/v1"}},
		{"COURSIER_CACHE", sh("sbt update", "COURSIER_CACHE=/cs"), nil, []string{"coursier /cs"}},
		{"cache beside the project", sh("cd /app && COMPOSER_CACHE_DIR=/app/.composer-cache composer install"), nil, []string{"composer /app/.composer-cache"}},
		{"sbt as node", node("sbt stage"), passwd, []string{"coursier /home/node/.cache/coursier/v1 1000:1000"}},
	})
}

// TestAnalyzeMoreToolsLeftAlone lists the commands of the added families,
// and of the refused ones, that get no cache.
func TestAnalyzeMoreToolsLeftAlone(t *testing.T) {
	for _, tc := range []struct{ name, script string }{
		{"bundle exec", "bundle exec rake assets:precompile"},
		{"bundle version", "bundle --version"},
		{"bundle check", "bundle check"},
		{"gem install", "gem install bundler -v 2.5.0"},
		{"composer dump-autoload", "composer dump-autoload --optimize"},
		{"composer version", "composer --version"},
		{"dotnet run dll", "dotnet /app/app.dll"},
		{"dotnet --info", "dotnet --info"},
		{"dotnet ef", "dotnet ef migrations bundle"},
		{"dnf without refresh", "dnf install -y gcc && dnf clean all"},
		{"yum without refresh", "yum -y install git"},
		{"dnf clean alone", "dnf clean all"},
		{"microdnf", "microdnf install -y gcc && microdnf clean all"},
		{"zypper", "zypper --non-interactive refresh && zypper --non-interactive install -y gcc"},
		{"conda", "conda install -y numpy && conda clean -afy"},
		{"mamba", "mamba install -y -c conda-forge numpy"},
		{"micromamba", "micromamba install -y -n base -f env.yaml"},
		{"bun install without lockfile", "bun install"},
		{"bun add", "bun add react"},
		{"bun symlink backend", "bun install --frozen-lockfile --backend symlink"},
		{"bun run", "bun run build"},
		{"sbt version", "sbt --version"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Analyze(sh(tc.script, "COMPOSER_HOME=/tmp"), passwd)
			require.NoError(t, r.Unparsed)
			require.Empty(t, r.Caches)
			require.Empty(t, r.Defeats)
		})
	}
}

// TestAnalyzeMoreToolsUnresolved covers the directories that cannot be
// resolved: Composer without its variables, a cache dir under /dev.
func TestAnalyzeMoreToolsUnresolved(t *testing.T) {
	for _, tc := range []struct {
		name string
		exec Exec
	}{
		{"composer default", sh("composer install")},
		{"composer default as node", Exec{Args: []string{"composer", "install"}, User: "node"}},
		{"COMPOSER_CACHE_DIR /dev/null", sh("composer install", "COMPOSER_CACHE_DIR=/dev/null")},
		{"bun cache under /proc", sh("bun ci", "BUN_INSTALL_CACHE_DIR=/proc/self/cwd")},
		{"composer cache is the vendor dir", sh("cd /app && COMPOSER_CACHE_DIR=/app/vendor composer install")},
		{"composer cache inside vendor", sh("cd /app && composer install", "COMPOSER_CACHE_DIR=/app/vendor/.cache")},
		{"bundler cache is the project", sh("cd /srv/app && BUNDLE_USER_CACHE=/srv bundle install")},
		{"bun cache in node_modules", sh("cd /app && bun ci --cache-dir node_modules/.cache")},
		{"nuget packages in obj", Exec{Args: []string{"dotnet", "restore", "--packages", "obj/pkgs"}, Cwd: "/src"}},
		{"coursier cache in target", Exec{Args: []string{"sbt", "update"}, Env: []string{"COURSIER_CACHE=/build/target/cs"}, Cwd: "/build"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := Analyze(tc.exec, passwd)
			require.NoError(t, r.Unparsed)
			require.Empty(t, r.Caches)
			require.ErrorIs(t, r.Unresolved, ErrUnresolvedDir)
			require.NotEmpty(t, r.UnresolvedTools)
		})
	}
}

// TestAnalyzeMoreToolsRuntime checks which of the added caches the
// program an image ships may read at run time.
func TestAnalyzeMoreToolsRuntime(t *testing.T) {
	for _, tc := range []struct {
		script  string
		runtime bool
	}{
		{"dotnet restore", true},
		{"sbt assembly", true},
		{"bundle install", false},
		{"bun ci", false},
		{"dnf --refresh -y install gcc", false},
	} {
		t.Run(tc.script, func(t *testing.T) {
			r := Analyze(sh(tc.script, "COMPOSER_HOME=/tmp"), nil)
			require.NotEmpty(t, r.Caches)
			for _, c := range r.Caches {
				require.Equal(t, tc.runtime, c.Runtime, c.Tool)
			}
		})
	}
}

func TestAnalyzeMoreToolsOffline(t *testing.T) {
	runCacheCases(t, []cacheCase{
		{"dotnet no-restore", sh("dotnet publish --no-restore -c Release"), nil, []string{"nuget /root/.nuget/packages offline"}},
		{"restore first", sh("dotnet restore && dotnet publish --no-restore"), nil, []string{"nuget /root/.nuget/packages"}},
		{"bundle local", sh("bundle install --local"), nil, []string{"bundler /root/.bundle/cache offline"}},
		{"composer network off", sh("composer install", "COMPOSER_HOME=/tmp", "COMPOSER_DISABLE_NETWORK=1"), nil, []string{"composer /tmp/cache offline"}},
		{"dnf cacheonly", sh("dnf -C --refresh install x"), nil, []string{"dnf /var/cache/dnf offline", "libdnf5 /var/cache/libdnf5 offline"}},
	})
}
