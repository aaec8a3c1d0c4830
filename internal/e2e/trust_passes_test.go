package e2e

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// trustCase is one Dockerfile of issue 16 that builds with stock: the
// optimized build must build too, say what it did (want, and never not),
// and give stock's image outside the paths the report names.
type trustCase struct {
	name  string
	files map[string]string // context files; "-> target" makes a symbolic link
	df    string            // the Dockerfile, without its syntax line
	want  []string          // in the optimized build's output
	not   []string          // never in it
	// differs are the image paths (and everything under them) where the
	// optimized image may differ, because a report line names them;
	// missing are those of them it must not have.
	differs, missing []string
}

// trustContext writes a case's context and Dockerfile.
func trustContext(t *testing.T, tc trustCase) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{"Dockerfile": "# syntax=org/optfrontend\n" + tc.df}
	for p, c := range tc.files {
		files[p] = c
	}
	for p, content := range files {
		full := filepath.Join(dir, p)
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		if target, ok := strings.CutPrefix(content, "-> "); ok {
			require.NoError(t, os.Symlink(target, full))
			continue
		}
		require.NoError(t, os.WriteFile(full, []byte(content), 0o644))
	}
	return dir
}

// cacheMountAt finds the cache directories a cachemount report names.
var cacheMountAt = regexp.MustCompile(`optfrontend cachemount: cache mount for \S+ at (\S+)`)

// runTrustCases builds each case stock and optimized, with the frontend's
// fallback to stock off, and compares.
func runTrustCases(t *testing.T, prefix string, cases []trustCase) {
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := trustContext(t, tc)
			slug := prefix + "-" + strings.NewReplacer(" ", "-", "/", "-", ".", "", "_", "-").Replace(strings.ToLower(tc.name))
			stockRef, optRef := ref("e2e/trust-"+slug+":stock"), ref("e2e/trust-"+slug+":optimized")
			stockBuild(t, dir, stockRef)
			out := optBuild(t, dir, optRef, "--build-arg", "BUILDKIT_OPT_FALLBACK=off")
			for _, w := range tc.want {
				require.Contains(t, out, w)
			}
			for _, n := range tc.not {
				require.NotContains(t, out, n)
			}
			differs := tc.differs
			for _, m := range cacheMountAt.FindAllStringSubmatch(out, -1) {
				differs = append(differs, m[1])
			}
			stock := filesystem(t, image(t, stockRef, nil))
			opt := filesystem(t, image(t, optRef, nil))
		paths:
			for _, p := range diffPaths(stock, opt) {
				for _, d := range differs {
					if under(p, d) || under(d, p) {
						continue paths // the path, or a directory that holds it
					}
				}
				t.Errorf("the optimized image differs from stock's at %s, which no report names", p)
			}
			for _, m := range tc.missing {
				require.Contains(t, stock, m)
				require.NotContains(t, opt, m)
			}
		})
	}
}

// wheel is a pure-Python wheel of a module hello, made here so that pip
// installs it without a network.
func wheel(t *testing.T) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range [][2]string{
		{"hello.py", "X = 1\n"},
		{"hello-0.1.dist-info/METADATA", "Metadata-Version: 2.1\nName: hello\nVersion: 0.1\n"},
		{"hello-0.1.dist-info/WHEEL", "Wheel-Version: 1.0\nGenerator: e2e\nRoot-Is-Purelib: true\nTag: py3-none-any\n"},
		{"hello-0.1.dist-info/RECORD", "hello.py,,\nhello-0.1.dist-info/METADATA,,\nhello-0.1.dist-info/WHEEL,,\nhello-0.1.dist-info/RECORD,,\n"},
	} {
		w, err := zw.Create(f[0])
		require.NoError(t, err)
		_, err = w.Write([]byte(f[1]))
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.String()
}

// pipOffline installs without an index or a network. An install that
// writes Python files also needs --no-compile: their bytecode holds
// timestamps that differ from build to build.
const pipOffline = "FROM python:3.12-slim\nENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INDEX=1 PIP_ROOT_USER_ACTION=ignore\n"

// npmOffline is a package without dependencies, which npm ci installs
// without a registry.
var npmOffline = map[string]string{
	"package.json":      `{"name":"t","version":"1.0.0"}`,
	"package-lock.json": `{"name":"t","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"t","version":"1.0.0"}}}`,
	"server.js":         "console.log('hi')\n",
}

func with(base map[string]string, kv ...string) map[string]string {
	m := map[string]string{}
	for k, v := range base {
		m[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// TestTrustManifestFirstCopiesWhatTheInstallReads is issue 16's class 2:
// an install that reads a file of the source a copy of its manifests alone
// would not bring is left after the copy of the whole source, and builds.
func TestTrustManifestFirstCopiesWhatTheInstallReads(t *testing.T) {
	whl := wheel(t)
	runTrustCases(t, "manifests", []trustCase{
		{name: "symlinked requirements",
			files: map[string]string{"requirements.txt": "-> requirements/prod.txt", "requirements/prod.txt": "pip\n", "app.py": ""},
			df:    pipOffline + "WORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n",
			want:  []string{"optfrontend manifestfirst: kept the install after the copy of the whole source: requirements.txt is not the same file in a copy of the manifests alone"}},
		{name: "PIP_CONSTRAINT into the source",
			files: map[string]string{"requirements.txt": "pip\n", "constraints.txt": "pip>=1\n", "app.py": ""},
			df:    pipOffline + "ENV PIP_CONSTRAINT=/app/constraints.txt\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n",
			want:  []string{"optfrontend manifestfirst: kept the install after the copy of the whole source: PIP_CONSTRAINT=/app/constraints.txt names /app/constraints.txt"}},
		{name: "a wheel of the source by file name",
			files: map[string]string{"requirements.txt": "hello-0.1-py3-none-any.whl\n", "hello-0.1-py3-none-any.whl": whl},
			df:    pipOffline + "WORKDIR /app\nCOPY . .\nRUN pip install --no-compile -r requirements.txt\n",
			want:  []string{`requires "hello-0.1-py3-none-any.whl", which may be a path in the project`}},
		{name: "a vendored wheel by path",
			files: map[string]string{"requirements.txt": "./vendor/hello-0.1-py3-none-any.whl\n", "vendor/hello-0.1-py3-none-any.whl": whl},
			df:    pipOffline + "WORKDIR /app\nCOPY . .\nRUN pip install --no-compile -r requirements.txt\n",
			want:  []string{"which may be a path in the project"}},
		{name: "npm userconfig in the source",
			files: with(npmOffline, "ci.npmrc", "omit=dev\n"),
			df:    "FROM node:22-slim\nENV npm_config_userconfig=/app/ci.npmrc\nWORKDIR /app\nCOPY . .\nRUN npm ci --no-audit --no-fund\n",
			want:  []string{"npm_config_userconfig=/app/ci.npmrc names /app/ci.npmrc"}},
	})
}

// TestTrustContextFilterSendsTheVCSTheBuildReads is class 3: a build that
// reads .git gets it, whether a RUN or a COPY reads it.
func TestTrustContextFilterSendsTheVCSTheBuildReads(t *testing.T) {
	vcs := map[string]string{".git/HEAD": "ref: refs/heads/main\n", ".git/config": "[core]\n", "app.sh": "echo hi\n"}
	runTrustCases(t, "vcs", []trustCase{
		{name: "cat .git/HEAD", files: vcs, df: "FROM busybox\nWORKDIR /app\nCOPY . .\nRUN cat .git/HEAD > /REVISION\n",
			want: []string{"optfrontend contextfilter: sending version-control directories: `cat .git/HEAD` reads .git/HEAD"}},
		{name: "COPY .git/HEAD", files: vcs, df: "FROM busybox\nCOPY .git/HEAD /REVISION\nCOPY app.sh /app/\n",
			want: []string{"sending version-control directories: a copy of /.git/HEAD takes them"}},
		{name: "a redirection", files: vcs, df: "FROM busybox\nWORKDIR /app\nCOPY . .\nRUN read ref < .git/HEAD; echo \"$ref\" > /REVISION\n",
			want: []string{"sending version-control directories"}},
		{name: "a dot glob", files: vcs, df: "FROM busybox\nCOPY . /src\nRUN mkdir /dots && cp -r /src/.[a-z]* /dots/\n",
			want: []string{"sending version-control directories"}},
		{name: "a script", files: with(vcs, "rev.sh", "cat .git/HEAD > /REVISION\n"), df: "FROM busybox\nWORKDIR /app\nCOPY . .\nRUN sh rev.sh\n",
			want: []string{"sending version-control directories: `sh rev.sh` runs a script"}},
		{name: "nothing reads it", files: vcs, df: "FROM busybox AS b\nWORKDIR /app\nCOPY . .\nRUN cat app.sh > /app.txt\nFROM busybox\nCOPY --from=b /app.txt /app.txt\n",
			want: []string{"optfrontend contextfilter: the context has no .dockerignore: not sending .git"}, not: []string{"sending version-control"}},
		// The image that ships holds it: its program may read it when it
		// runs (adversarial case adv-cs-leftovers-runtime-git).
		{name: "the image ships it", files: vcs, df: "FROM busybox\nWORKDIR /app\nCOPY . .\nRUN cat app.sh > /app.txt\n",
			want: []string{"optfrontend contextfilter: sending version-control directories: the image that ships may hold them (COPY puts it in /app at line 4)"}},
	})
}

// TestTrustSecretsByNameAndContent is class 4: credential files are kept
// out by name, or named by the check by their content, and a file a RUN
// names is sent.
func TestTrustSecretsByNameAndContent(t *testing.T) {
	creds := map[string]string{
		".pypirc":             "[pypi]\nusername = __token__\npassword = pypi-not-real\n",
		".docker/config.json": `{"auths":{"registry.example.com":{"auth":"dXNlcjpub3QtcmVhbA=="}}}`,
		".kube/config":        "apiVersion: v1\nkind: Config\nusers:\n- name: ci\n  user:\n    token: not-real\n",
		"gcp-sa.json":         `{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\nnot real\n-----END PRIVATE KEY-----\n"}`,
		"deploy_key":          "-----BEGIN OPENSSH PRIVATE KEY-----\nnot real\n-----END OPENSSH PRIVATE KEY-----\n",
		"app.py":              "print('hi')\n",
	}
	named := []string{"/app/.pypirc", "/app/.docker/config.json", "/app/.kube/config"}
	runTrustCases(t, "secrets", []trustCase{
		{name: "credential files", files: creds, df: "FROM busybox\nCOPY . /app\n",
			want: []string{"optfrontend secretfilter: not sending files named like secrets",
				"SecretFileCopied: Secret-looking files copied into a layer: deploy_key, gcp-sa.json; kept out of the build context by optfrontend (--build-arg BUILDKIT_OPT=-secretfilter sends them): .docker/config.json, .kube/config, .pypirc (line 3)"},
			differs: named, missing: named},
		{name: "a RUN reads one", files: creds, df: "FROM busybox\nCOPY . /app\nRUN cp /app/.pypirc /root/.pypirc\n",
			want:    []string{"optfrontend secretfilter: sending **/.pypirc: line 4 names it"},
			differs: named[1:], missing: named[1:]},
	})
}

// TestTrustReportsWhatTheBuildDid is class 7: each report line states what
// the build did.
func TestTrustReportsWhatTheBuildDid(t *testing.T) {
	runTrustCases(t, "reports", []trustCase{
		{name: "leftovers in a copy of node_modules",
			df: "FROM busybox AS build\nWORKDIR /src\nRUN mkdir -p node_modules/.cache/babel node_modules/ms && echo x > node_modules/.cache/babel/c.json && echo y > node_modules/ms/index.js\n" +
				"FROM busybox\nCOPY --from=build /src/node_modules /app/node_modules\n",
			want:    []string{"optfrontend leftovers: the copy of /src/node_modules from another stage leaves out"},
			differs: []string{"/app/node_modules/.cache"}, missing: []string{"/app/node_modules/.cache/babel/c.json"}},
		{name: "an npmrc the copy leaves out", files: with(npmOffline, ".npmrc", "fund=false\n"),
			df:   "FROM node:22-slim\nWORKDIR /app\nCOPY --exclude=.npmrc . .\nRUN npm ci --no-audit\n",
			want: []string{"optfrontend manifestfirst: installs from package-lock.json, package.json alone"},
			not:  []string{"installs from .npmrc"}},
		{name: "pnpm build is no install", files: npmOffline,
			df:  "FROM node:22-slim\nWORKDIR /app\nCOPY . .\nRUN pnpm build || echo no pnpm here\n",
			not: []string{"`pnpm build` is an install", "kept the install"}},
	})
}

// TestTrustSecretsByContent: files only their content marks (an ssh key
// named deploy_key, a service-account key) are sent, and the check names
// them at the COPY: the frontend reads the head of each likely file of the
// context it loaded for the checks.
func TestTrustSecretsByContent(t *testing.T) {
	runTrustCases(t, "secrets-content", []trustCase{
		{name: "keys under other names", files: map[string]string{
			"gcp-sa.json": `{"type": "service_account", "private_key": "-----BEGIN PRIVATE KEY-----\nnot real\n-----END PRIVATE KEY-----\n"}`,
			"deploy_key":  "-----BEGIN OPENSSH PRIVATE KEY-----\nnot real\n-----END OPENSSH PRIVATE KEY-----\n",
		}, df: "FROM busybox\nCOPY . /app\n",
			want: []string{"SecretFileCopied: Secret-looking files copied into a layer: deploy_key, gcp-sa.json (line 3)"}},
	})
}
