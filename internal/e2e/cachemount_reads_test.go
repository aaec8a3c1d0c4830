package e2e

import (
	"archive/tar"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// refusalReport matches the cachemount pass's refusals in buildx's output.
var refusalReport = regexp.MustCompile(`optfrontend cachemount: no cache mount for (\S+) at (\S+): `)

// TestCacheMountLaterReaders builds, stock and optimized (with no fallback
// to stock), Dockerfiles in which a later step or stage reads what a step
// leaves in a package manager's directory, or a step removes that
// directory by a path the pass cannot compute. Both must build; the
// optimized image must equal stock's outside the cache directories the
// report names; and the report must leave the step alone, saying why.
func TestCacheMountLaterReaders(t *testing.T) {
	goserver := filepath.Join(bed.root, "examples", "goserver")
	// One at a time: the Go cases share their module download and
	// compile through BuildKit's cache; two at a time each took 150 s.
	for _, tc := range []struct {
		name    string
		from    string // an example whose files the context starts with
		files   map[string]string
		refused []string // cache dirs the report must leave alone
	}{
		{name: "goproxy-off", from: goserver, refused: []string{"/go/pkg/mod"}, files: map[string]string{"Dockerfile": `# syntax=org/optfrontend
FROM golang:1.26
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN GOPROXY=off go build -o /usr/local/bin/app .
`}},
		{name: "deps-stage", from: goserver, refused: []string{"/go/pkg/mod"}, files: map[string]string{"Dockerfile": `# syntax=org/optfrontend
FROM golang:1.26 AS deps
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download

FROM golang:1.26 AS mod
COPY --from=deps /go/pkg/mod /go/pkg/mod
WORKDIR /src
COPY . .
RUN GOFLAGS=-mod=mod GOPROXY=off go build -o /app .

FROM golang:1.26 AS gopath
COPY --from=deps /go /go
WORKDIR /src
COPY . .
RUN GOPROXY=off go build -o /app .

FROM debian:bookworm-slim
COPY --from=mod /app /app-mod
COPY --from=gopath /app /app-gopath
`}},
		{name: "pip-wheels", refused: []string{"/root/.cache/pip"}, files: map[string]string{"Dockerfile": `# syntax=org/optfrontend
FROM python:3.12-slim AS wheels
RUN pip download --dest /root/.cache/pip/wheels six==1.17.0

FROM python:3.12-slim
COPY --from=wheels /root/.cache/pip/wheels /wheels
RUN pip install --no-index --find-links /wheels six==1.17.0
`}},
		{name: "later-script", refused: []string{"/root/.cache/pip"}, files: map[string]string{
			"script.sh": "#!/bin/sh\nfind /root | sort > /root-listing\n",
			"Dockerfile": `# syntax=org/optfrontend
FROM python:3.12-slim
RUN pip install six==1.17.0
COPY --chmod=755 script.sh /script.sh
RUN /script.sh
`}},
		{name: "rm-by-variable", refused: []string{"/root/.cache/pip"}, files: map[string]string{"Dockerfile": `# syntax=org/optfrontend
FROM python:3.12-slim
ENV CACHE_DIR=/root/.cache/pip
RUN pip install six==1.17.0 && rm -rf "$CACHE_DIR"
RUN pip install attrs==25.3.0 && rm -rf $(pip cache dir)
RUN pip install idna==3.10 && rm -rf ~/.cache/*
`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if tc.from != "" {
				dir = copyDir(t, tc.from)
			}
			for name, body := range tc.files {
				require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644))
			}
			// A cache namespace of this run's own, so that a cache an
			// earlier run filled cannot hide a missing file.
			ns := fmt.Sprintf("--build-arg=BUILDKIT_CACHE_MOUNT_NS=e2e-%d", time.Now().UnixNano())
			stockRef, againRef, optRef := ref("e2e/reads-"+tc.name+":stock"), ref("e2e/reads-"+tc.name+":stock-again"), ref("e2e/reads-"+tc.name+":optimized")
			stockBuild(t, dir, stockRef)
			stockBuild(t, dir, againRef, "--no-cache")
			out := optBuild(t, dir, optRef, ns, "--build-arg=BUILDKIT_OPT_FALLBACK=off")

			var refused, mounted []string
			for _, m := range refusalReport.FindAllStringSubmatch(out, -1) {
				refused = append(refused, m[2])
			}
			for _, m := range mountReport.FindAllStringSubmatch(out, -1) {
				mounted = append(mounted, m[2])
			}
			for _, d := range tc.refused {
				require.Contains(t, refused, d, "the report leaves %s alone:\n%s", d, tail(out, 40))
			}
			t.Logf("mounted %v, left alone %v", mounted, refused)

			stock := filesystem(t, image(t, stockRef, nil))
			noise := diffPaths(stock, filesystem(t, image(t, againRef, nil)))
			opt := filesystem(t, image(t, optRef, nil))
			for _, p := range diffPaths(stock, opt) {
				inCache := slices.ContainsFunc(mounted, func(d string) bool { return under(p, d) })
				holder := slices.ContainsFunc(mounted, func(d string) bool { return under(d, p) }) &&
					stock[p].Type == tar.TypeDir && opt[p].Type != tar.TypeReg
				if !inCache && !holder && !workCounter.MatchString(p) && !slices.Contains(noise, p) {
					t.Errorf("the optimized image differs from stock at %s (cache mounts at %v)", p, mounted)
				}
			}
		})
	}
}
