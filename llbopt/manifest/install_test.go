package manifest

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/org/optfrontend/llbopt/pkgcache"
)

func commands(t *testing.T, script string) []pkgcache.Command {
	t.Helper()
	cmds, err := pkgcache.Commands(pkgcache.Exec{Args: []string{"/bin/sh", "-c", script}, Cwd: "/app"})
	require.NoError(t, err)
	return cmds
}

// TestRecognize is the table of commands: installs and what they read,
// refusals and their reasons, and commands that are no install at all.
func TestRecognize(t *testing.T) {
	for _, tc := range []struct {
		script    string
		ok        bool
		tool      string
		manifests []string
		refusal   string
	}{
		{script: "pip install -r requirements.txt", ok: true, tool: "pip", manifests: []string{"requirements.txt"}},
		{script: "pip3 install --no-cache-dir -rreqs.txt --constraint=c.txt", ok: true, tool: "pip", manifests: []string{"reqs.txt", "c.txt"}},
		{script: "pip --disable-pip-version-check install -q -r ./a/../r.txt", ok: true, tool: "pip", manifests: []string{"r.txt"}},
		{script: "python3.12 -m pip install -i https://pypi.example/simple flask==3.0", ok: true, tool: "pip"},
		{script: "pip install --target /opt/deps 'uvicorn[standard]>=0.30'", ok: true, tool: "pip"},
		{script: "npm ci", ok: true, tool: "npm", manifests: []string{"package.json"}},
		{script: "npm install --omit dev --loglevel=warn", ok: true, tool: "npm", manifests: []string{"package.json"}},
		{script: "go mod download -x", ok: true, tool: "go", manifests: []string{"go.mod"}},
		{script: "pip install .", ok: true, refusal: "may be a path in the project"},
		{script: "pip install ./wheels/x.whl", ok: true, refusal: "may be a path in the project"},
		{script: "pip install -e .", ok: true, refusal: "editable mode"},
		{script: "pip install pkg-1.0-py3-none-any.whl", ok: true, refusal: "may be a path in the project"},
		{script: "pip install vendor.tar.gz flask", ok: true, refusal: "may be a path in the project"},
		{script: "pip install -r /app/requirements.txt", ok: true, refusal: "not a plain path"},
		{script: "pip install --target deps -r r.txt", ok: true, refusal: "a path in the project"},
		{script: "cd /app && pip install -r r.txt --target /app", ok: true, refusal: "uses /app, where the source is copied"},
		{script: "cd /app && pip install -r r.txt --prefix /app/.local", ok: true, refusal: "uses /app/.local, where the source is copied"},
		{script: "cd /app/src && pip install -r r.txt --root /app", ok: true, refusal: "uses /app, where the source is copied or above it"},
		{script: "pip install -r", ok: true, refusal: "ends without the value"},
		{script: "pip install --global-option=x -r r.txt", ok: true, refusal: "does not know"},
		{script: "pip install --find-links file:///app/wheels -r r.txt", ok: true, refusal: "finds packages in file:///app/wheels"},
		{script: "pip install -f https://wheels.example/ -r r.txt", ok: true, tool: "pip", manifests: []string{"r.txt"}},
		{script: "pip install --index-url=file:///app/simple -r r.txt", ok: true, refusal: "the index file:///app/simple"},
		{script: "pip install --extra-index-url file:///srv/simple flask", ok: true, refusal: "the index file:///srv/simple"},
		{script: "npm ci --cache .npm", ok: true, refusal: "a path in the project"},
		{script: "npm install lodash", ok: true, refusal: "by name"},
		{script: "npm i --frobnicate", ok: true, refusal: "does not know"},
		{script: "go mod download -modfile=other.mod", ok: true, refusal: "does not know"},
		{script: "bundle install", ok: true, refusal: "does not read the manifests"},
		{script: "cargo fetch", ok: true, refusal: "crate's own sources"},
		{script: "uv pip install -r requirements.txt", ok: true, refusal: "does not read the manifests"},

		{script: "pnpm install", ok: true, tool: "pnpm", manifests: []string{"package.json"}},
		{script: "pnpm i --frozen-lockfile --prod", ok: true, tool: "pnpm", manifests: []string{"package.json"}},
		{script: "pnpm install --reporter=append-only --store-dir /pnpm/store --ignore-scripts", ok: true, tool: "pnpm", manifests: []string{"package.json"}},
		{script: "pnpm --silent install --prefer-offline --network-concurrency 4", ok: true, tool: "pnpm", manifests: []string{"package.json"}},
		{script: "pnpm install --frobnicate", ok: true, refusal: "does not know"},
		{script: "pnpm install --filter web", ok: true, refusal: "does not know"},
		{script: "pnpm install --frozen-lockfile=false", ok: true, refusal: "does not know"},
		{script: "pnpm install lodash", ok: true, refusal: "by name"},
		{script: "pnpm i --store-dir .pnpm-store", ok: true, refusal: "a path in the project"},
		{script: "pnpm i --store-dir /app/.pnpm-store", ok: true, refusal: "a path in the project"},
		{script: "pnpm install --reporter $REPORTER", ok: true, refusal: "known only when the build runs"},
		{script: "pnpm install $PNPM_FLAGS", ok: true, refusal: "known only when the build runs"},
		{script: "pnpm fetch --prod", ok: true, refusal: "does not read the manifests"},
		{script: "pnpm $CMD"},
		{script: "pnpm add lodash"},

		{script: "yarn", ok: true, tool: "yarn", manifests: []string{"package.json"}},
		{script: "yarn install", ok: true, tool: "yarn", manifests: []string{"package.json"}},
		{script: "yarn install --frozen-lockfile --production", ok: true, tool: "yarn", manifests: []string{"package.json"}},
		{script: "yarn --frozen-lockfile --network-timeout 600000 --cache-folder /tmp/yarn", ok: true, tool: "yarn", manifests: []string{"package.json"}},
		{script: "yarn install --production=true --ignore-scripts --non-interactive --silent", ok: true, tool: "yarn", manifests: []string{"package.json"}},
		{script: "yarn install --modules-folder /opt/node_modules", ok: true, refusal: "does not know"},
		{script: "yarn install --check-files", ok: true, refusal: "does not know"},
		{script: "yarn install --cache-folder .yarn-cache", ok: true, refusal: "a path in the project"},
		{script: "yarn install express", ok: true, refusal: "by name"},
		{script: "yarn install --network-timeout $TIMEOUT", ok: true, refusal: "known only when the build runs"},
		{script: "yarn add express"},
		{script: "yarn --version"},
		{script: "yarn $CMD"},

		{script: "poetry install --no-root", ok: true, tool: "poetry", manifests: []string{"pyproject.toml"}},
		{script: "poetry install --no-root --only main --no-interaction --no-ansi", ok: true, tool: "poetry", manifests: []string{"pyproject.toml"}},
		{script: "poetry sync --no-root --without dev,test -E pdf", ok: true, tool: "poetry", manifests: []string{"pyproject.toml"}},
		{script: "poetry -n install --no-root --with=docs --compile -vv", ok: true, tool: "poetry", manifests: []string{"pyproject.toml"}},
		{script: "poetry install", ok: true, refusal: "installs the project itself"},
		{script: "poetry install --only main", ok: true, refusal: "installs the project itself"},
		{script: "poetry install --only-root", ok: true, refusal: "only the project itself"},
		{script: "poetry install --no-root --frobnicate", ok: true, refusal: "does not know"},
		{script: "poetry install --no-root -C services/api", ok: true, refusal: "does not know"},
		{script: "poetry install requests --no-root", ok: true, refusal: "does not know (requests)"},
		{script: "poetry install --no-root --with $GROUPS", ok: true, refusal: "known only when the build runs"},
		{script: "poetry add requests"},
		{script: "poetry lock"},

		{script: "uv sync --frozen --no-install-project", ok: true, tool: "uv", manifests: []string{"pyproject.toml"}},
		{script: "uv sync --locked --no-install-project --no-dev", ok: true, tool: "uv", manifests: []string{"pyproject.toml"}},
		{script: "uv --no-cache sync --frozen --no-install-workspace --group=prod --compile-bytecode --link-mode copy", ok: true, tool: "uv", manifests: []string{"pyproject.toml"}},
		{script: "uv sync --frozen --no-install-project --python 3.12 --cache-dir /root/.cache/uv", ok: true, tool: "uv", manifests: []string{"pyproject.toml"}},
		{script: "UV_FROZEN=1 uv sync --no-install-project", ok: true, tool: "uv", manifests: []string{"pyproject.toml"}},
		{script: "uv sync --no-install-project", ok: true, refusal: "--frozen or --locked"},
		{script: "UV_FROZEN=0 uv sync --no-install-project", ok: true, refusal: "--frozen or --locked"},
		{script: "uv sync --frozen", ok: true, refusal: "installs the project itself"},
		{script: "uv sync", ok: true, refusal: "installs the project itself"},
		{script: "uv sync --locked --no-install-project --package api", ok: true, refusal: "does not know"},
		{script: "uv sync --locked --no-install-project requests", ok: true, refusal: "does not know (requests)"},
		{script: "uv sync --frozen --no-install-project --python .venv/bin/python", ok: true, refusal: "a path in the project"},
		{script: "uv sync --frozen --no-install-project --cache-dir .uv-cache", ok: true, refusal: "a path in the project"},
		{script: "uv sync --frozen --no-install-project --extra $EXTRA", ok: true, refusal: "known only when the build runs"},
		{script: "UV_PROJECT=/srv/api uv sync --frozen --no-install-project", ok: true, refusal: "UV_PROJECT=/srv/api"},
		{script: "uv add requests"},
		{script: "uv run python app.py"},
		{script: "uv lock"},

		{script: "pipenv install --deploy", ok: true, tool: "pipenv", manifests: []string{"Pipfile", "Pipfile.lock"}},
		{script: "pipenv install --system --deploy --ignore-pipfile", ok: true, tool: "pipenv", manifests: []string{"Pipfile", "Pipfile.lock"}},
		{script: "pipenv sync --dev", ok: true, tool: "pipenv", manifests: []string{"Pipfile", "Pipfile.lock"}},
		{script: "pipenv install --deploy --python 3.12 --clear", ok: true, tool: "pipenv", manifests: []string{"Pipfile", "Pipfile.lock"}},
		{script: "pipenv install", ok: true, refusal: "may lock anew"},
		{script: "pipenv install --dev", ok: true, refusal: "may lock anew"},
		{script: "pipenv install requests", ok: true, refusal: "by name"},
		{script: "pipenv install --deploy --skip-lock", ok: true, refusal: "does not know"},
		{script: "pipenv install --deploy -e .", ok: true, refusal: "does not know"},
		{script: "pipenv install --deploy --categories $CATS", ok: true, refusal: "known only when the build runs"},
		{script: "pipenv sync --python ./venv/bin/python", ok: true, refusal: "a path in the project"},
		{script: "PIPENV_PIPFILE=/app/deploy/Pipfile pipenv sync", ok: true, refusal: "PIPENV_PIPFILE"},
		{script: "pipenv run python app.py"},
		{script: "pipenv lock"},

		{script: "mvn -B dependency:go-offline", ok: true, refusal: "build plugins"},
		{script: "pnpm build"},
		{script: "pnpm run build"},
		{script: "yarn test"},
		{script: "poetry run pytest"},
		{script: "bundle exec rake"},
		{script: "mvn -B package"},
		{script: "gradle build"},
		{script: "pip freeze"},
		{script: "pip --version"},
		{script: "npm run build"},
		{script: "go build ./..."},
		{script: "go mod tidy"},
		{script: "python app.py"},
		{script: "cargo build"},
	} {
		t.Run(tc.script, func(t *testing.T) {
			cmds := commands(t, tc.script)
			c := cmds[len(cmds)-1]
			inst, ok, err := Recognize(c)
			require.Equal(t, tc.ok, ok)
			if tc.refusal != "" {
				var r *Refusal
				require.ErrorAs(t, err, &r)
				require.Contains(t, r.Reason, tc.refusal)
				require.Equal(t, c.Text, r.Command)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.tool, inst.Tool)
			require.Equal(t, tc.manifests, inst.Manifests)
		})
	}
}

// TestInspect is the table of manifest contents: what they name further,
// and the lines that make the install read the project.
func TestInspect(t *testing.T) {
	pip, npm, gomod := Install{Tool: "pip"}, Install{Tool: "npm"}, Install{Tool: "go"}
	for _, tc := range []struct {
		name    string
		inst    Install
		file    string
		body    string
		refs    []string
		refusal string
	}{
		{"requirements", pip, "requirements.txt", "# pinned\nflask==3.0.3  # web\nrequests[socks]>=2,<3 ; python_version>'3.8'\n\n-r dev.txt\n--constraint c.txt\n", []string{"dev.txt", "c.txt"}, ""},
		{"nested dir", pip, "reqs/prod.txt", "-r base.txt\n-c ../constraints.txt\n", []string{"reqs/base.txt", "constraints.txt"}, ""},
		{"hashes and continuation", pip, "r.txt", "flask==3.0.3 \\\n    --hash=sha256:abc \\\n    --hash=sha256:def\n", nil, ""},
		{"index options", pip, "r.txt", "--index-url https://pypi.example/simple\n--extra-index-url=https://x/simple\n--prefer-binary\nflask\n", nil, ""},
		{"url requirement", pip, "r.txt", "pkg @ https://example.com/pkg-1.0.tar.gz\n", nil, ""},
		{"escaping the project", pip, "r.txt", "-r ../../x.txt\n", nil, "outside the directory"},
		{"editable", pip, "r.txt", "-e ./lib\n", nil, "editable mode"},
		{"local path", pip, "r.txt", "./lib\n", nil, "may be a path"},
		{"file url", pip, "r.txt", "lib @ file:///src/lib\n", nil, "may be a path"},
		{"wheel file", pip, "r.txt", "dist/lib-1.0-py3-none-any.whl\n", nil, "may be a path"},
		{"wheel file by name", pip, "r.txt", "lib-1.0-py3-none-any.whl\n", nil, "may be a path"},
		{"sdist file by name", pip, "r.txt", "lib-1.0.tar.gz ; python_version>'3'\n", nil, "may be a path"},
		{"vendored sdist", pip, "r.txt", "./vendor/x.tar.gz\n", nil, "may be a path"},
		{"file scheme", pip, "r.txt", "file:vendor/x\n", nil, "may be a path"},
		{"name like an archive's stem", pip, "r.txt", "zipp==3.19\nwheel\n", nil, ""},
		{"local find-links", pip, "r.txt", "--find-links wheels\nlib\n", nil, "directory of the project"},
		{"several options on one line", pip, "r.txt", "--no-index --find-links ./wheels\ntinypkg==1.0\n", nil, "several options on one line"},
		{"a comment ending in a backslash", pip, "r.txt", "# see docs\\setup\\\n-r base.txt\n", []string{"base.txt"}, ""},
		{"an indented comment ending in a backslash", pip, "r.txt", "flask \\\n  # pinned below \\\n-r base.txt\n", []string{"base.txt"}, ""},
		{"find-links as a file URL", pip, "r.txt", "--find-links file:///app/wheels\nlib\n", nil, "finds packages in file:///app/wheels"},
		{"find-links as a remote URL", pip, "r.txt", "-f https://wheels.example/\nlib\n", nil, ""},
		{"index as a file URL", pip, "r.txt", "--index-url=file:///app/simple\nlib\n", nil, "the index file:///app/simple"},
		{"extra index as a file URL", pip, "r.txt", "--extra-index-url file:///app/simple\nlib\n", nil, "the index file:///app/simple"},
		{"environment value", pip, "r.txt", "lib==${LIB_VERSION}\n", nil, "from the environment"},
		{"unknown option", pip, "r.txt", "--use-feature=x\n", nil, "does not know"},
		{"a dependency's install script", npm, "package-lock.json", `{"packages":{"":{"name":"a"},"node_modules/simple-git-hooks":{"version":"2.14.0","hasInstallScript":true}}}`, nil, "has simple-git-hooks run an install script"},
		{"a lockfile v1", npm, "package-lock.json", `{"lockfileVersion":1,"dependencies":{"ms":{"version":"2.1.3"}}}`, nil, "lockfileVersion 1"},
		{"a lockfile v1, scripts ignored", Install{Tool: "npm", IgnoreScripts: true}, "package-lock.json", `{"lockfileVersion":1,"dependencies":{"ms":{"version":"2.1.3"}}}`, nil, ""},
		{"a dependency's install script, scripts ignored", Install{Tool: "npm", IgnoreScripts: true}, "package-lock.json", `{"packages":{"node_modules/esbuild":{"hasInstallScript":true}}}`, nil, ""},
		{"the project's own install script in the lock", npm, "package-lock.json", `{"packages":{"":{"name":"a","hasInstallScript":true}}}`, nil, ""},
		{"package.json", npm, "package.json", `{"name":"a","dependencies":{"ms":"^2","git":"github:u/r"},"scripts":{"start":"node ."}}`, nil, ""},
		{"install script", npm, "package.json", `{"scripts":{"install":"node-gyp rebuild"}}`, nil, `"install" script`},
		{"ignored install script", Install{Tool: "npm", IgnoreScripts: true}, "package.json", `{"scripts":{"install":"node-gyp rebuild"}}`, nil, ""},
		{"link dependency", npm, "package.json", `{"devDependencies":{"x":"link:../x"}}`, nil, "a path in the project"},
		{"bundled", npm, "package.json", `{"bundleDependencies":["x"]}`, nil, "bundles dependencies"},
		{"not json", npm, "package.json", `{`, nil, "cannot be read as JSON"},
		{"lock", npm, "package-lock.json", `{"packages":{"":{"name":"a"},"node_modules/ms":{"resolved":"https://r/ms.tgz"}}}`, nil, ""},
		{"lock with file", npm, "package-lock.json", `{"packages":{"node_modules/x":{"resolved":"file:x"}}}`, nil, "links node_modules/x"},
		{"npmrc", npm, ".npmrc", "registry=https://r/\n//r/:_authToken=${NPM_TOKEN}\n", nil, ""},
		{"npmrc userconfig", npm, ".npmrc", "userconfig=conf/npmrc\n", nil, "sets userconfig"},
		{"go.mod", gomod, "go.mod", "module x\n\ngo 1.22\n\nrequire example.com/y v1.0.0\n\nreplace example.com/y => example.com/z v1.1.0\n", nil, ""},
		{"go.mod local replace", gomod, "go.mod", "module x\n\nreplace example.com/y => ../y\n", nil, "a directory of the project"},
		{"go.mod broken", gomod, "go.mod", "module\n", nil, "cannot be parsed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			refs, err := tc.inst.Inspect(tc.file, []byte(tc.body))
			if tc.refusal != "" {
				var r *Refusal
				require.ErrorAs(t, err, &r)
				require.Contains(t, r.Error(), tc.refusal)
				require.Equal(t, tc.file, r.File)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.refs, refs)
		})
	}
}

// FuzzRequirements feeds pip's requirements parser arbitrary files: it
// never panics, and every file it names stays a relative, clean path.
func FuzzRequirements(f *testing.F) {
	for _, s := range []string{"flask\n-r a.txt\n", "-c ../c.txt\n", "x @ https://e/x.tgz \\\n --hash=sha256:1\n", "-e .\n", "#c\n\n-rb.txt"} {
		f.Add("reqs/r.txt", s)
	}
	f.Fuzz(func(t *testing.T, name, body string) {
		refs, err := Requirements(name, []byte(body))
		if err != nil {
			var r *Refusal
			require.ErrorAs(t, err, &r)
			return
		}
		for _, ref := range refs {
			require.NotEmpty(t, ref)
			require.NotEqual(t, byte('/'), ref[0], "an absolute path: %q", ref)
		}
	})
}

// FuzzRecognizeTools feeds the command lines of pnpm, yarn, poetry, uv and
// pipenv arbitrary arguments (those starting with $ known only when the
// build runs): Recognize never panics, an install it accepts names its
// tool and manifests, and a refusal is a *Refusal naming the command.
func FuzzRecognizeTools(f *testing.F) {
	for i, s := range []string{"install --frozen-lockfile --store-dir /s", "--production true", "install --no-root -E", "sync --frozen --no-install-project -p", "install --deploy $X", "pip install x", "--cache-folder", "i lodash --reporter="} {
		f.Add(uint8(i), s)
	}
	tools := []string{"pnpm", "yarn", "poetry", "uv", "pipenv"}
	f.Fuzz(func(t *testing.T, tool uint8, line string) {
		c := pkgcache.Command{Name: tools[int(tool)%len(tools)], Cwd: "/app", Text: line}
		for _, w := range strings.Fields(line) {
			c.Args = append(c.Args, w)
			c.Known = append(c.Known, !strings.HasPrefix(w, "$"))
		}
		inst, ok, err := Recognize(c)
		if err != nil {
			r, isRefusal := err.(*Refusal)
			require.True(t, isRefusal, "%T: %v", err, err)
			require.True(t, ok)
			require.Equal(t, line, r.Command)
			return
		}
		if ok {
			require.Equal(t, c.Name, inst.Tool)
			require.NotEmpty(t, inst.Manifests)
		}
	})
}
