package llbopt

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/org/optfrontend/internal/dftest"
)

// TestManifestFirstRewritesTools checks the pass on the installs of pnpm,
// Yarn 1, poetry, uv and pipenv: the install runs on a copy of exactly its
// manifests, its layer is laid on the copy of the source, and the finding
// names the manifests.
func TestManifestFirstRewritesTools(t *testing.T) {
	for _, tc := range []struct {
		name, from, run string
		files           map[string]string
		want            []string // the manifests copied first
	}{
		{name: "pnpm", from: "node:22-slim", run: "pnpm install --frozen-lockfile --prod --ignore-scripts",
			files: map[string]string{
				"package.json":   `{"name":"web","packageManager":"pnpm@9.12.0","scripts":{"start":"node src/index.js"},"dependencies":{"express":"^4.19.2"}}`,
				"pnpm-lock.yaml": "lockfileVersion: '9.0'\n\nsettings:\n  autoInstallPeers: true\n  excludeLinksFromLockfile: false\n\nimporters:\n\n  .:\n    dependencies:\n      express:\n        specifier: ^4.19.2\n        version: 4.19.2\n",
				".npmrc":         "store-dir=/pnpm/store\n",
				"src/index.js":   "",
			},
			want: []string{".npmrc", "package.json", "pnpm-lock.yaml"}},
		{name: "yarn", from: "node:22-slim", run: "yarn install --frozen-lockfile --production --network-timeout 600000 --ignore-scripts",
			files: map[string]string{
				"package.json": `{"name":"api","scripts":{"start":"node server.js"},"dependencies":{"express":"^4.19.2"}}`,
				"yarn.lock":    "# yarn lockfile v1\n\n\nexpress@^4.19.2:\n  version \"4.19.2\"\n  resolved \"https://registry.yarnpkg.com/express/-/express-4.19.2.tgz#e25437827a3aa7f2a827bc8171bbbb664a356465\"\n",
				".yarnrc":      "registry \"https://registry.npmjs.org/\"\n",
				"server.js":    "",
			},
			want: []string{".yarnrc", "package.json", "yarn.lock"}},
		{name: "poetry", from: "python:3.12-slim", run: "poetry install --no-root --only main --no-interaction",
			files: map[string]string{
				"pyproject.toml": "[tool.poetry]\nname = \"shop\"\nversion = \"0.1.0\"\ndescription = \"\"\nauthors = []\n\n[tool.poetry.dependencies]\npython = \"^3.12\"\nfastapi = \"^0.115\"\n\n[tool.poetry.group.dev.dependencies]\npytest = \"^8.3\"\n",
				"poetry.lock":    "[[package]]\nname = \"fastapi\"\nversion = \"0.115.0\"\noptional = false\npython-versions = \">=3.8\"\nfiles = []\n\n[metadata]\nlock-version = \"2.0\"\n",
				"poetry.toml":    "[virtualenvs]\ncreate = false\n",
				"shop/main.py":   "",
			},
			want: []string{"poetry.lock", "poetry.toml", "pyproject.toml"}},
		{name: "uv", from: "python:3.12-slim", run: "uv sync --frozen --no-install-project --no-dev",
			files: map[string]string{
				"pyproject.toml":  "[project]\nname = \"catalog\"\nversion = \"0.1.0\"\nrequires-python = \">=3.12\"\ndependencies = [\"anyio>=4.6\"]\n",
				"uv.lock":         "version = 1\nrequires-python = \">=3.12\"\n\n[[package]]\nname = \"anyio\"\nversion = \"4.6.0\"\nsource = { registry = \"https://pypi.org/simple\" }\n\n[[package]]\nname = \"catalog\"\nversion = \"0.1.0\"\nsource = { virtual = \".\" }\n",
				".python-version": "3.12\n",
				"main.py":         "",
			},
			want: []string{".python-version", "pyproject.toml", "uv.lock"}},
		{name: "pipenv", from: "python:3.12-slim", run: "pipenv install --system --deploy",
			files: map[string]string{
				"Pipfile":      "[[source]]\nurl = \"https://pypi.org/simple\"\nverify_ssl = true\nname = \"pypi\"\n\n[packages]\ndjango = \"==5.1.1\"\n",
				"Pipfile.lock": `{"_meta":{"sources":[{"name":"pypi","url":"https://pypi.org/simple","verify_ssl":true}]},"default":{"django":{"version":"==5.1.1"}},"develop":{}}`,
				"manage.py":    "",
			},
			want: []string{"Pipfile", "Pipfile.lock"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			df := "FROM " + tc.from + "\nWORKDIR /app\nCOPY . .\nRUN " + tc.run + "\nCMD [\"x\"]\n"
			g, rep := manifestFirst(t, df, mapFS(tc.files), dftest.AllCaps())
			require.Len(t, rep.Findings, 1, "%v", rep.Findings)
			f := rep.Findings[0]
			require.True(t, f.Changed, f.Message)
			require.Contains(t, f.Message, "installs from "+strings.Join(tc.want, ", ")+" alone")

			steps, _ := layerChain(g, g.Terminal().Inputs[0])
			last := steps[len(steps)-1]
			require.Same(t, f.Node, last.node, "the install is the image's last layer")
			cp := last.prev.Node.Op.GetFile().Actions[0].GetCopy()
			require.Empty(t, cp.IncludePatterns, "the layer below the install is the whole source")
			mc := f.Node.Inputs[0].Node.Op.GetFile().Actions[0].GetCopy()
			require.Equal(t, tc.want, mc.IncludePatterns)
		})
	}
}

// TestManifestFirstRefusesTools is the table of installs of pnpm, Yarn 1,
// poetry, uv and pipenv the pass must leave after the copy of the whole
// source, each with its reason.
func TestManifestFirstRefusesTools(t *testing.T) {
	pnpm := map[string]string{"package.json": `{"dependencies":{"express":"^4.19.2"}}`, "pnpm-lock.yaml": "lockfileVersion: '9.0'\n"}
	yarn := map[string]string{"package.json": `{"dependencies":{"express":"^4.19.2"}}`, "yarn.lock": "# yarn lockfile v1\n"}
	poetry := map[string]string{"pyproject.toml": "[tool.poetry.dependencies]\npython = \"^3.12\"\n"}
	uv := map[string]string{"pyproject.toml": "[project]\nname = \"x\"\nversion = \"0.1.0\"\n", "uv.lock": "version = 1\n"}
	pipenv := map[string]string{"Pipfile": "[packages]\ndjango = \"*\"\n", "Pipfile.lock": `{"default":{}}`}
	with := func(base map[string]string, kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		name  string
		run   string
		files map[string]string
		why   string
	}{
		{"pnpm workspace", "pnpm install --frozen-lockfile", with(pnpm, "pnpm-workspace.yaml", "packages:\n  - 'packages/*'\n"), "the context has pnpm-workspace.yaml"},
		{"pnpm patches", "pnpm install --frozen-lockfile", with(pnpm, "package.json", `{"pnpm":{"patchedDependencies":{"express@4.19.2":"patches/express.patch"}}}`), "patches dependencies"},
		{"pnpm hooks", "pnpm install", with(pnpm, ".pnpmfile.cjs", "module.exports = {hooks: {}}\n"), "the context has .pnpmfile.cjs"},
		{"pnpm's dependencies' install scripts", "pnpm install --frozen-lockfile", pnpm, "does not say which dependencies run install scripts"},
		{"Yarn 1's dependencies' install scripts", "yarn install --frozen-lockfile", yarn, "Yarn 1's lock never does"},
		{"yarn berry", "yarn install --frozen-lockfile --ignore-scripts", with(yarn, ".yarnrc.yml", "nodeLinker: node-modules\n"), "Yarn 2+ reads .yarn/ releases, plugins and patches"},
		{"yarn release of the project", "yarn install --frozen-lockfile --ignore-scripts", with(yarn, ".yarnrc", "yarn-path \".yarn-releases/yarn-1.22.22.cjs\"\n"), "runs the yarn release"},
		{"yarn postinstall", "yarn", with(yarn, "package.json", `{"scripts":{"postinstall":"patch-package"}}`), `"postinstall" script`},
		{"poetry installs the project", "poetry install", poetry, "installs the project itself"},
		{"poetry path dependency", "poetry install --no-root", with(poetry, "pyproject.toml", "[tool.poetry.dependencies]\nshared = { path = \"libs/shared\", develop = true }\n"), "takes shared from libs/shared"},
		{"uv without a frozen lock", "uv sync --no-install-project", uv, "--frozen or --locked"},
		{"uv workspace member", "uv sync --locked --no-install-project", with(uv, "uv.lock", "version = 1\n\n[[package]]\nname = \"shared\"\nversion = \"0.1.0\"\nsource = { editable = \"libs/shared\" }\n"), "installs shared from libs/shared"},
		{"uv over a virtualenv", "uv sync --frozen --no-install-project", with(uv, ".venv/pyvenv.cfg", "home = /usr/bin\n"), "the context has .venv"},
		{"pipenv dotenv", "pipenv install --deploy", with(pipenv, ".env", "PIP_INDEX_URL=https://pypi.example.com/simple\n"), "pipenv loads .env"},
		{"pipenv path", "pipenv sync", with(pipenv, "Pipfile", "[packages]\napp = {path = \".\", editable = true}\n"), "takes app from ."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			df := "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN " + tc.run + "\n"
			g, rep := manifestFirst(t, df, mapFS(tc.files), dftest.AllCaps())
			require.Len(t, rep.Findings, 1, "%v", rep.Findings)
			f := rep.Findings[0]
			require.False(t, f.Changed, f.Message)
			require.Contains(t, f.Message, tc.why)
			steps, _ := layerChain(g, g.Terminal().Inputs[0])
			require.Same(t, f.Node, steps[len(steps)-1].out.Node, "the graph is as it was")
		})
	}
}
