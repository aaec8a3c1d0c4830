package manifest

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// inspectCase is one manifest of a table of Inspect: refusal "" for one
// the install may read as it is.
type inspectCase struct {
	name    string
	inst    Install
	file    string
	body    string
	refusal string
}

func runInspect(t *testing.T, cases []inspectCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			refs, err := tc.inst.Inspect(tc.file, []byte(tc.body))
			require.Empty(t, refs, "these manifests name no further ones")
			if tc.refusal != "" {
				var r *Refusal
				require.ErrorAs(t, err, &r)
				require.Contains(t, r.Error(), tc.refusal)
				require.Equal(t, tc.file, r.File)
				return
			}
			require.NoError(t, err)
		})
	}
}

// fuzzInspect feeds one manifest kind arbitrary contents: Inspect never
// panics, names no further manifest, and answers nil or a *Refusal that
// names the file.
func fuzzInspect(f *testing.F, inst Install, file string, seeds ...string) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		refs, err := inst.Inspect(file, []byte(body))
		require.Empty(t, refs)
		if err != nil {
			r, ok := err.(*Refusal)
			require.True(t, ok, "%T: %v", err, err)
			require.Equal(t, file, r.File)
		}
	})
}

// TestRecognizeReads checks what each new install reads besides its
// manifests, and what must be absent for it to read nothing more.
func TestRecognizeReads(t *testing.T) {
	for _, tc := range []struct {
		script        string
		ifPresent     []string
		mustBeAbsent  []string
		ignoreScripts bool
		frozen        bool
	}{
		{"pnpm install --frozen-lockfile", []string{"pnpm-lock.yaml", ".npmrc"}, []string{"node_modules", "pnpm-workspace.yaml", ".pnpmfile.cjs", ".pnpmfile.mjs", "package.yaml", "package.json5", "binding.gyp"}, false, false},
		{"pnpm install --ignore-scripts", []string{"pnpm-lock.yaml", ".npmrc"}, []string{"node_modules", "pnpm-workspace.yaml", ".pnpmfile.cjs", ".pnpmfile.mjs", "package.yaml", "package.json5", "binding.gyp"}, true, false},
		{"yarn --ignore-scripts", []string{"yarn.lock", ".yarnrc", ".npmrc", ".yarnclean", ".yarnrc.yml"}, []string{"node_modules", ".pnp.cjs", ".pnp.js", ".yarn", "binding.gyp"}, true, false},
		{"poetry install --no-root", []string{"poetry.lock", "poetry.toml", ".python-version"}, []string{".venv", ".poetry"}, false, false},
		{"uv sync --locked --no-install-project", []string{"uv.lock", "uv.toml", ".python-version", ".python-versions"}, []string{".venv"}, false, false},
		{"uv sync --frozen --no-install-project", []string{"uv.lock", "uv.toml", ".python-version", ".python-versions"}, []string{".venv"}, false, true},
		{"pipenv sync", []string{".python-version", ".env"}, []string{".venv"}, false, false},
		{"PIPENV_DONT_LOAD_ENV=1 pipenv install --deploy", []string{".python-version"}, []string{".venv"}, false, false},
	} {
		t.Run(tc.script, func(t *testing.T) {
			cmds := commands(t, tc.script)
			inst, ok, err := Recognize(cmds[len(cmds)-1])
			require.True(t, ok)
			require.NoError(t, err)
			require.Equal(t, tc.ifPresent, inst.IfPresent)
			require.Equal(t, tc.mustBeAbsent, inst.MustBeAbsent)
			require.Empty(t, inst.Replaces)
			require.Equal(t, tc.ignoreScripts, inst.IgnoreScripts)
			require.Equal(t, tc.frozen, inst.frozen)
			require.Equal(t, "/app", inst.dir)
		})
	}
}

const pnpmPackage = `{
  "name": "web",
  "version": "1.0.0",
  "private": true,
  "packageManager": "pnpm@9.12.0",
  "scripts": {"build": "vite build", "dev": "vite", "start": "node dist/server.js"},
  "dependencies": {"express": "^4.19.2", "zod": "3.23.8", "ui": "github:example/ui#v2.1.0", "left-pad": "https://registry.example.com/left-pad-1.3.0.tgz"},
  "devDependencies": {"typescript": "~5.6.2", "vite": "npm:rolldown-vite@latest"},
  "pnpm": {
    "overrides": {"semver@<7.5.2": ">=7.5.2", "foo>bar": "-"},
    "packageExtensions": {"react-redux@1": {"peerDependencies": {"react-dom": "*"}}},
    "onlyBuiltDependencies": ["esbuild"],
    "peerDependencyRules": {"ignoreMissing": ["@babel/*"]}
  }
}`

const pnpmLockV9 = `lockfileVersion: '9.0'

settings:
  autoInstallPeers: true
  excludeLinksFromLockfile: false

importers:

  .:
    dependencies:
      express:
        specifier: ^4.19.2
        version: 4.19.2
    devDependencies:
      typescript:
        specifier: ~5.6.2
        version: 5.6.3

packages:

  accepts@1.3.8:
    resolution: {integrity: sha512-PYAthTa2m2VKxuvSD3DPC/Gy+U+sOA1LAuT8mkmRuvw+NACSaeXEQ+NHcVF7rONl6qcaxV3Uuemwawk+7+SJLw==}
    engines: {node: '>= 0.6'}

  express@4.19.2:
    resolution: {integrity: sha512-5T6nhjsT+EOMzuck8JjBHARTHfMht0POzlA60WV2pMD3gyXw2LZnZ+ueGdNxG+0calOJcWKbpFcuzLZ91YWq9Q==}
    engines: {node: '>= 0.10.0'}

  typescript@5.6.3:
    resolution: {integrity: sha512-hjcS1mhfuyi4WW8IWtjP7brDrG2cuDZukyrYrSauoXGNgx0S7zceP07adYkJycEr56BOUTNPzbInooiN3fn1qw==}
    engines: {node: '>=14.17'}
    hasBin: true

snapshots:

  accepts@1.3.8:
    dependencies:
      mime-types: 2.1.35
      negotiator: 0.6.3

  express@4.19.2:
    dependencies:
      accepts: 1.3.8

  typescript@5.6.3: {}
`

const yarnPackage = `{
  "name": "api",
  "version": "2.3.0",
  "private": true,
  "main": "server.js",
  "packageManager": "yarn@1.22.22",
  "scripts": {"start": "node server.js", "test": "jest"},
  "dependencies": {"express": "^4.19.2", "pg": "8.12.0"},
  "devDependencies": {"jest": "^29.7.0"},
  "resolutions": {"**/minimist": "^1.2.8"}
}`

const yarnLockV1 = `# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.
# yarn lockfile v1


"@babel/code-frame@^7.0.0", "@babel/code-frame@^7.12.13":
  version "7.24.7"
  resolved "https://registry.yarnpkg.com/@babel/code-frame/-/code-frame-7.24.7.tgz#882fd9e09e8ee324e496bd040401c6f046ef4465"
  integrity sha512-BcYH1CVJBO9tvyIZ2jVeXgSIMvGZ2FDRvDdOIVQyuklNKSsx+eppDEBq/g47Ayw+RqNFE+URvOShmf+f/qwAlA==
  dependencies:
    "@babel/highlight" "^7.24.7"
    picocolors "^1.0.0"

express@^4.19.2:
  version "4.19.2"
  resolved "https://registry.yarnpkg.com/express/-/express-4.19.2.tgz#e25437827a3aa7f2a827bc8171bbbb664a356465"
  integrity sha512-5T6nhjsT+EOMzuck8JjBHARTHfMht0POzlA60WV2pMD3gyXw2LZnZ+ueGdNxG+0calOJcWKbpFcuzLZ91YWq9Q==
  dependencies:
    accepts "~1.3.8"
    array-flatten "1.1.1"
`

// TestInspectNode is the table of pnpm's and Yarn 1's manifests.
func TestInspectNode(t *testing.T) {
	pnpm, yarn := Install{Tool: "pnpm", dir: "/app"}, Install{Tool: "yarn", dir: "/app"}
	runInspect(t, []inspectCase{
		{"pnpm package.json", pnpm, "package.json", pnpmPackage, ""},
		{"pnpm workspaces", pnpm, "package.json", `{"workspaces":["packages/*"]}`, "declares workspaces"},
		{"pnpm postinstall", pnpm, "package.json", `{"scripts":{"postinstall":"prisma generate"}}`, `"postinstall" script, which pnpm runs`},
		{"pnpm devPreinstall", pnpm, "package.json", `{"scripts":{"pnpm:devPreinstall":"node check.js"}}`, `"pnpm:devPreinstall" script`},
		{"pnpm scripts ignored", Install{Tool: "pnpm", IgnoreScripts: true}, "package.json", `{"scripts":{"prepare":"husky","pnpm:devPreinstall":"node check.js"}}`, ""},
		{"pnpm link dependency", pnpm, "package.json", `{"dependencies":{"shared":"link:../shared"}}`, "a path in the project"},
		{"pnpm workspace protocol", pnpm, "package.json", `{"dependencies":{"shared":"workspace:*"}}`, "a path in the project"},
		{"pnpm vendored tarball", pnpm, "package.json", `{"dependencies":{"x":"vendor/x-1.0.0.tgz"}}`, "a path in the project"},
		{"pnpm git by file URL", pnpm, "package.json", `{"dependencies":{"x":"git+file:///src/x.git"}}`, "a path in the project"},
		{"pnpm patched dependencies", pnpm, "package.json", `{"pnpm":{"patchedDependencies":{"express@4.19.2":"patches/express@4.19.2.patch"}}}`, "patches dependencies"},
		{"pnpm config dependencies", pnpm, "package.json", `{"pnpm":{"configDependencies":{"@pnpm/plugin-x":"1.0.0+sha512-abc"}}}`, "config dependencies"},
		{"pnpm unknown setting", pnpm, "package.json", `{"pnpm":{"onlyBuiltDependenciesFile":"node_modules/x/allow.json"}}`, "sets pnpm.onlyBuiltDependenciesFile"},
		{"pnpm local override", pnpm, "package.json", `{"pnpm":{"overrides":{"lodash":"link:./vendor/lodash"}}}`, "lodash from link:./vendor/lodash"},
		{"pnpm nested local override", pnpm, "package.json", `{"pnpm":{"overrides":{"a>b":{"c":"file:../c"}}}}`, "file:../c"},
		{"pnpm local package extension", pnpm, "package.json", `{"pnpm":{"packageExtensions":{"x@1":{"dependencies":{"y":"file:./y"}}}}}`, "a path in the project (pnpm.packageExtensions)"},
		{"pnpm local resolution", pnpm, "package.json", `{"resolutions":{"lodash":"file:./vendor/lodash"}}`, "resolves lodash"},
		{"pnpm broken package.json", pnpm, "package.json", `{"pnpm":`, "cannot be read as JSON"},
		{"pnpm-lock v9", pnpm, "pnpm-lock.yaml", pnpmLockV9, "does not say which dependencies run install scripts (lockfileVersion 9.0)"},
		{"pnpm-lock v9, scripts ignored", Install{Tool: "pnpm", IgnoreScripts: true}, "pnpm-lock.yaml", pnpmLockV9, ""},
		{"pnpm-lock v6 with no build", pnpm, "pnpm-lock.yaml", "lockfileVersion: '6.0'\n\npackages:\n\n  /ms@2.1.3:\n    resolution: {integrity: sha512-x}\n    dev: false\n", ""},
		{"pnpm-lock v6 with a build", pnpm, "pnpm-lock.yaml", "lockfileVersion: '6.0'\n\npackages:\n\n  /esbuild@0.21.5:\n    resolution: {integrity: sha512-x}\n    requiresBuild: true\n    dev: false\n", "requiresBuild, line 7"},
		{"pnpm-lock v10", pnpm, "pnpm-lock.yaml", "lockfileVersion: '10.0'\n", "lockfileVersion 10.0"},
		{"pnpm-lock link", pnpm, "pnpm-lock.yaml", "lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n      shared:\n        specifier: link:../shared\n        version: link:../shared\n", "line 8"},
		{"pnpm-lock file tarball", pnpm, "pnpm-lock.yaml", "packages:\n\n  x@file:vendor/x.tgz:\n    resolution: {tarball: file:vendor/x.tgz}\n", "takes a package from a path"},
		{"pnpm-lock directory", pnpm, "pnpm-lock.yaml", "packages:\n\n  y@file:y:\n    resolution: {directory: y, type: directory}\n", "takes a package from a path"},
		{"pnpm-lock workspace importer", pnpm, "pnpm-lock.yaml", "lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    {}\n\n  packages/api:\n    dependencies:\n      express:\n        specifier: ^4\n        version: 4.19.2\n", "workspace package packages/api"},
		{"pnpm-lock patches", pnpm, "pnpm-lock.yaml", "lockfileVersion: '9.0'\n\npatchedDependencies:\n  express@4.19.2:\n    hash: abc\n    path: patches/express@4.19.2.patch\n", "patches dependencies"},
		{"pnpm .npmrc", pnpm, ".npmrc", "registry=https://registry.npmjs.org/\nstore-dir=/pnpm/store\nauto-install-peers=true\n//registry.npmjs.org/:_authToken=${NPM_TOKEN}\n", ""},
		{"pnpm .npmrc home store", pnpm, ".npmrc", "store-dir=~/.pnpm-store\n", ""},
		{"pnpm .npmrc relative store", pnpm, ".npmrc", "store-dir=.pnpm-store\n", "sets store-dir to .pnpm-store"},
		{"pnpm .npmrc store in the project", pnpm, ".npmrc", "store-dir=/app/.pnpm-store\n", "sets store-dir to /app/.pnpm-store"},
		{"pnpm .npmrc modules-dir", pnpm, ".npmrc", "modules-dir=deps\n", "sets modules-dir"},
		{"pnpm .npmrc pnpmfile", pnpm, ".npmrc", "pnpmfile=config/hooks.cjs\n", "runs the hooks of config/hooks.cjs"},
		{"pnpm .npmrc global pnpmfile", pnpm, ".npmrc", "global-pnpmfile=/etc/pnpm/hooks.cjs\n", "runs the hooks"},
		{"pnpm .npmrc lockfile-dir", pnpm, ".npmrc", "lockfile-dir=..\n", "reads the lock file from .."},
		{"pnpm .npmrc node-options", pnpm, ".npmrc", "node-options=--require ./trace.js\n", "node options"},
		{"pnpm .npmrc cafile", pnpm, ".npmrc", "cafile=certs/ca.pem\n", "sets cafile"},

		{"yarn package.json", yarn, "package.json", yarnPackage, ""},
		{"yarn berry", yarn, "package.json", `{"packageManager":"yarn@4.5.0+sha512.837566d24eec14ec0f5f1411adb544e892b3454255e61fdef8fd05f3429480102806bac7446bc9daff3896b01ae4b62d00096c7e989f1596f2af10b927532f39"}`, "Yarn 2+ reads .yarn/"},
		{"yarn workspaces", yarn, "package.json", `{"private":true,"workspaces":{"packages":["packages/*"]}}`, "declares workspaces"},
		{"yarn prepare", yarn, "package.json", `{"scripts":{"prepare":"husky install"}}`, `"prepare" script, which yarn runs`},
		{"yarn file dependency", yarn, "package.json", `{"dependencies":{"lib":"file:./lib"}}`, "a path in the project"},
		{"yarn local resolution", yarn, "package.json", `{"resolutions":{"**/lib":"link:./lib"}}`, "resolves **/lib"},
		{"yarn patch protocol", yarn, "package.json", `{"resolutions":{"lodash":"patch:lodash@npm%3A4.17.21#./.yarn/patches/lodash.patch"}}`, "resolves lodash"},
		{"yarn exec protocol", yarn, "package.json", `{"dependencies":{"gen":"exec:./scripts/gen-package.js"}}`, "takes gen from exec:./scripts/gen-package.js"},
		{"yarn installConfig", yarn, "package.json", `{"installConfig":{"pnp":true}}`, "installConfig"},
		{"yarn ignores pnpm's field", yarn, "package.json", `{"pnpm":{"patchedDependencies":{"x@1":"p.patch"}}}`, ""},
		{"yarn.lock v1", yarn, "yarn.lock", yarnLockV1, "Yarn 1's lock never does"},
		{"yarn.lock v1, scripts ignored", Install{Tool: "yarn", IgnoreScripts: true}, "yarn.lock", yarnLockV1, ""},
		{"yarn.lock file", yarn, "yarn.lock", "\"lib@file:./lib\":\n  version \"1.0.0\"\n", "line 1"},
		{"yarn.lock resolved file", yarn, "yarn.lock", "lib@^1.0.0:\n  version \"1.0.0\"\n  resolved \"file:../lib-1.0.0.tgz\"\n", "line 3"},
		{"yarn.lock link", yarn, "yarn.lock", "\"shared@link:../shared\":\n  version \"0.0.0\"\n  uid \"\"\n", "takes a package from a path"},
		{"yarn.lock path spec", yarn, "yarn.lock", "\"x@./vendor/x.tgz\":\n  version \"1.0.0\"\n", "takes x@./vendor/x.tgz from a path"},
		{"yarn.lock berry", yarn, "yarn.lock", "# This file is generated by running \"yarn install\" inside your project.\n\n__metadata:\n  version: 8\n  cacheKey: 10c0\n", "Yarn 2+ lock file"},
		{".yarnrc", yarn, ".yarnrc", "# yarn lockfile v1\nregistry \"https://registry.npmjs.org/\"\nnetwork-timeout 600000\nlastUpdateCheck 1718000000000\n--install.frozen-lockfile true\n--add.exact true\n\"@example:registry\" \"https://npm.example.com/\"\n", ""},
		{".yarnrc cache in /tmp", yarn, ".yarnrc", "cache-folder \"/tmp/yarn-cache\"\n", ""},
		{".yarnrc yarn-path", yarn, ".yarnrc", "yarn-path \".yarn/releases/yarn-1.22.22.cjs\"\n", "runs the yarn release .yarn/releases/yarn-1.22.22.cjs"},
		{".yarnrc relative cache", yarn, ".yarnrc", "cache-folder .yarn-cache\n", "sets cache-folder to .yarn-cache"},
		{".yarnrc cache in the project", yarn, ".yarnrc", "cache-folder /app/.cache/yarn\n", "a path in the project"},
		{".yarnrc offline mirror", yarn, ".yarnrc", "yarn-offline-mirror \"./npm-packages-offline-cache\"\nyarn-offline-mirror-pruning true\n", "sets yarn-offline-mirror"},
		{".yarnrc modules-folder", yarn, ".yarnrc", "--modules-folder /opt/node_modules\n", "passes --modules-folder to yarn"},
		{".yarnrc scoped modules-folder", yarn, ".yarnrc", "--install.modules-folder vendor\n", "passes --modules-folder"},
		{".yarnrc option path", yarn, ".yarnrc", "--cache-folder ./cache\n", "passes --cache-folder ./cache"},
		{".yarnrc cwd", yarn, ".yarnrc", "--cwd packages/app\n", "passes --cwd"},
		{".yarnrc modules-folder setting", yarn, ".yarnrc", "modules-folder deps\n", "sets modules-folder"},
		{".yarnrc.yml", yarn, ".yarnrc.yml", "nodeLinker: node-modules\nyarnPath: .yarn/releases/yarn-4.5.0.cjs\n", "Yarn 2+ reads .yarn/ releases, plugins and patches"},
		{"yarn .npmrc", yarn, ".npmrc", "userconfig=ci/npmrc\n", "sets userconfig"},
		{".yarnclean", yarn, ".yarnclean", "# test directories\n__tests__\ntest\n", ""},
	})
}

func FuzzNodePackage(f *testing.F) {
	fuzzInspect(f, Install{Tool: "pnpm", dir: "/app"}, "package.json", pnpmPackage, yarnPackage, `{"pnpm":{"overrides":{"a>b":{"c":["file:x"]}}}}`, `{"resolutions":[1,{"x":null}]}`, `{"scripts":null,"pnpm":null}`)
}

func FuzzYarnPackage(f *testing.F) {
	fuzzInspect(f, Install{Tool: "yarn", dir: "/app"}, "package.json", yarnPackage, `{"packageManager":"yarn@x"}`, `{"packageManager":5,"installConfig":null}`)
}

func FuzzPnpmLock(f *testing.F) {
	fuzzInspect(f, Install{Tool: "pnpm"}, "pnpm-lock.yaml", pnpmLockV9, "importers:\n  a:\n", "patchedDependencies:\n", "importers:\n  \n   x\n")
}

func FuzzPnpmrc(f *testing.F) {
	fuzzInspect(f, Install{Tool: "pnpm", dir: "/app"}, ".npmrc", "store-dir=/x\n", "pnpmfile=\n", "=\n==\nmodules-dir=$X\n")
}

func FuzzYarnLock(f *testing.F) {
	fuzzInspect(f, Install{Tool: "yarn"}, "yarn.lock", yarnLockV1, "a@:\n", "\"@\":\n", "x@1, @y@./z:\n")
}

func FuzzYarnrc(f *testing.F) {
	fuzzInspect(f, Install{Tool: "yarn", dir: "/"}, ".yarnrc", "--install.cache-folder /x\n", "\"yarn-path\" \"\\x\"\n", "--\n--.\n\t\t\n", "cache-folder\n")
}
