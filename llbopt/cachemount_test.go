package llbopt

import (
	"context"
	"errors"
	"io/fs"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/pb"
	"github.com/stretchr/testify/require"

	"github.com/org/optfrontend/llbopt/pkgcache"
	"google.golang.org/protobuf/proto"
)

// runDef is the definition of one RUN on an image, as dockerfile2llb would
// emit it for the shell form.
func runDef(t *testing.T, script string, opts ...llb.RunOption) *pb.Definition {
	t.Helper()
	opts = append([]llb.RunOption{llb.Args([]string{"/bin/sh", "-c", script}), llb.AddEnv("PATH", "/usr/local/bin:/usr/bin:/bin")}, opts...)
	st := llb.Image("docker.io/library/python:3.12-slim").Run(opts...).Root()
	def, err := st.Marshal(context.Background(), llb.LinuxAmd64)
	require.NoError(t, err)
	return def.ToPB()
}

func applyCacheMount(t *testing.T, def *pb.Definition) (*Graph, *pb.ExecOp, *Node, Report) {
	t.Helper()
	g, err := Decode(def)
	require.NoError(t, err)
	rep, err := CacheMount{}.Apply(context.Background(), g)
	require.NoError(t, err)
	require.NoError(t, g.Validate())
	n := findExec(t, g)
	return g, n.Op.GetExec(), n, rep
}

func cacheMounts(exec *pb.ExecOp) map[string]*pb.Mount {
	out := map[string]*pb.Mount{}
	for _, m := range exec.Mounts {
		if m.MountType == pb.MountType_CACHE {
			out[m.Dest] = m
		}
	}
	return out
}

func TestCacheMountAddsMounts(t *testing.T) {
	for _, tc := range []struct {
		name   string
		script string
		opts   []llb.RunOption
		want   map[string]string // dest -> id
		locked []string
	}{
		{name: "pip", script: "pip install -r requirements.txt",
			want: map[string]string{"/root/.cache/pip": "/optfrontend/pip/root/.cache/pip"}},
		{name: "pip cache dir from env", script: "pip install flask", opts: []llb.RunOption{llb.AddEnv("PIP_CACHE_DIR", "/pipcache")},
			want: map[string]string{"/pipcache": "/optfrontend/pip/pipcache"}},
		{name: "npm in a chain", script: "cd /app && npm ci && npm run build",
			want: map[string]string{"/root/.npm": "/optfrontend/npm/root/.npm"}},
		{name: "go build", script: "go mod download && go build -o /out ./...", opts: []llb.RunOption{llb.AddEnv("GOPATH", "/go")},
			want: map[string]string{"/go/pkg/mod": "/optfrontend/go-mod/go/pkg/mod", "/root/.cache/go-build": "/optfrontend/go-build/root/.cache/go-build"}},
		{name: "apt", script: "apt-get update && apt-get install -y gcc",
			want:   map[string]string{"/var/lib/apt/lists": "/optfrontend/apt-lists/var/lib/apt/lists", "/var/cache/apt": "/optfrontend/apt-archives/var/cache/apt"},
			locked: []string{"/var/lib/apt/lists", "/var/cache/apt"}},
		{name: "bundler", script: "bundle config set --local deployment true && bundle install --jobs 4",
			want: map[string]string{"/root/.bundle/cache": "/optfrontend/bundler/root/.bundle/cache"}, locked: []string{"/root/.bundle/cache"}},
		{name: "composer", script: "composer install --no-dev --no-interaction", opts: []llb.RunOption{llb.AddEnv("COMPOSER_HOME", "/tmp")},
			want: map[string]string{"/tmp/cache": "/optfrontend/composer/tmp/cache"}, locked: []string{"/tmp/cache"}},
		{name: "dnf with refresh", script: "dnf -y --refresh install gcc && dnf clean all",
			want:   map[string]string{"/var/cache/dnf": "/optfrontend/dnf/var/cache/dnf", "/var/cache/libdnf5": "/optfrontend/libdnf5/var/cache/libdnf5"},
			locked: []string{"/var/cache/dnf", "/var/cache/libdnf5"}},
		{name: "bun", script: "bun install --frozen-lockfile",
			want: map[string]string{"/root/.bun/install/cache": "/optfrontend/bun/root/.bun/install/cache"}, locked: []string{"/root/.bun/install/cache"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, exec, n, rep := applyCacheMount(t, runDef(t, tc.script, tc.opts...))
			got := map[string]string{}
			for dest, m := range cacheMounts(exec) {
				got[dest] = m.CacheOpt.ID
				require.Equal(t, int64(pb.SkipOutput), m.Output, "a cache mount must not reach the image")
			}
			require.Equal(t, tc.want, got)
			for _, dest := range tc.locked {
				require.Equal(t, pb.CacheSharingOpt_LOCKED, cacheMounts(exec)[dest].CacheOpt.Sharing)
			}
			require.True(t, n.Metadata.Caps[string(pb.CapExecMountCache)])
			require.True(t, n.Metadata.Caps[string(pb.CapExecMountCacheSharing)])
			require.IsIncreasing(t, mountDests(exec), "mounts stay sorted by destination")
			changed := 0
			for _, f := range rep.Findings {
				if f.Changed {
					changed++
				}
			}
			require.GreaterOrEqual(t, changed, len(tc.want), "every mount is reported")
		})
	}
}

func mountDests(exec *pb.ExecOp) []string {
	var out []string
	for _, m := range exec.Mounts {
		out = append(out, m.Dest)
	}
	return out
}

func TestCacheMountLeavesAlone(t *testing.T) {
	for _, tc := range []struct {
		name   string
		script string
		opts   []llb.RunOption
	}{
		{name: "no package manager", script: "echo pip install && ls /"},
		{name: "comment", script: "# npm ci\ntrue"},
		{name: "unparsable", script: "if then fi (("},
		{name: "user cache mount", script: "pip install flask",
			opts: []llb.RunOption{llb.AddMount("/root/.cache/pip", llb.Scratch(), llb.AsPersistentCacheDir("mine", llb.CacheMountShared))}},
		{name: "user mount above", script: "pip install flask",
			opts: []llb.RunOption{llb.AddMount("/root/.cache", llb.Scratch(), llb.AsPersistentCacheDir("mine", llb.CacheMountShared))}},
		{name: "dotnet in the image", script: "dotnet publish -c Release -o /app"},
		{name: "sbt in the image", script: "sbt stage"},
		{name: "composer default dir", script: "composer install"},
		{name: "dnf without refresh", script: "dnf install -y gcc && dnf clean all"},
		{name: "bun without lockfile", script: "bun install"},
		{name: "zypper", script: "zypper -n refresh && zypper -n install gcc && zypper clean -a"},
		{name: "conda", script: "conda install -y numpy && conda clean -afy"},
		{name: "microdnf", script: "microdnf install -y gcc && microdnf clean all"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			def := runDef(t, tc.script, tc.opts...)
			g, _, _, rep := applyCacheMount(t, def)
			out, err := g.Encode()
			require.NoError(t, err)
			require.True(t, proto.Equal(def, out), "graph must be unchanged")
			for _, f := range rep.Findings {
				require.False(t, f.Changed)
			}
		})
	}
}

func TestCacheMountNamespace(t *testing.T) {
	g, err := Decode(runDef(t, "pip install flask"))
	require.NoError(t, err)
	_, err = CacheMount{Namespace: "proj"}.Apply(context.Background(), g)
	require.NoError(t, err)
	require.Equal(t, "proj/optfrontend/pip/root/.cache/pip", cacheMounts(findExec(t, g).Op.GetExec())["/root/.cache/pip"].CacheOpt.ID)
}

func TestCacheMountNonRootUserOwnsTheCache(t *testing.T) {
	g, exec, n, _ := applyCacheMount(t, runDef(t, "npm ci", llb.User("1000:1000"), llb.AddEnv("HOME", "/home/node")))
	m := cacheMounts(exec)["/home/node/.npm"]
	require.NotNil(t, m)
	require.Equal(t, "/cache", m.Selector)
	src := n.Inputs[m.Input].Node
	mkdir := src.Op.GetFile().GetActions()[0].GetMkdir()
	require.Equal(t, "/cache", mkdir.Path)
	require.EqualValues(t, 1000, mkdir.Owner.User.GetByID())
	require.EqualValues(t, 1000, mkdir.Owner.Group.GetByID())
	require.True(t, n.Metadata.Caps[string(pb.CapExecMountSelector)])
	out, err := g.Encode()
	require.NoError(t, err)
	_, err = Decode(out)
	require.NoError(t, err)
}

func TestCacheMountNeutralizesDefeats(t *testing.T) {
	_, exec, _, rep := applyCacheMount(t, runDef(t, "pip install --no-cache-dir -r requirements.txt"))
	require.NotContains(t, exec.Meta.Args[2], "--no-cache-dir")
	require.Contains(t, exec.Meta.Args[2], "pip install")
	require.NotNil(t, cacheMounts(exec)["/root/.cache/pip"])
	var msgs []string
	for _, f := range rep.Findings {
		msgs = append(msgs, f.Message)
	}
	require.Contains(t, msgs[len(msgs)-1], "--no-cache-dir")

	// apt: the base image's docker-clean would delete the downloaded
	// packages; a file mounted over it for this RUN keeps them in the cache.
	_, exec, _, _ = applyCacheMount(t, runDef(t, "apt-get update && apt-get install -y gcc && rm -rf /var/lib/apt/lists/*"))
	var clean *pb.Mount
	for _, m := range exec.Mounts {
		if m.Dest == "/etc/apt/apt.conf.d/docker-clean" {
			clean = m
		}
	}
	require.NotNil(t, clean)
	require.True(t, clean.Readonly)
	require.Equal(t, int64(pb.SkipOutput), clean.Output)
}

func TestCacheMountIsDeterministic(t *testing.T) {
	def := runDef(t, "apt-get update && apt-get install -y gcc && pip install --no-cache-dir flask", llb.User("1000"))
	requireStable(t, func() *Graph {
		g, _, _, _ := applyCacheMount(t, proto.Clone(def).(*pb.Definition))
		return g
	})
}

// A RUN that only updates the apt lists leaves them in the image for the
// next RUN's install: mounting the lists there would break that install.
func TestCacheMountKeepsAptListsThatLaterStepsRead(t *testing.T) {
	base := llb.Image("docker.io/library/debian:bookworm-slim")
	sh := func(s string) llb.RunOption { return llb.Args([]string{"/bin/sh", "-c", s}) }
	update := base.Run(sh("apt-get update")).Root()
	install := update.Run(sh("apt-get install -y gcc")).Root()
	def, err := install.Marshal(context.Background(), llb.LinuxAmd64)
	require.NoError(t, err)
	g, err := Decode(def.ToPB())
	require.NoError(t, err)
	rep, err := CacheMount{}.Apply(context.Background(), g)
	require.NoError(t, err)
	for _, n := range g.Nodes() {
		exec := n.Op.GetExec()
		if exec == nil {
			continue
		}
		require.Nil(t, cacheMounts(exec)["/var/lib/apt/lists"], "lists must stay in the image for the later install")
	}
	var refused bool
	for _, f := range rep.Findings {
		refused = refused || (!f.Changed && f.Message != "" && f.Node != nil)
	}
	require.True(t, refused, "the refusal is reported")
}

// FuzzCacheMount runs the pass over arbitrary RUN scripts: it never fails
// or panics, always leaves a valid graph, and leaves a script it cannot
// parse exactly as it was.
func FuzzCacheMount(f *testing.F) {
	for _, s := range []string{
		"pip install -r requirements.txt", "apt-get update && apt-get install -y gcc", "npm ci --offline",
		"cd /src && go build ./...", "if then fi ((", "echo 'unterminated", "sh -c 'pip install x'",
		"PIP_NO_CACHE_DIR=1 pip install --no-cache-dir x && rm -rf /root/.cache/pip",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, script string) {
		if !utf8.ValidString(script) {
			t.Skip("LLB carries UTF-8 strings; a Dockerfile is text")
		}
		def := runDef(t, script)
		g, err := Decode(def)
		require.NoError(t, err)
		exec := findExec(t, g).Op.GetExec()
		unparsed := pkgcache.Analyze(execOf(exec), nil).Unparsed != nil
		_, err = CacheMount{}.Apply(context.Background(), g)
		require.NoError(t, err)
		require.NoError(t, g.Validate())
		out, err := g.Encode()
		require.NoError(t, err)
		if unparsed {
			require.True(t, proto.Equal(def, out), "an unparsable script must be left alone")
		}
	})
}

// TestCacheMountNamedUser: a named user's cache is under the home the
// filesystem the exec runs on gives it, and the mount is the user's.
func TestCacheMountNamedUser(t *testing.T) {
	def := runDef(t, "npm ci", llb.User("node"))
	g, err := Decode(def)
	require.NoError(t, err)
	var asked *pb.Definition
	users := func(_ context.Context, rootfs *pb.Definition) (pkgcache.Lookup, error) {
		asked = rootfs
		return func(name string) (int, int, string, bool) {
			if name == "node" {
				return 1000, 1001, "/home/node", true
			}
			return 0, 0, "", false
		}, nil
	}
	rep, err := CacheMount{Users: users}.Apply(context.Background(), g)
	require.NoError(t, err)
	n := findExec(t, g)
	exec := n.Op.GetExec()
	m := cacheMounts(exec)["/home/node/.npm"]
	require.NotNil(t, m, "findings: %v", rep.Findings)
	mkdir := n.Inputs[m.Input].Node.Op.GetFile().GetActions()[0].GetMkdir()
	require.EqualValues(t, 1000, mkdir.Owner.User.GetByID())
	require.EqualValues(t, 1001, mkdir.Owner.Group.GetByID())

	// The users were read from the image the exec runs on.
	require.NotNil(t, asked)
	sub, err := Decode(asked)
	require.NoError(t, err)
	require.Len(t, sub.Nodes(), 2)
	require.Equal(t, "docker-image://docker.io/library/python:3.12-slim", sub.Nodes()[0].Op.GetSource().GetIdentifier())

	// Without the users, or when they cannot be read, the step is left alone
	// and the report says why.
	for name, users := range map[string]UserDB{
		"no user database": nil,
		"unreadable": func(context.Context, *pb.Definition) (pkgcache.Lookup, error) {
			return nil, errors.New("no /etc/passwd")
		},
	} {
		t.Run(name, func(t *testing.T) {
			g, err := Decode(def)
			require.NoError(t, err)
			rep, err := CacheMount{Users: users}.Apply(context.Background(), g)
			require.NoError(t, err)
			require.Empty(t, cacheMounts(findExec(t, g).Op.GetExec()))
			require.NotEmpty(t, rep.Findings)
		})
	}
}

// TestCacheMountLinksOnTheWay: a symbolic link or a file on the way to the
// cache directory in the filesystem the step runs on (a symlinked /root,
// adversarial case adv-cs-go-cache-symlink-home) refuses the mount, which
// the runtime would place where the link leads; a directory that does not
// exist yet, or a plain one, does not. An unreadable filesystem refuses.
func TestCacheMountLinksOnTheWay(t *testing.T) {
	dir := func(name string) DirEntry { return DirEntry{Name: name, Mode: fs.ModeDir | 0o755} }
	for _, tc := range []struct {
		name    string
		tree    map[string][]DirEntry
		err     error
		refusal string
	}{
		{name: "a plain home", tree: map[string][]DirEntry{"/": {dir("root"), dir("usr")}, "/root": {dir(".cache")}, "/root/.cache": {}}},
		{name: "nothing there yet", tree: map[string][]DirEntry{"/": {dir("usr")}}},
		{name: "a symlinked /root", tree: map[string][]DirEntry{"/": {{Name: "root", Mode: fs.ModeSymlink | 0o777, Linkname: "var/roothome"}}},
			refusal: "/root is a symbolic link (to var/roothome) in the filesystem the step runs on: the mount would be placed where it leads, not at /root/.cache/pip"},
		{name: "a symlinked .cache", tree: map[string][]DirEntry{"/": {dir("root")}, "/root": {{Name: ".cache", Mode: fs.ModeSymlink | 0o777, Linkname: "/tmp/cache"}}},
			refusal: "/root/.cache is a symbolic link (to /tmp/cache)"},
		{name: "a file on the way", tree: map[string][]DirEntry{"/": {dir("root")}, "/root": {{Name: ".cache", Mode: 0o644}}},
			refusal: "/root/.cache is not a directory"},
		{name: "unreadable", err: errors.New("solve failed"), refusal: "could not be listed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := Decode(runDef(t, "pip install flask"))
			require.NoError(t, err)
			entries := func(_ context.Context, _ *pb.Definition, d string) ([]DirEntry, error) {
				return tc.tree[d], tc.err
			}
			rep, err := CacheMount{Entries: entries}.Apply(context.Background(), g)
			require.NoError(t, err)
			mounts := cacheMounts(findExec(t, g).Op.GetExec())
			if tc.refusal == "" {
				require.NotNil(t, mounts["/root/.cache/pip"], "findings: %v", rep.Findings)
				return
			}
			require.Nil(t, mounts["/root/.cache/pip"])
			var msgs []string
			for _, f := range rep.Findings {
				msgs = append(msgs, f.Message)
			}
			require.Contains(t, strings.Join(msgs, "\n"), tc.refusal)
		})
	}
}

// TestCacheMountLinkKeepsPartners: a link on the way to go's build cache
// keeps the build cache in the image, and with it the module cache (see
// partners): what go writes into the one the image keeps depends on the
// other's content, which a shared mount changes.
func TestCacheMountLinkKeepsPartners(t *testing.T) {
	g, err := Decode(runDef(t, "go build -o /app .", llb.AddEnv("GOPATH", "/go")))
	require.NoError(t, err)
	entries := func(_ context.Context, _ *pb.Definition, d string) ([]DirEntry, error) {
		if d == "/" {
			return []DirEntry{{Name: "root", Mode: fs.ModeSymlink | 0o777, Linkname: "var/roothome"}, {Name: "go", Mode: fs.ModeDir | 0o755}}, nil
		}
		return nil, nil
	}
	rep, err := CacheMount{Entries: entries}.Apply(context.Background(), g)
	require.NoError(t, err)
	require.Empty(t, cacheMounts(findExec(t, g).Op.GetExec()))
	var msgs []string
	for _, f := range rep.Findings {
		msgs = append(msgs, f.Message)
	}
	all := strings.Join(msgs, "\n")
	require.Contains(t, all, "no cache mount for go-build at /root/.cache/go-build: /root is a symbolic link")
	require.Contains(t, all, "no cache mount for go-mod at /go/pkg/mod: the step keeps go-build at /root/.cache/go-build in the image (/root is a symbolic link")
}

// TestCacheMountLinkBetweenMountedSteps: a link that appears on the way
// between two steps that would share a mount cannot be refused for the
// second alone (the first already has the mount, whose files the second
// then would not see): the pass fails, so that the build falls back to
// stock's graph.
func TestCacheMountLinkBetweenMountedSteps(t *testing.T) {
	st := llb.Image("docker.io/library/python:3.12-slim")
	for _, script := range []string{"pip install six", "echo hi > /etc/motd", "pip install idna"} {
		st = st.Run(llb.Args([]string{"/bin/sh", "-c", script}), llb.AddEnv("PATH", "/usr/local/bin:/usr/bin:/bin")).Root()
	}
	def, err := st.Marshal(context.Background(), llb.LinuxAmd64)
	require.NoError(t, err)
	g, err := Decode(def.ToPB())
	require.NoError(t, err)
	entries := func(_ context.Context, d *pb.Definition, dir string) ([]DirEntry, error) {
		if dir == "/" {
			return []DirEntry{{Name: "root", Mode: fs.ModeDir | 0o700}}, nil
		}
		if dir == "/root" && len(d.Def) > 3 { // as if the middle step had made a link
			return []DirEntry{{Name: ".cache", Mode: fs.ModeSymlink | 0o777, Linkname: "/tmp/c"}}, nil
		}
		return nil, nil
	}
	_, err = CacheMount{Entries: entries}.Apply(context.Background(), g)
	require.ErrorContains(t, err, "a cache mount at /root/.cache/pip was given to an earlier step, and /root/.cache is a symbolic link")
}
