package frontend

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/stretchr/testify/require"
)

// buildFixture compiles a tiny Go program into dir with env, for the ELF
// check's fixtures.
func buildFixture(t *testing.T, dir, name string, env []string, args ...string) string {
	t.Helper()
	src := filepath.Join(dir, "main.go")
	require.NoError(t, os.WriteFile(src, []byte("package main\n\nfunc main() { println(\"hello\") }\n"), 0o644))
	out := filepath.Join(dir, name)
	cmd := exec.Command("go", append(append([]string{"build", "-o", out}, args...), src)...)
	cmd.Env = append(append(os.Environ(), "GOFLAGS=", "GO111MODULE=off"), env...)
	b, err := cmd.CombinedOutput()
	require.NoError(t, err, "go build: %s", b)
	return out
}

func TestStaticELF(t *testing.T) {
	dir := t.TempDir()
	text := filepath.Join(dir, "script")
	require.NoError(t, os.WriteFile(text, []byte("#!/bin/sh\necho hello\n"), 0o755))
	for _, tc := range []struct {
		name, file, why string
	}{
		{"go static", buildFixture(t, dir, "static", []string{"CGO_ENABLED=0"}), ""},
		// Go's PIE has no DT_NEEDED but needs the loader.
		{"go pie", buildFixture(t, dir, "pie", []string{"CGO_ENABLED=0"}, "-buildmode=pie"), "needs the loader "},
		{"host ls", "/bin/ls", "dynamically linked: needs "},
		{"script", text, "not an ELF program"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, err := os.Open(tc.file)
			require.NoError(t, err)
			defer f.Close()
			why := staticELF(f)
			if tc.why == "" {
				require.Empty(t, why)
			} else {
				require.Contains(t, why, tc.why)
			}
		})
	}
	f, err := os.Open("/bin/ls")
	require.NoError(t, err)
	defer f.Close()
	require.Contains(t, staticELF(f), "libc.so.6", "the reason names the library")
}

const staticGood = `FROM golang:1.26
WORKDIR /src
COPY go.mod ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -o /usr/local/bin/server .
EXPOSE 8080
USER nobody
CMD ["/usr/local/bin/server"]
`

func TestStaticStage(t *testing.T) {
	for _, tc := range []struct {
		name, df, target, why string
		line                  int
	}{
		{"one stage go build", staticGood, "", "", 9},
		{"rust", "FROM rust:1\nWORKDIR /app\nCOPY . .\nRUN cargo fetch && cargo build --release\nCMD [\"/app/target/release/app\"]\n", "", "", 5},
		{"arg base", "ARG GO=1.26\nFROM golang:${GO}\nRUN go build -o /app .\nCMD [\"/app\"]\n", "", "", 4},
		{"another base", "FROM debian\nRUN go build -o /app .\nCMD [\"/app\"]\n", "", "not a known toolchain image", 3},
		{"from a stage", "FROM golang:1.26 AS b\nFROM b\nRUN go build -o /app .\nCMD [\"/app\"]\n", "", "built FROM another stage", 4},
		{"copy from", "FROM golang:1.26\nCOPY --from=busybox /bin/busybox /bin/\nRUN go build -o /app .\nCMD [\"/app\"]\n", "", "copies from --from=busybox (line 2)", 4},
		{"add", "FROM golang:1.26\nADD app.tar /\nRUN go build -o /app .\nCMD [\"/app\"]\n", "", "ADD (line 2)", 4},
		{"volume", "FROM golang:1.26\nRUN go build -o /app .\nVOLUME /data\nCMD [\"/app\"]\n", "", "VOLUME (line 3)", 4},
		{"healthcheck", "FROM golang:1.26\nRUN go build -o /app .\nHEALTHCHECK CMD curl -f localhost\nCMD [\"/app\"]\n", "", "HEALTHCHECK", 4},
		{"no healthcheck", "FROM golang:1.26\nRUN go build -o /app .\nHEALTHCHECK NONE\nCMD [\"/app\"]\n", "", "", 4},
		{"apt-get", "FROM golang:1.26\nRUN apt-get update && apt-get install -y curl\nRUN go build -o /app .\nCMD [\"/app\"]\n", "", `runs "apt-get update"`, 4},
		{"two builds", "FROM golang:1.26\nRUN go build -o /a ./a\nRUN go build -o /b ./b\nCMD [\"/a\"]\n", "", "more than one RUN", 4},
		{"build twice in one", "FROM golang:1.26\nRUN go build -o /a ./a && go build -o /b ./b\nCMD [\"/a\"]\n", "", "builds twice", 3},
		{"no build", "FROM golang:1.26\nRUN go mod download\nCMD [\"/a\"]\n", "", "no RUN of the stage builds", 3},
		{"go test", "FROM golang:1.26\nRUN go test ./... && go build -o /a .\nCMD [\"/a\"]\n", "", `runs "go test ./..."`, 3},
		{"pipe", "FROM golang:1.26\nRUN go build -o /a . | tee log\nCMD [\"/a\"]\n", "", "not a plain go or cargo command list", 3},
		{"heredoc", "FROM golang:1.26\nRUN <<EOF\ngo build -o /a .\nEOF\nCMD [\"/a\"]\n", "", "heredoc", 5},
		{"bind mount", "FROM golang:1.26\nRUN --mount=type=bind,from=src,target=/src go build -o /a /src\nCMD [\"/a\"]\n", "", "mounts --from=src", 3},
		{"cache mount", "FROM golang:1.26\nRUN --mount=type=cache,target=/root/.cache/go-build go build -o /a .\nCMD [\"/a\"]\n", "", "", 3},
		{"target", "FROM golang:1.26 AS app\nRUN go build -o /a .\nCMD [\"/a\"]\nFROM debian\n", "app", "", 3},
		{"missing target", staticGood, "nope", "not found", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, loc, why := staticStageOf([]byte(tc.df), tc.target, nil)
			if tc.why == "" {
				require.Empty(t, why)
				require.NotNil(t, st)
			} else {
				require.Contains(t, why, tc.why)
			}
			if tc.line > 0 {
				require.NotEmpty(t, loc)
				require.Equal(t, tc.line, loc[0].Start.Line)
			}
		})
	}
}

// fakeImage is a built image's files for the checks: path to mode.
type fakeImage map[string]os.FileMode

func (f fakeImage) stat(p string) (fileStat, error) {
	m, ok := f[p]
	if !ok {
		return fileStat{}, fmt.Errorf("%s: not found", p)
	}
	return fileStat{mode: m, size: 1 << 20, modTime: time.Unix(1700000000, 0).UTC()}, nil
}

func TestStaticProgram(t *testing.T) {
	files := fakeImage{
		"/usr/local/bin/server": 0o755, "/src/server": 0o755, "/src/data": 0o644,
		"/go/bin/tool": 0o755, "/usr/local/go/bin/go": 0o755, "/bin/sh": 0o755,
		"/app/target/release/app": 0o755,
	}
	path := []string{"PATH=/go/bin:/usr/local/go/bin:/usr/local/bin:/bin"}
	goBuild := &staticStage{build: staticRun{line: 6, tool: "go", outputs: []string{"/usr/local/bin/server"}, workdir: "/src"}}
	for _, tc := range []struct {
		name string
		cfg  dockerspec.DockerOCIImageConfig
		st   *staticStage
		want string
		why  string
	}{
		{"absolute", cfgOf(nil, []string{"/usr/local/bin/server"}, nil, ""), goBuild, "/usr/local/bin/server", ""},
		{"through PATH", cfgOf(nil, []string{"server", "--port", "8080"}, path, ""), goBuild, "/usr/local/bin/server", ""},
		{"entrypoint and cmd", cfgOf([]string{"/usr/local/bin/server"}, []string{"serve"}, nil, ""), goBuild, "/usr/local/bin/server", ""},
		{"shell form", cfgOf(nil, []string{"/bin/sh", "-c", "server"}, nil, ""), goBuild, "", "shell form"},
		{"python", cfgOf(nil, []string{"python3.12", "app.py"}, path, ""), goBuild, "", "an interpreter"},
		{"the toolchain", cfgOf(nil, []string{"go", "run", "."}, path, ""), goBuild, "", "the toolchain"},
		{"path argument", cfgOf(nil, []string{"/usr/local/bin/server", "--config=/etc/app.yaml"}, nil, ""), goBuild, "", "names a path"},
		{"no command", cfgOf(nil, nil, nil, ""), goBuild, "", "no ENTRYPOINT or CMD"},
		{"not found", cfgOf(nil, []string{"/usr/bin/missing"}, nil, ""), goBuild, "", "not found"},
		{"not executable", cfgOf(nil, []string{"./data"}, nil, "/src"), goBuild, "", "not found as an executable"},
		{"relative to workdir, no -o", cfgOf(nil, []string{"./server"}, nil, "/src"),
			&staticStage{build: staticRun{line: 4, tool: "go", workdir: "/src"}}, "/src/server", ""},
		{"not the build's output", cfgOf(nil, []string{"/src/server"}, nil, ""), goBuild, "", "not where the build RUN (line 6) writes"},
		{"relative -o", cfgOf(nil, []string{"/src/server"}, nil, ""),
			&staticStage{build: staticRun{line: 4, tool: "go", outputs: []string{"server"}, workdir: "/src"}}, "/src/server", ""},
		{"go install", cfgOf(nil, []string{"tool"}, path, ""),
			&staticStage{build: staticRun{line: 4, tool: "go", install: true}}, "/go/bin/tool", ""},
		{"cargo build", cfgOf(nil, []string{"/app/target/release/app"}, nil, ""),
			&staticStage{build: staticRun{line: 4, tool: "cargo", workdir: "/app"}}, "/app/target/release/app", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, why := staticProgram(tc.cfg, tc.st, files.stat)
			if tc.why == "" {
				require.Empty(t, why)
				require.Equal(t, tc.want, got)
			} else {
				require.Contains(t, why, tc.why)
			}
		})
	}
}

func cfgOf(entrypoint, cmd, env []string, workdir string) dockerspec.DockerOCIImageConfig {
	var c dockerspec.DockerOCIImageConfig
	c.Entrypoint, c.Cmd, c.Env, c.WorkingDir = entrypoint, cmd, env, workdir
	return c
}

func TestStaticFiles(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files fakeImage
		want  []string
	}{
		{"all", fakeImage{"/etc/ssl/certs/ca-certificates.crt": 0o644, "/usr/share/zoneinfo": os.ModeDir | 0o755, "/etc/passwd": 0o644, "/etc/group": 0o644},
			[]string{"/usr/local/bin/server", "/etc/ssl/certs/ca-certificates.crt", "/usr/share/zoneinfo", "/etc/passwd", "/etc/group"}},
		{"no certs, no zones", fakeImage{"/etc/passwd": 0o644, "/etc/group": 0o644},
			[]string{"/usr/local/bin/server", "/etc/passwd", "/etc/group"}},
		{"zoneinfo not a directory", fakeImage{"/usr/share/zoneinfo": os.ModeSymlink | 0o777},
			[]string{"/usr/local/bin/server"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, staticKeep("/usr/local/bin/server", tc.files.stat))
		})
	}
}

// TestStaticRoot checks the new root's one file op: the parent
// directories and the WORKDIR made as the built image has them, then the
// kept files copied, the same bytes every time.
func TestStaticRoot(t *testing.T) {
	files := fakeImage{"/usr": os.ModeDir | 0o755, "/usr/local": os.ModeDir | 0o755, "/usr/local/bin": os.ModeDir | 0o755,
		"/etc": os.ModeDir | 0o755, "/src": os.ModeDir | 0o700}
	var img dockerspec.DockerOCIImage
	img.Config.WorkingDir = "/src/app"
	keep := []string{"/usr/local/bin/server", "/etc/passwd"}
	marshal := func() *llb.Definition {
		def, err := staticRoot(llb.Image("golang:1.26"), keep, img, files.stat).Marshal(context.Background(), llb.LinuxAmd64)
		require.NoError(t, err)
		return def
	}
	def := marshal()
	for range 5 {
		require.Equal(t, def.Def, marshal().Def)
	}
	var actions []string
	for _, dt := range def.Def {
		var op pb.Op
		require.NoError(t, op.UnmarshalVT(dt))
		for _, a := range op.GetFile().GetActions() {
			switch {
			case a.GetMkdir() != nil:
				m := a.GetMkdir()
				actions = append(actions, fmt.Sprintf("mkdir %s %o", m.Path, m.Mode))
			case a.GetCopy() != nil:
				c := a.GetCopy()
				require.True(t, c.FollowSymlink)
				actions = append(actions, fmt.Sprintf("copy %s %s", c.Src, c.Dest))
			}
		}
	}
	require.Equal(t, []string{
		"mkdir /etc 755", "mkdir /src 700", "mkdir /src/app 755", "mkdir /usr 755", "mkdir /usr/local 755", "mkdir /usr/local/bin 755",
		"copy /usr/local/bin/server /usr/local/bin/server", "copy /etc/passwd /etc/passwd",
	}, actions)
}

func TestStaticHistory(t *testing.T) {
	created := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	img := ocispecs.Image{Created: &created, History: []ocispecs.History{
		{CreatedBy: "debian rootfs"},
		{CreatedBy: "ENV GOPATH=/go", EmptyLayer: true},
		{CreatedBy: "COPY . . # buildkit", Comment: "buildkit.dockerfile.v0"},
		{CreatedBy: "CMD [\"/app\"]", EmptyLayer: true},
	}}
	dt, err := json.Marshal(img)
	require.NoError(t, err)
	out, err := staticHistory(dt, "optfrontend static: scratch with /app")
	require.NoError(t, err)
	var got ocispecs.Image
	require.NoError(t, json.Unmarshal(out, &got))
	var layers []string
	for _, h := range got.History {
		if !h.EmptyLayer {
			layers = append(layers, h.CreatedBy)
		}
	}
	require.Equal(t, []string{"optfrontend static: scratch with /app"}, layers, "one layer, one entry")
	require.Len(t, got.History, 5)
	require.Equal(t, "buildkit.dockerfile.v0; optfrontend static: its layer is left out of the image", got.History[2].Comment)
	require.True(t, strings.HasPrefix(got.History[0].Comment, "optfrontend static"))
	require.Equal(t, created, *got.History[4].Created)
}

func TestStaticForwarded(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts map[string]string
		df   string
		want bool
	}{
		{"no syntax line", nil, "FROM golang:1.26\n", false},
		{"syntax line", nil, "# syntax=docker/dockerfile:1\nFROM golang:1.26\n", true},
		{"syntax build arg", map[string]string{"build-arg:BUILDKIT_SYNTAX": "docker/dockerfile:1"}, "FROM golang:1.26\n", true},
		{"forwarded here", map[string]string{"cmdline": "org/optfrontend"}, "# syntax=org/optfrontend\nFROM golang:1.26\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, forwarded(testClient{opts: tc.opts}, []byte(tc.df)))
		})
	}
}

func TestStaticWorkdirNote(t *testing.T) {
	keep := []string{"/usr/local/bin/server", "/etc/passwd"}
	for _, tc := range []struct{ dir, want string }{
		{"", ""},
		{"/", ""},
		{"/src", ", and an empty WORKDIR /src"},
		{"/usr/local", ", and the WORKDIR /usr/local"},
	} {
		require.Equal(t, tc.want, workdirNote(tc.dir, keep), tc.dir)
	}
}

func TestStaticOption(t *testing.T) {
	for _, tc := range []struct {
		fix  string
		want bool
	}{{"", false}, {"static", true}, {"slim,static", true}, {"slim", false}} {
		o, err := ParseOptions(map[string]string{"build-arg:" + BuildArgFix: tc.fix})
		require.NoError(t, err)
		require.Equal(t, tc.want, o.Static, tc.fix)
	}
	_, err := ParseOptions(map[string]string{"build-arg:" + BuildArgOpt: "-static"})
	require.ErrorIs(t, err, ErrUnknownPass, "static is a fix, not a pass BUILDKIT_OPT switches")
}

// TestStaticSource: the context files a fixed stage may copy are its
// build's sources, build and repository files and documents; a file the
// program may read when it runs refuses the fix.
func TestStaticSource(t *testing.T) {
	for p, want := range map[string]bool{
		"main.go": true, "cmd/server/main.go": true, "go.mod": true, "go.sum": true, "src/lib.rs": true, "Cargo.toml": true,
		"Cargo.lock": true, "asm_amd64.s": true, "README.md": true, "LICENSE": true, "docs/guide.md": true,
		"Dockerfile": true, "Dockerfile.dynamic": true, "build.Dockerfile": true, ".dockerignore": true, "Makefile": true,
		"vendor/golang.org/x/sys/unix/LICENSE": true, "vendor/modules.txt": true, "internal/x/testdata/golden.json": true,
		".github/workflows/ci.yml": true, ".cargo/config.toml": true,
		"templates/index.html": false, "config.yaml": false, "static/app.css": false, "migrations/001.sql": false,
		"notes.txt": false, ".env": false, "assets/logo.png": false,
	} {
		require.Equal(t, want, staticSource(p), p)
	}
}
