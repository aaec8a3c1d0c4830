package llbopt

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/apicaps"
	"github.com/stretchr/testify/require"

	"github.com/org/optfrontend/internal/dftest"
)

// contextFS reads a build context from an fs.FS as the frontend reads it
// from the builder.
func contextFS(fsys fs.FS) (FileReader, DirReader) {
	read := func(_ context.Context, def *pb.Definition, file string) ([]byte, error) {
		if dest, include, ok := includeCopy(def); ok {
			return readIncluded(fsys, dest, include, file)
		}
		return fs.ReadFile(fsys, strings.TrimPrefix(path.Clean(file), "/"))
	}
	list := func(_ context.Context, _ *pb.Definition, dir string) ([]string, error) {
		d := strings.TrimPrefix(path.Clean(dir), "/")
		if d == "" {
			d = "."
		}
		entries, err := fs.ReadDir(fsys, d)
		if err != nil {
			return nil, err
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return names, nil
	}
	return read, list
}

// includeCopy tells whether a definition is a copy of named files of the
// context onto scratch, as manifestfirst reads back the manifests: where
// they land, and which.
func includeCopy(def *pb.Definition) (string, []string, bool) {
	g, err := Decode(def)
	if err != nil || g.Terminal() == nil || len(g.Terminal().Inputs) != 1 {
		return "", nil, false
	}
	f := g.Terminal().Inputs[0].Node.Op.GetFile()
	if f == nil || len(f.Actions) != 1 || f.Actions[0].Input != -1 || f.Actions[0].GetCopy() == nil {
		return "", nil, false
	}
	cp := f.Actions[0].GetCopy()
	return cp.Dest, cp.IncludePatterns, len(cp.IncludePatterns) > 0
}

// readIncluded reads a file of such a copy: a symbolic link comes as a
// link, which dangles unless its target is copied too.
func readIncluded(fsys fs.FS, dest string, include []string, file string) ([]byte, error) {
	rel := strings.TrimPrefix(strings.TrimPrefix(path.Clean(file), path.Clean(dest)), "/")
	for range 8 {
		if !slices.Contains(include, rel) {
			return nil, fs.ErrNotExist
		}
		fi, err := fs.Lstat(fsys, rel)
		if err != nil {
			return nil, err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return fs.ReadFile(fsys, rel)
		}
		target, err := fs.ReadLink(fsys, rel)
		if err != nil {
			return nil, err
		}
		rel = path.Join(path.Dir(rel), target)
	}
	return nil, fs.ErrInvalid
}

func mapFS(files map[string]string) fstest.MapFS {
	m := fstest.MapFS{}
	for name, body := range files {
		m[name] = &fstest.MapFile{Data: []byte(body)}
	}
	return m
}

func manifestFirst(t *testing.T, dockerfile string, fsys fs.FS, caps *apicaps.CapSet) (*Graph, Report) {
	t.Helper()
	def, _ := dftest.Convert(t, dockerfile, "")
	g, err := Decode(def)
	require.NoError(t, err)
	read, list := contextFS(fsys)
	rep, err := ManifestFirst{Read: read, List: list, Caps: caps}.Apply(context.Background(), g)
	require.NoError(t, err)
	require.NoError(t, g.Validate())
	_, err = g.Encode()
	require.NoError(t, err)
	return g, rep
}

const flaskApp = "flask==3.0.3\n"

// TestManifestFirstRewrites checks the installs the pass moves before the
// source: the install runs on a copy of exactly the manifests, its layer
// is laid on the copy of the source, and the image's layers are still the
// Dockerfile's steps, the install's last.
func TestManifestFirstRewrites(t *testing.T) {
	for _, tc := range []struct {
		name    string
		run     string
		files   map[string]string
		want    []string // the manifests copied first
		exclude []string // what the copy of the source leaves out
	}{
		{name: "pip", run: "pip install -r requirements.txt",
			files: map[string]string{"requirements.txt": flaskApp, "app.py": ""}, want: []string{"requirements.txt"}},
		{name: "pip nested and constraints", run: "pip install --no-cache-dir -r requirements/prod.txt -c constraints.txt",
			files: map[string]string{"requirements/prod.txt": "-r base.txt\ngunicorn\n", "requirements/base.txt": "flask[async]>=3 ; python_version >= '3.8'\n", "constraints.txt": "flask<4\n", "app.py": ""},
			want:  []string{"constraints.txt", "requirements/base.txt", "requirements/prod.txt"}},
		{name: "python -m pip with cleanup", run: "python3 -m pip install -U pip && python3 -m pip install -r requirements.txt && rm -rf /root/.cache/pip",
			files: map[string]string{"requirements.txt": "requests @ https://example.com/requests.tar.gz\n"}, want: []string{"requirements.txt"}},
		{name: "pip by name only", run: "pip install gunicorn==22.0.0",
			files: map[string]string{"app.py": ""}},
		{name: "npm ci drops node_modules", run: "npm ci --omit=dev",
			files: map[string]string{"package.json": `{"dependencies":{"express":"^4"},"scripts":{"start":"node server.js","build":"x"}}`, "package-lock.json": `{"packages":{"":{},"node_modules/express":{"resolved":"https://registry.npmjs.org/express.tgz"}}}`, "node_modules/express/index.js": "", "server.js": ""},
			want:  []string{"package-lock.json", "package.json"}, exclude: []string{"node_modules"}},
		{name: "npm install with .npmrc", run: "npm install",
			files: map[string]string{"package.json": `{"dependencies":{"ms":"2.1.3"}}`, ".npmrc": "registry=http://localhost:4873/\n", "server.js": ""},
			want:  []string{".npmrc", "package.json"}},
		{name: "npm ci ignoring scripts", run: "npm ci --ignore-scripts",
			files: map[string]string{"package.json": `{"scripts":{"postinstall":"node setup.js"}}`, "package-lock.json": `{"lockfileVersion":3,"packages":{"":{}}}`},
			want:  []string{"package-lock.json", "package.json"}},
		{name: "go mod download", run: "go mod download -x",
			files: map[string]string{"go.mod": "module example.com/x\n\ngo 1.22\n\nrequire github.com/google/uuid v1.6.0\n\nreplace github.com/a/b => github.com/c/b v1.0.0\n", "go.sum": "", "main.go": ""},
			want:  []string{"go.mod", "go.sum"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			df := "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN " + tc.run + "\nCMD [\"x\"]\n"
			g, rep := manifestFirst(t, df, mapFS(tc.files), dftest.AllCaps())
			require.Len(t, rep.Findings, 1, "%v", rep.Findings)
			f := rep.Findings[0]
			require.True(t, f.Changed, f.Message)
			exec := f.Node
			steps, _ := layerChain(g, g.Terminal().Inputs[0])
			require.NotEmpty(t, steps)
			last := steps[len(steps)-1]
			require.Same(t, exec, last.node, "the install is the image's last layer")
			require.Equal(t, "RUN", last.kind())
			require.Equal(t, 4, last.loc.Start)
			cp := last.prev.Node.Op.GetFile().Actions[0].GetCopy()
			require.Equal(t, "/", cp.Src)
			require.Empty(t, cp.IncludePatterns, "the layer below the install is the whole source")
			require.Equal(t, tc.exclude, cp.ExcludePatterns)

			ran := exec.Inputs[0].Node
			if len(tc.want) == 0 {
				require.Nil(t, ran.Op.GetFile().Actions[0].GetCopy(), "an install that reads no manifest runs before the copy")
				return
			}
			mc := ran.Op.GetFile().Actions[0].GetCopy()
			require.Equal(t, tc.want, mc.IncludePatterns)
			require.Empty(t, mc.ExcludePatterns)
			require.Contains(t, f.Message, strings.Join(tc.want, ", "))
		})
	}
}

// TestManifestFirstRefuses is the table of installs the pass must leave
// after the copy of the whole source, each with the reason it gives.
func TestManifestFirstRefuses(t *testing.T) {
	req := map[string]string{"requirements.txt": flaskApp}
	pkg := map[string]string{"package.json": `{"dependencies":{"ms":"2.1.3"}}`, "package-lock.json": `{"lockfileVersion":3,"packages":{"":{}}}`}
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
		{"pip install of the project", "pip install .", req, "may be a path in the project"},
		{"editable install", "pip install -e .", req, "editable mode"},
		{"editable line in requirements", "pip install -r requirements.txt", map[string]string{"requirements.txt": "-e .\n"}, "editable mode"},
		{"path in requirements", "pip install -r requirements.txt", map[string]string{"requirements.txt": "./libs/mylib\n"}, "may be a path in the project"},
		{"file URL in requirements", "pip install -r requirements.txt", map[string]string{"requirements.txt": "mylib @ file:///app/libs/mylib\n"}, "may be a path in the project"},
		{"local find-links", "pip install --find-links ./wheels -r requirements.txt", req, "may be a directory of the project"},
		{"requirements outside the source", "pip install -r ../requirements.txt", req, "not a plain path in the project"},
		{"requirements from a variable", "pip install -r $REQS", req, "known only when the build runs"},
		{"unknown pip option", "pip install --config-settings x=y -r requirements.txt", req, "does not know"},
		{"missing requirements", "pip install -r requirements.txt", map[string]string{"app.py": ""}, "cannot be read from the build context"},
		{"another command", "pip install -r requirements.txt && python manage.py collectstatic", req, "is not a dependency install"},
		{"removal in the source", "pip install -r requirements.txt && rm -rf /app/tests", req, "is not a dependency install"},
		{"install elsewhere", "cd /tmp && pip install -r requirements.txt", req, "runs in /tmp"},
		{"postinstall script", "npm ci", with(pkg, "package.json", `{"scripts":{"postinstall":"node build.js"}}`), `"postinstall" script`},
		{"prepare script", "npm install", with(pkg, "package.json", `{"scripts":{"prepare":"husky"}}`), `"prepare" script`},
		{"file dependency", "npm ci", with(pkg, "package.json", `{"dependencies":{"lib":"file:./lib"}}`), "a path in the project"},
		{"workspaces", "npm ci", with(pkg, "package.json", `{"workspaces":["packages/*"]}`), "declares workspaces"},
		{"linked package in the lock", "npm ci", with(pkg, "package-lock.json", `{"packages":{"node_modules/lib":{"link":true,"resolved":"lib"}}}`), "links node_modules/lib"},
		{"node-gyp project", "npm ci", with(pkg, "binding.gyp", "{}"), "binding.gyp"},
		{"npm install over node_modules", "npm install", with(pkg, "node_modules/ms/index.js", ""), "the context has node_modules"},
		{"npm install by name", "npm install express", pkg, "by name"},
		{"npmrc with a local cafile", "npm ci", with(pkg, ".npmrc", "cafile=certs/ca.pem\n"), "sets cafile"},
		{"go workspace", "go mod download", map[string]string{"go.mod": "module x\n", "go.work": "go 1.22\n"}, "go.work"},
		{"go local replace", "go mod download", map[string]string{"go.mod": "module x\n\nreplace example.com/lib => ./lib\n"}, "a directory of the project"},
		{"yarn berry", "yarn install --frozen-lockfile", map[string]string{"package.json": "{}", ".yarnrc.yml": "nodeLinker: node-modules\n"}, "Yarn 2+ reads .yarn/"},
		{"bundler", "bundle install", map[string]string{"Gemfile": ""}, "does not read the manifests of yet"},
		{"cargo fetch", "cargo fetch", map[string]string{"Cargo.toml": ""}, "crate's own sources"},
		{"maven", "mvn dependency:go-offline", map[string]string{"pom.xml": ""}, "build plugins"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			df := "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN " + tc.run + "\n"
			g, rep := manifestFirst(t, df, mapFS(tc.files), dftest.AllCaps())
			require.Len(t, rep.Findings, 1, "%v", rep.Findings)
			f := rep.Findings[0]
			require.False(t, f.Changed)
			require.Contains(t, f.Message, tc.why)
			steps, _ := layerChain(g, g.Terminal().Inputs[0])
			last := steps[len(steps)-1]
			require.Same(t, f.Node, last.out.Node, "the graph is as it was")
		})
	}
}

// TestManifestFirstLeavesAlone checks steps that are no candidates: no
// finding, no change.
func TestManifestFirstLeavesAlone(t *testing.T) {
	for name, df := range map[string]string{
		"manifest already first": "FROM python:3.12-slim\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\n",
		"build, not install":     "FROM golang:1.26\nWORKDIR /src\nCOPY . .\nRUN go build -o /x .\n",
		"copy of a stage":        "FROM python:3.12-slim AS b\nRUN true\nFROM python:3.12-slim\nCOPY --from=b / /app\nWORKDIR /app\nRUN pip install -r requirements.txt\n",
		"copy of a subdir list":  "FROM python:3.12-slim\nWORKDIR /app\nCOPY *.txt ./\nRUN pip install -r requirements.txt\n",
	} {
		t.Run(name, func(t *testing.T) {
			def, _ := dftest.Convert(t, df, "")
			_, rep := manifestFirst(t, df, mapFS(map[string]string{"requirements.txt": flaskApp}), dftest.AllCaps())
			require.Empty(t, rep.Findings)
			g, err := Decode(def)
			require.NoError(t, err)
			out, err := g.Encode()
			require.NoError(t, err)
			require.Equal(t, len(def.Def), len(out.Def))
		})
	}
}

// TestManifestFirstNeedsItsParts refuses without the builder's caps or a
// way to read the context.
func TestManifestFirstNeedsItsParts(t *testing.T) {
	df := "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n"
	def, _ := dftest.Convert(t, df, "")
	for name, tc := range map[string]struct {
		p   ManifestFirst
		why string
	}{
		"no caps":   {ManifestFirst{}, "capabilities are unknown"},
		"no reader": {ManifestFirst{Caps: dftest.AllCaps()}, "cannot be read here"},
	} {
		t.Run(name, func(t *testing.T) {
			g, err := Decode(def)
			require.NoError(t, err)
			rep, err := tc.p.Apply(context.Background(), g)
			require.NoError(t, err)
			require.Len(t, rep.Findings, 1)
			require.Contains(t, rep.Findings[0].Message, tc.why)
			require.False(t, rep.Findings[0].Changed)
		})
	}
}

// TestManifestFirstGolden compares the rewritten graphs of the cases under
// testdata/manifestfirst/, each a Dockerfile and its context/.
func TestManifestFirstGolden(t *testing.T) {
	eachGolden(t, "manifestfirst", func(t *testing.T, dir string) {
		dt, err := os.ReadFile(filepath.Join(dir, "Dockerfile"))
		require.NoError(t, err)
		g, rep := manifestFirst(t, string(dt), os.DirFS(filepath.Join(dir, "context")), dftest.AllCaps())
		var got bytes.Buffer
		require.NoError(t, g.Dump(&got))
		for _, f := range rep.Findings {
			fmt.Fprintf(&got, "# changed=%v %s\n", f.Changed, f.Message)
		}
		golden(t, filepath.Join(dir, "want.txt"), got.Bytes())
	})
}

// TestManifestFirstDeterministic runs the pass twice on the same input:
// the same digests, or remote caches miss.
func TestManifestFirstDeterministic(t *testing.T) {
	df := "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements/prod.txt -c c.txt\n"
	files := mapFS(map[string]string{"requirements/prod.txt": "-r base.txt\nb\n", "requirements/base.txt": "a\n", "c.txt": "a<2\n"})
	requireStable(t, func() *Graph {
		g, _ := manifestFirst(t, df, files, dftest.AllCaps())
		return g
	})
}

// TestManifestFirstKeepsTheChain runs the pipeline's order on pyext's
// shape (build tools, then COPY . . and a compiling pip install): after
// the rewrite the image's layers still read as the Dockerfile's steps, so
// buildtools, which runs later, still finds the install that compiles and
// leaves the tools out.
func TestManifestFirstKeepsTheChain(t *testing.T) {
	dt, err := os.ReadFile("../examples/pyext/Dockerfile")
	require.NoError(t, err)
	g, rep := manifestFirst(t, string(dt), os.DirFS("../examples/pyext"), dftest.AllCaps())
	require.True(t, rep.Findings[0].Changed, rep.Findings[0].Message)

	steps, _ := layerChain(g, g.Terminal().Inputs[0])
	require.Equal(t, []string{"RUN", "COPY", "COPY", "RUN"}, kindsFrom(steps, 0))
	users := edgeUsers(g)
	for j := 0; j+1 < len(steps); j++ {
		require.Empty(t, boundary(steps, j, users), "the copy of the manifests is part of the install's step")
	}

	ok := func(context.Context, *pb.Definition, string) ([]byte, error) { return []byte("ok 100"), nil }
	bt, err := BuildTools{Read: ok, Caps: dftest.AllCaps()}.Apply(context.Background(), g)
	require.NoError(t, err)
	require.Len(t, bt.Layers, 1)
	require.Equal(t, LayerEdit{Kinds: []string{"RUN", "COPY", "COPY", "RUN"}, Dropped: 1, Lines: steps[0].loc}, bt.Layers[0])
	require.NoError(t, g.Validate())
}

// TestManifestFirstRefusesWhatTheCopyMisses is the table of installs that
// read a file of the source the copy of the manifests alone would not
// bring: a manifest that is a symbolic link, a file named by the step's
// environment, a configuration file the copy lands on, a requirement pip
// reads as a path. Each is left after the copy of the whole source.
func TestManifestFirstRefusesWhatTheCopyMisses(t *testing.T) {
	req := map[string]string{"requirements.txt": flaskApp, "constraints.txt": "flask<4\n", "ci.npmrc": "omit=\n", "wheels/x.whl": "", "app.py": ""}
	pkg := map[string]string{"package.json": `{"dependencies":{"ms":"2.1.3"}}`, "package-lock.json": `{"lockfileVersion":3,"packages":{"":{}}}`, "ci.npmrc": "include=dev\n"}
	link := fstest.MapFS{
		"requirements.txt":      &fstest.MapFile{Data: []byte("requirements/prod.txt"), Mode: fs.ModeSymlink},
		"requirements/prod.txt": &fstest.MapFile{Data: []byte(flaskApp)},
	}
	for _, tc := range []struct {
		name, dockerfile string
		files            fs.FS
		why              string
	}{
		{"symlinked requirements", "WORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n", link, "requirements.txt is not the same file in a copy of the manifests alone"},
		{"PIP_CONSTRAINT", "ENV PIP_CONSTRAINT=/app/constraints.txt\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n", mapFS(req), "PIP_CONSTRAINT=/app/constraints.txt names /app/constraints.txt"},
		{"a variable set on the install's command line", "WORKDIR /app\nCOPY . .\nRUN PIP_CONSTRAINT=constraints.txt pip install -r requirements.txt\n", mapFS(req), "PIP_CONSTRAINT=constraints.txt names constraints.txt"},
		{"a variable the script exports", "WORKDIR /app\nCOPY . .\nRUN export npm_config_userconfig=/app/ci.npmrc && npm ci\n", mapFS(pkg), "npm_config_userconfig=/app/ci.npmrc"},
		{"a variable the script computes", "WORKDIR /app\nCOPY . .\nRUN export PIP_CONSTRAINT=c$RANDOM.txt && pip install -r requirements.txt\n", mapFS(req), "a variable whose value the script computes"},
		{"PIP_REQUIREMENT relative", "ENV PIP_REQUIREMENT=constraints.txt\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n", mapFS(req), "PIP_REQUIREMENT=constraints.txt names constraints.txt"},
		{"PIP_CONFIG_FILE", "ENV PIP_CONFIG_FILE=/app/ci.npmrc\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n", mapFS(req), "PIP_CONFIG_FILE"},
		{"PIP_FIND_LINKS as a file URL", "ENV PIP_FIND_LINKS=file:///app/wheels\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n", mapFS(req), "names /app/wheels"},
		{"a virtualenv of the source on PATH", "ENV PATH=/app/.venv/bin:/usr/local/bin:/usr/bin:/bin\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n", mapFS(map[string]string{"requirements.txt": flaskApp, ".venv/bin/python": ""}), "names /app/.venv/bin"},
		{"npm_config_userconfig", "ENV npm_config_userconfig=/app/ci.npmrc\nWORKDIR /app\nCOPY . .\nRUN npm ci\n", mapFS(pkg), "npm_config_userconfig=/app/ci.npmrc"},
		{"NPM_CONFIG_GLOBALCONFIG", "ENV NPM_CONFIG_GLOBALCONFIG=/app/ci.npmrc\nWORKDIR /app\nCOPY . .\nRUN npm ci\n", mapFS(pkg), "NPM_CONFIG_GLOBALCONFIG"},
		{"the source is the home", "WORKDIR /root\nCOPY . .\nRUN pip install -r requirements.txt\n", mapFS(map[string]string{"requirements.txt": flaskApp, ".config/pip/pip.conf": "[global]\n"}), "lands on /root/.config/pip/pip.conf"},
		{"a wheel by file name", "WORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n", mapFS(map[string]string{"requirements.txt": "x-1.0-py3-none-any.whl\n"}), "may be a path in the project"},
		{"a vendored sdist", "WORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n", mapFS(map[string]string{"requirements.txt": "./vendor/x.tar.gz\n"}), "may be a path in the project"},
		{"a file: requirement", "WORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n", mapFS(map[string]string{"requirements.txt": "file:vendor/x\n"}), "may be a path in the project"},
		{"an editable requirement", "WORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n", mapFS(map[string]string{"requirements.txt": "-e ./lib\n"}), "editable mode"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, rep := manifestFirst(t, "FROM python:3.12-slim\n"+tc.dockerfile, tc.files, dftest.AllCaps())
			require.Len(t, rep.Findings, 1, "%v", rep.Findings)
			require.False(t, rep.Findings[0].Changed, rep.Findings[0].Message)
			require.Contains(t, rep.Findings[0].Message, tc.why)
			steps, _ := layerChain(g, g.Terminal().Inputs[0])
			require.Same(t, rep.Findings[0].Node, steps[len(steps)-1].out.Node, "the graph is as it was")
		})
	}
	// What the environment names outside the copy, or what the copy does
	// not bring, changes nothing.
	for name, env := range map[string]string{
		"outside the copy":        "ENV PIP_CONSTRAINT=/etc/constraints.txt PATH=/opt/venv/bin:/usr/bin:/bin\n",
		"not in the context":      "ENV PIP_CONFIG_FILE=/app/pip.conf\n",
		"words that are no paths": "ENV PYTHONUNBUFFERED=1 LANG=C.UTF-8 TZ=Europe/Berlin PIP_INDEX_URL=https://pypi.example/simple\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, rep := manifestFirst(t, "FROM python:3.12-slim\n"+env+"WORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n", mapFS(req), dftest.AllCaps())
			require.Len(t, rep.Findings, 1)
			require.True(t, rep.Findings[0].Changed, rep.Findings[0].Message)
		})
	}
}

// TestManifestFirstReportsWhatItDid checks that each report line states
// what the build does: a file the copy leaves out is not named as read, an
// install that reads no manifest is not said to read one, and a command
// of a package manager that installs nothing is not called an install.
func TestManifestFirstReportsWhatItDid(t *testing.T) {
	pkg := map[string]string{"package.json": `{"dependencies":{"ms":"2.1.3"}}`, "package-lock.json": `{"lockfileVersion":3,"packages":{"":{}}}`, ".npmrc": "registry=http://localhost:4873/\n", "server.js": ""}
	for _, tc := range []struct {
		name, dockerfile string
		files            map[string]string
		changed          bool
		want, not        string // a finding holds want and not not; want "" for no finding
	}{
		{"an excluded .npmrc", "WORKDIR /app\nCOPY --exclude=.npmrc . .\nRUN npm ci\n", pkg, true, "installs from package-lock.json, package.json alone", ".npmrc"},
		{"an excluded manifest", "WORKDIR /app\nCOPY --exclude=package-lock.json . .\nRUN npm ci\n", pkg, true, "installs from .npmrc, package.json alone", "package-lock.json"},
		{"an excluded requirements file", "WORKDIR /app\nCOPY --exclude=requirements.txt . .\nRUN pip install -r requirements.txt\n", map[string]string{"requirements.txt": flaskApp}, false, "leaves out requirements.txt (--exclude)", "installs from"},
		{"no manifest read", "WORKDIR /app\nCOPY . .\nRUN pip install gunicorn==22.0.0\n", map[string]string{"app.py": ""}, true, "runs before the copy of the source, of which it reads no file", "installs from"},
		{"pnpm build", "WORKDIR /app\nCOPY . .\nRUN pnpm build\n", pkg, false, "", ""},
		{"pnpm install and build", "WORKDIR /app\nCOPY . .\nRUN pnpm install && pnpm build\n", pkg, false, "`pnpm build` is not a dependency install", "`pnpm build` is an install"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, rep := manifestFirst(t, "FROM node:22-slim\n"+tc.dockerfile, mapFS(tc.files), dftest.AllCaps())
			if tc.want == "" {
				require.Empty(t, rep.Findings)
				return
			}
			require.Len(t, rep.Findings, 1, "%v", rep.Findings)
			require.Equal(t, tc.changed, rep.Findings[0].Changed, rep.Findings[0].Message)
			require.Contains(t, rep.Findings[0].Message, tc.want)
			require.NotContains(t, rep.Findings[0].Message, tc.not)
		})
	}
}
