package llbopt

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/solver/pb"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stretchr/testify/require"

	"github.com/org/optfrontend/llbopt/pkgcache"
)

// fakeImages answers image config lookups without a registry: golang
// images set GOPATH as the real ones do.
type fakeImages struct{}

func (fakeImages) ResolveImageConfig(_ context.Context, ref string, _ sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	env := []string{"PATH=/usr/local/bin:/usr/bin:/bin"}
	if strings.Contains(ref, "golang") {
		env = []string{"PATH=/go/bin:/usr/local/go/bin:/usr/local/bin:/usr/bin:/bin", "GOPATH=/go"}
	}
	img := ocispecs.Image{Platform: ocispecs.Platform{OS: "linux", Architecture: "amd64"}, Config: ocispecs.ImageConfig{Env: env, WorkingDir: "/"}}
	dt, err := json.Marshal(img)
	return ref, digest.FromBytes(dt), dt, err
}

// dockerfileGraph converts a Dockerfile with the stock converter.
func dockerfileGraph(t *testing.T, df string) *Graph {
	t.Helper()
	ctx := context.Background()
	sm := llb.NewSourceMap(nil, "Dockerfile", "Dockerfile", []byte(df))
	res, err := dockerfile2llb.Dockerfile2LLB(ctx, []byte(df), dockerfile2llb.ConvertOpt{MetaResolver: fakeImages{}, SourceMap: sm})
	require.NoError(t, err)
	def, err := res.State.Marshal(ctx, llb.LinuxAmd64)
	require.NoError(t, err)
	g, err := Decode(def.ToPB())
	require.NoError(t, err)
	return g
}

var mountFinding = regexp.MustCompile(`^(no )?cache mount for (\S+) at (\S+)`)

// cacheDecisions lists the pass's decisions as "LINE TOOL" (mounted) or
// "LINE no TOOL" (left alone), with the reasons of the refusals.
func cacheDecisions(t *testing.T, df string) (got []string, why map[string]string) {
	t.Helper()
	g := dockerfileGraph(t, df)
	rep, err := CacheMount{}.Apply(context.Background(), g)
	require.NoError(t, err)
	require.NoError(t, g.Validate())
	why = map[string]string{}
	for _, f := range rep.Findings {
		m := mountFinding.FindStringSubmatch(f.Message)
		if m == nil {
			continue
		}
		loc, ok := g.Location(f.Node)
		require.True(t, ok)
		key := fmt.Sprintf("%d %s%s", loc.Start, m[1], m[2])
		got = append(got, key)
		why[key] = f.Message
		require.Equal(t, m[1] == "", f.Changed, f.Message)
	}
	slices.Sort(got)
	return got, why
}

// TestCacheMountLaterReaders: a step gets a cache mount at D only when
// nothing built on it reads D without the same mount.
func TestCacheMountLaterReaders(t *testing.T) {
	for _, tc := range []struct {
		name, df string
		want     []string
		because  map[string]string // decision -> part of its reason
	}{
		{name: "GOPROXY=off build after go mod download (issue 16)",
			df:   "FROM golang:1.26\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\nCOPY . .\nRUN GOPROXY=off go build -o /usr/local/bin/app .\n",
			want: []string{"4 no go-mod", "6 no go-build", "6 no go-mod"},
			because: map[string]string{
				"4 no go-mod": "Dockerfile:6 may read it without this mount: `GOPROXY=off go build -o /usr/local/bin/app .` uses /go/pkg/mod",
				"6 no go-mod": "only reads what an earlier step downloaded"}},
		{name: "a later build from an offline proxy inside the module cache",
			df:      "FROM golang:1.26\nWORKDIR /src\nCOPY . .\nRUN go mod download\nRUN GOFLAGS=-mod=mod GOPROXY=file:///go/pkg/mod/cache/download go build -o /app .\n",
			want:    []string{"4 no go-mod", "5 go-build", "5 no go-mod"},
			because: map[string]string{"5 no go-mod": "runs with GOPROXY=file:///go/pkg/mod/cache/download, a path inside it"}},
		{name: "a build without a network on a stage that downloaded without a mount (adversarial round, 2026-12-03)",
			df:      "FROM golang:1.26\nWORKDIR /src\nCOPY . .\nRUN --network=none go build -o /app .\n",
			want:    []string{"4 no go-build", "4 no go-mod"},
			because: map[string]string{"4 no go-mod": "runs without a network: it can only use what is already in /go/pkg/mod"}},
		{name: "apt with the image's docker-clean removed by the step",
			df:      "FROM debian:bookworm-slim\nRUN rm -f /etc/apt/apt.conf.d/docker-clean && apt-get update && apt-get install -y tree\n",
			want:    []string{"2 apt-lists", "2 no apt-archives"},
			because: map[string]string{"2 no apt-archives": "`rm -f /etc/apt/apt.conf.d/docker-clean` touches /etc/apt/apt.conf.d, over which this pass would mount its own file"}},
		{name: "apt with a computed path a command may edit",
			df:      "FROM debian:bookworm-slim\nRUN F=$(cat /etc/which-file) && sed -i /Post-Invoke/d \"$F\" && apt-get update && apt-get install -y tree\n",
			want:    []string{"2 apt-lists", "2 no apt-archives"},
			because: map[string]string{"2 no apt-archives": "is known only when the build runs"}},
		{name: "apt with computed package names",
			df:   "FROM debian:bookworm-slim\nARG PKGS=tree\nRUN apt-get update && apt-get install -y $PKGS\n",
			want: []string{"3 apt-archives", "3 apt-lists"}},
		{name: "PIP_NO_CACHE_DIR, and a pip the walker does not see run through su",
			df:      "FROM python:3.12-slim\nENV PIP_NO_CACHE_DIR=1\nRUN pip install flask && su app -c 'pip install --user plugin'\n",
			want:    []string{"3 no pip"},
			because: map[string]string{"3 no pip": "runs a program this pass does not see into, which would lose PIP_NO_CACHE_DIR too"}},
		{name: "PIP_NO_CACHE_DIR, and a script file (review of the adversarial round)",
			df:      "FROM python:3.12-slim\nENV PIP_NO_CACHE_DIR=1\nCOPY install.sh /\nRUN pip install flask && sh ./install.sh\n",
			want:    []string{"4 no pip"},
			because: map[string]string{"4 no pip": "`sh ./install.sh` runs a script this pass does not see into, which would lose PIP_NO_CACHE_DIR too"}},
		{name: "PIP_NO_CACHE_DIR, and python running a setup script",
			df:      "FROM python:3.12-slim\nENV PIP_NO_CACHE_DIR=1\nRUN pip install flask && python3 setup.py install\n",
			want:    []string{"3 no pip"},
			because: map[string]string{"3 no pip": "`python3 setup.py install` runs a program this pass does not see into"}},
		{name: "PIP_NO_CACHE_DIR, and pip run as python -m pip",
			df:   "FROM python:3.12-slim\nENV PIP_NO_CACHE_DIR=1\nRUN python -m pip install flask && sh -c 'echo done'\n",
			want: []string{"3 pip"}},
		{name: "PIP_NO_CACHE_DIR, and only pip",
			df:   "FROM python:3.12-slim\nENV PIP_NO_CACHE_DIR=1\nRUN pip install flask\n",
			want: []string{"3 pip"}},
		{name: "online build after download: both mounted (goserver)",
			df:   "FROM golang:1.26\nWORKDIR /src\nCOPY . .\nRUN go mod download\nRUN go build -o /usr/local/bin/server .\n",
			want: []string{"4 go-mod", "5 go-build", "5 go-mod"}},
		{name: "COPY --from a deps stage of the module cache",
			df: "FROM golang:1.26 AS deps\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\n" +
				"FROM golang:1.26\nCOPY --from=deps /go/pkg/mod /go/pkg/mod\nCOPY . .\nRUN go build -o /app .\n",
			want: []string{"4 no go-mod", "8 go-build", "8 no go-mod"},
			because: map[string]string{"4 no go-mod": "Dockerfile:6 may read it without this mount: it copies /go/pkg/mod",
				"8 no go-mod": "Dockerfile:6 writes /go/pkg/mod, in or above it: the mount would hide those files"}},
		{name: "a build cache the image keeps keeps the module cache too",
			df:   "FROM golang:1.26\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nRUN du -s /root/.cache/go-build\n",
			want: []string{"4 no go-build", "4 no go-mod"},
			because: map[string]string{"4 no go-build": "Dockerfile:5 may read it without this mount",
				"4 no go-mod": "the step keeps go-build at /root/.cache/go-build in the image"}},
		{name: "a module cache the image keeps leaves the build cache mounted",
			df:   "FROM golang:1.26\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\nRUN du -s /go/pkg/mod\n",
			want: []string{"4 go-build", "4 no go-mod"}},
		{name: "COPY --from a deps stage of /go",
			df: "FROM golang:1.26 AS deps\nWORKDIR /src\nCOPY go.mod go.sum ./\nRUN go mod download\n" +
				"FROM golang:1.26\nCOPY --from=deps /go /go\n",
			want:    []string{"4 no go-mod"},
			because: map[string]string{"4 no go-mod": "it copies /go"}},
		{name: "COPY --from of a path under the cache",
			df: "FROM golang:1.26 AS deps\nRUN go mod download\n" +
				"FROM scratch\nCOPY --from=deps /go/pkg/mod/cache/download /proxy\n",
			want: []string{"2 no go-mod"}},
		{name: "COPY --from of another path leaves the mount",
			df: "FROM golang:1.26 AS build\nWORKDIR /src\nCOPY . .\nRUN go build -o /app .\n" +
				"FROM scratch\nCOPY --from=build /app /app\n",
			want: []string{"4 go-build", "4 go-mod"}},
		{name: "pip download into the cache dir, copied by a later stage",
			df: "FROM python:3.12 AS wheels\nRUN pip download --dest /root/.cache/pip/wheels flask\n" +
				"FROM python:3.12\nCOPY --from=wheels /root/.cache/pip/wheels /wheels\nRUN pip install --no-index --find-links /wheels flask\n",
			want:    []string{"2 no pip", "5 pip"},
			because: map[string]string{"2 no pip": "names /root/.cache/pip/wheels, a path inside it"}},
		{name: "pip install --no-index from wheels in the cache dir",
			df:      "FROM python:3.12\nRUN pip install flask\nRUN pip install --no-index --find-links /root/.cache/pip/wheels flask\n",
			want:    []string{"2 no pip", "3 no pip"},
			because: map[string]string{"2 no pip": "Dockerfile:3 may read it"}},
		{name: "a later script",
			df:      "FROM python:3.12\nCOPY . .\nRUN pip install -r requirements.txt\nRUN ./script.sh\n",
			want:    []string{"3 no pip"},
			because: map[string]string{"3 no pip": "`./script.sh` is not a command the model knows"}},
		{name: "a later sh script.sh",
			df:      "FROM python:3.12\nRUN pip install flask\nRUN sh script.sh\n",
			want:    []string{"2 no pip"},
			because: map[string]string{"2 no pip": "runs a script the model cannot read"}},
		{name: "a later step the model reads fully",
			df:   "FROM python:3.12\nWORKDIR /app\nRUN pip install flask\nRUN mkdir -p /app/static && echo ok > /app/ok\n",
			want: []string{"3 pip"}},
		{name: "a later command named by a variable",
			df:      "FROM python:3.12\nRUN pip install flask\nRUN $TOOL --version\n",
			want:    []string{"2 no pip"},
			because: map[string]string{"2 no pip": "whose name the script computes"}},
		{name: "a later forced removal reads nothing",
			df:   "FROM python:3.12\nRUN pip install flask\nRUN rm -rf /root/.cache $UNKNOWN\n",
			want: []string{"2 pip"}},
		{name: "a later rm without -f reads what it removes",
			df:   "FROM python:3.12\nRUN pip install flask\nRUN rm -r /root/.cache/pip\n",
			want: []string{"2 no pip"}},
		{name: "apt installs one a step, then apt-get clean (aptsteps)",
			df:   "FROM debian:bookworm\nRUN apt-get update\nRUN apt-get install -y curl\nRUN apt-get install -y xz-utils\nRUN apt-get clean\n",
			want: []string{"2 no apt-lists", "3 apt-archives", "4 apt-archives"}},
		{name: "npm run build reads anything (static)",
			df:      "FROM node:22\nWORKDIR /app\nCOPY . .\nRUN npm install\nRUN npm run build\n",
			want:    []string{"4 no npm"},
			because: map[string]string{"4 no npm": "`npm run build` is not a command the model knows"}},
		{name: "a later cat of the cache",
			df:   "FROM python:3.12\nRUN pip install flask\nRUN cat /root/.cache/pip/selfcheck.json\n",
			want: []string{"2 no pip"}},
		{name: "a later npm ci --offline",
			df:   "FROM node:22\nWORKDIR /app\nCOPY package*.json ./\nRUN npm install\nRUN npm ci --offline\n",
			want: []string{"4 no npm", "5 no npm"}},
		{name: "npm ci --offline after COPY . . (issue 16, npm-ci-offline)",
			df:      "FROM node:22\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\nRUN npm ci --offline --omit=dev\n",
			want:    []string{"4 no npm", "6 no npm"},
			because: map[string]string{"4 no npm": "Dockerfile:6 may read it without this mount: `npm ci --offline --omit=dev` uses /root/.npm"}},
		{name: "npm offline by npm_config_offline in the script",
			df:      "FROM node:22\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\nRUN npm_config_offline=true npm ci --omit=dev\n",
			want:    []string{"4 no npm", "6 no npm"},
			because: map[string]string{"6 no npm": "only reads what an earlier step downloaded"}},
		{name: "npm offline by an ENV",
			df:      "FROM node:22\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\nENV NPM_CONFIG_OFFLINE=1\nRUN npm ci --omit=dev\n",
			want:    []string{"4 no npm", "7 no npm"},
			because: map[string]string{"4 no npm": "Dockerfile:7 may read it"}},
		{name: "npm offline with its cache elsewhere",
			df:   "FROM node:22\nWORKDIR /app\nRUN npm ci --cache /tmp/npm\nRUN npm ci --offline --cache /tmp/npm\n",
			want: []string{"3 no npm", "4 no npm"}},
		{name: "npm --prefer-offline asks the network for what the cache lacks: both mounted",
			df:   "FROM node:22\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci\nCOPY . .\nRUN npm ci --prefer-offline --omit=dev\n",
			want: []string{"4 npm", "6 npm"}},
		{name: "yarn install --offline",
			df:      "FROM node:22\nWORKDIR /app\nCOPY package.json yarn.lock ./\nRUN yarn install\nCOPY . .\nRUN yarn install --offline --production\n",
			want:    []string{"4 no yarn", "4 no yarn-berry", "6 no yarn", "6 no yarn-berry"},
			because: map[string]string{"4 no yarn": "Dockerfile:6 may read it without this mount: `yarn install --offline --production`"}},
		{name: "pnpm install --offline",
			df:   "FROM node:22\nWORKDIR /app\nRUN pnpm install\nRUN pnpm install --offline\n",
			want: []string{"3 no pnpm", "4 no pnpm"}},
		{name: "pip --no-index from wheels in the cache dir, with a tilde",
			df:      "FROM python:3.12\nRUN pip install flask\nRUN pip install --no-index --find-links ~/.cache/pip/wheels flask\n",
			want:    []string{"2 no pip", "3 no pip"},
			because: map[string]string{"3 no pip": "names /root/.cache/pip/wheels, a path inside it"}},
		{name: "express: npm install last",
			df:   "FROM node:22-slim\nWORKDIR /app\nCOPY . .\nRUN npm install\n",
			want: []string{"4 npm"}},
		{name: "apt lists read by a later install (was readsAptLists)",
			df:      "FROM debian:bookworm\nRUN apt-get update\nRUN apt-get install -y gcc\n",
			want:    []string{"2 no apt-lists", "3 apt-archives"},
			because: map[string]string{"2 no apt-lists": "`apt-get install -y gcc` reads /var/lib/apt"}},
		{name: "apt update and install in each step",
			df:   "FROM debian:bookworm\nRUN apt-get update && apt-get install -y gcc\nRUN apt-get update && apt-get install -y make\n",
			want: []string{"2 apt-archives", "2 apt-lists", "3 apt-archives", "3 apt-lists"}},
		{name: "Yarn Berry's cache is read at run time by PnP",
			df:      "FROM node:22\nWORKDIR /app\nCOPY . .\nRUN corepack enable && yarn install --immutable\n",
			want:    []string{"4 no yarn-berry", "4 yarn"},
			because: map[string]string{"4 no yarn-berry": "may read /root/.yarn/berry/cache at run time"}},
		{name: "Poetry's cache dir holds its virtualenvs",
			df:   "FROM python:3.12\nCOPY . .\nRUN poetry install\n",
			want: []string{"3 no poetry"}},
		{name: "Poetry without virtualenvs",
			df:   "FROM python:3.12\nENV POETRY_VIRTUALENVS_CREATE=false\nCOPY . .\nRUN poetry install\n",
			want: []string{"4 poetry"}},
		{name: "Poetry's cache in a build stage that ships only a wheel",
			df:   "FROM python:3.12 AS build\nENV POETRY_VIRTUALENVS_IN_PROJECT=true\nCOPY . .\nRUN poetry install && poetry build\nFROM python:3.12\nCOPY --from=build /dist /dist\n",
			want: []string{"4 poetry"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, why := cacheDecisions(t, tc.df)
			require.Equal(t, tc.want, got, "%v", why)
			for k, part := range tc.because {
				require.Contains(t, why[k], part)
			}
		})
	}
}

// TestCacheMountCleanupByComputedPath: a clean-up in the step that may
// remove the mount point by a path the pass cannot compute, or a parent
// of it, leaves the step alone; a literal path elsewhere or strictly
// inside does not.
func TestCacheMountCleanupByComputedPath(t *testing.T) {
	for _, tc := range []struct {
		script string
		mount  bool
	}{
		{"pip install poetry && rm -rf $(poetry config cache-dir)", false},
		{`pip install flask && rm -rf "$CACHE_DIR"`, false},
		{"pip install flask && rm -rf ~/.cache/*", false},
		{"pip install flask && rm -rf /root/.cache", false},
		{"pip install flask && rm -rf /root/.c*", false},
		{"pip install flask && find /root -name '*.pyc' -delete", false},
		{"pip install flask && find /root/.cache/pip -delete", false},
		{"pip install flask && mv /root/.cache /tmp/c", false},
		{"pip install flask && cd $X && rm -rf build", false},
		{"pip install flask && ls | xargs rm -rf", false},
		{"pip install flask && $RM /tmp/x", false},
		{"pip install flask && rm -rf /tmp/* /var/tmp/x", true},
		{"pip install flask && rm -rf /root/.cache/pip/http", true},
		{"pip install flask && find /usr -name '*.pyc' -delete", true},
		{"pip install flask && rm -rf build", true},
	} {
		t.Run(tc.script, func(t *testing.T) {
			_, exec, _, rep := applyCacheMount(t, runDef(t, tc.script))
			got := cacheMounts(exec)["/root/.cache/pip"] != nil
			require.Equal(t, tc.mount, got, "%v", rep.Findings)
			if !tc.mount {
				require.True(t, slices.ContainsFunc(rep.Findings, func(f Finding) bool {
					return strings.HasPrefix(f.Message, "no cache mount for pip at /root/.cache/pip: ")
				}), "the refusal is reported: %v", rep.Findings)
			}
		})
	}
}

// TestCacheMountRemovesMountPoint: a step that removes or moves the cache
// directory itself, or a directory above it, by any spelling, keeps no
// mount there: the command would fail on the mount point, and dropping it
// would leave in the image what stock's build removes (issue 16,
// apt-rm-lists-dir). Emptying the directory is a clean-up the mount makes
// true.
func TestCacheMountRemovesMountPoint(t *testing.T) {
	const apt = "FROM debian:bookworm\nRUN apt-get update && apt-get install -y tree && "
	for _, tc := range []struct {
		name, df string
		want     []string
	}{
		{"rm -rf of apt's lists dir", apt + "rm -rf /var/lib/apt/lists\n", []string{"2 apt-archives", "2 no apt-lists"}},
		{"with a trailing slash", apt + "rm -rf /var/lib/apt/lists/\n", []string{"2 apt-archives", "2 no apt-lists"}},
		{"a glob that matches the dir", apt + "rm -rf /var/lib/apt/list*\n", []string{"2 apt-archives", "2 no apt-lists"}},
		{"a glob that matches a parent", apt + "rm -rf /var/lib/ap?\n", []string{"2 apt-archives", "2 no apt-lists"}},
		{"relative to the working directory", "FROM debian:bookworm\nWORKDIR /var/lib/apt\nRUN apt-get update && rm -rf lists\n", []string{"3 no apt-lists"}},
		{"both apt dirs", apt + "rm -rf /var/lib/apt/lists /var/cache/apt\n", []string{"2 no apt-archives", "2 no apt-lists"}},
		{"find -delete of the dir", apt + "find /var/lib/apt/lists -delete\n", []string{"2 apt-archives", "2 no apt-lists"}},
		{"rm -rf of pip's dir", "FROM python:3.12\nRUN pip install flask && rm -rf /root/.cache/pip\n", []string{"2 no pip"}},
		{"rm -r with a tilde", "FROM python:3.12\nRUN pip install flask && rm -r ~/.cache/pip\n", []string{"2 no pip"}},
		{"rm -r ~/.npm", "FROM node:22\nRUN npm ci && rm -r ~/.npm\n", []string{"2 no npm"}},
		{"rmdir", "FROM node:22\nRUN npm ci && rmdir ~/.npm\n", []string{"2 no npm"}},
		{"mv of the dir", "FROM node:22\nRUN npm ci && mv /root/.npm /tmp/npm\n", []string{"2 no npm"}},
		{"mv into the dir", "FROM node:22\nRUN npm ci && mv /tmp/x /root/.npm/x\n", []string{"2 no npm"}},
		{"mv out of the dir", "FROM node:22\nRUN npm ci && mv /root/.npm/_logs /logs\n", []string{"2 no npm"}},
		// Emptying the directory, or removing elsewhere, keeps the mount.
		{"the lists' contents", apt + "rm -rf /var/lib/apt/lists/*\n", []string{"2 apt-archives", "2 apt-lists"}},
		{"a file inside", "FROM python:3.12\nRUN pip install flask && rm -rf /root/.cache/pip/http\n", []string{"2 pip"}},
		{"a sibling", "FROM python:3.12\nRUN pip install flask && rm -rf /root/.cache/pipx /root/.cache/pi\n", []string{"2 pip"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, why := cacheDecisions(t, tc.df)
			require.Equal(t, tc.want, got, "%v", why)
			for k, msg := range why {
				if strings.Contains(k, " no ") {
					require.Contains(t, msg, "itself or a directory above it", k)
				}
			}
		})
	}
}

// TestReadsMountWithSelector: a later RUN --mount=from=deps,source=/go
// reads the deps stage's /go through its mount, at its target.
func TestReadsMountWithSelector(t *testing.T) {
	got, why := cacheDecisions(t, "FROM golang:1.26 AS deps\nRUN go mod download\n"+
		"FROM golang:1.26\nRUN --mount=from=deps,source=/go,target=/deps tar -C /deps -cf /mods.tar pkg/mod\n")
	require.Equal(t, []string{"2 no go-mod"}, got, "%v", why)
	require.Contains(t, why["2 no go-mod"], "/deps")

	got, why = cacheDecisions(t, "FROM golang:1.26 AS deps\nRUN go mod download\n"+
		"FROM golang:1.26\nRUN --mount=from=deps,source=/go/bin,target=/deps ls /deps\n")
	require.Equal(t, []string{"2 go-mod"}, got, "%v", why)
}

// TestCacheMountReaderWithoutLocation: the read model is asked of a
// graph whose ops carry no Dockerfile location too.
func TestCacheMountReaderWithoutLocation(t *testing.T) {
	base := llb.Image("docker.io/library/golang:1.26")
	sh := func(s string) llb.RunOption { return llb.Args([]string{"/bin/sh", "-c", s}) }
	dl := base.Run(sh("go mod download"), llb.AddEnv("GOPATH", "/go")).Root()
	off := dl.Run(sh("go build ."), llb.AddEnv("GOPATH", "/go"), llb.AddEnv("GOPROXY", "off")).Root()
	def, err := off.Marshal(context.Background(), llb.LinuxAmd64)
	require.NoError(t, err)
	g, err := Decode(def.ToPB())
	require.NoError(t, err)
	rep, err := CacheMount{}.Apply(context.Background(), g)
	require.NoError(t, err)
	for _, n := range g.Nodes() {
		if exec := n.Op.GetExec(); exec != nil {
			require.Nil(t, cacheMounts(exec)["/go/pkg/mod"], "%v", rep.Findings)
		}
	}
}

// TestCacheMountLaterReadersAsUsers: steps that run as another user are
// predicted with the users read for the first of them, so a chain of
// installs as node all get the mount; an install as an unknown user does
// not make a root step's unrelated cache unsafe.
func TestCacheMountLaterReadersAsUsers(t *testing.T) {
	users := func(context.Context, *pb.Definition) (pkgcache.Lookup, error) {
		return func(name string) (int, int, string, bool) {
			if name == "node" {
				return 1000, 1000, "/home/node", true
			}
			return 0, 0, "", false
		}, nil
	}
	for _, tc := range []struct {
		name, df string
		users    UserDB
		want     []string
	}{
		{name: "two installs as node",
			df:    "FROM node:22\nUSER node\nWORKDIR /home/node/app\nRUN npm install\nRUN npm install left-pad\n",
			users: users, want: []string{"4 npm", "5 npm"}},
		{name: "root apt, then npm as a user nobody can resolve",
			df:   "FROM node:22\nRUN apt-get update && apt-get install -y curl\nUSER node\nRUN npm install\n",
			want: []string{"2 apt-archives", "2 apt-lists"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := dockerfileGraph(t, tc.df)
			rep, err := CacheMount{Users: tc.users}.Apply(context.Background(), g)
			require.NoError(t, err)
			var got []string
			for _, f := range rep.Findings {
				if m := mountFinding.FindStringSubmatch(f.Message); m != nil {
					loc, _ := g.Location(f.Node)
					got = append(got, fmt.Sprintf("%d %s%s", loc.Start, m[1], m[2]))
				}
			}
			slices.Sort(got)
			require.Equal(t, tc.want, got, "%v", rep.Findings)
		})
	}
}
