package manifest

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/org/optfrontend/llbopt/pkgcache"
)

// cargoCmd parses one shell command as the pass sees it.
func cargoCmd(t *testing.T, script string, env ...string) pkgcache.Command {
	t.Helper()
	cmds, err := pkgcache.Commands(pkgcache.Exec{Args: []string{"/bin/sh", "-c", script}, Cwd: "/app", Env: env})
	require.NoError(t, err)
	require.NotEmpty(t, cmds)
	return cmds[len(cmds)-1] // after the shell that runs the script
}

func TestRecognizeCargoBuild(t *testing.T) {
	for _, tc := range []struct {
		script string
		env    []string
		ok     bool
		why    string // "" when accepted
	}{
		{script: "cargo build --release", ok: true},
		{script: "cargo build --release --locked --bin server --features tls,json -j 2", ok: true},
		{script: "cargo b -r --target x86_64-unknown-linux-musl", ok: true},
		{script: "cargo build --profile=dist --no-default-features -F extra", ok: true},
		{script: "cargo test", ok: false},
		{script: "cargo fetch", ok: false},
		{script: "cargo install --path .", ok: false},
		{script: "cargo build --all-targets", ok: true, why: "builds tests, examples and benchmarks too"},
		{script: "cargo build --release --example demo", ok: true, why: "builds an example"},
		{script: "cargo build -p api", ok: true, why: "selects packages"},
		{script: "cargo build --workspace", ok: true, why: "builds a workspace"},
		{script: "cargo build --manifest-path api/Cargo.toml", ok: true, why: "builds a manifest elsewhere"},
		{script: "cargo build --target-dir /out", ok: true, why: "writes its artifacts to a directory"},
		{script: "cargo build --config net.offline=true", ok: true, why: "takes configuration"},
		{script: "cargo +nightly build", ok: true, why: "picks a toolchain (+nightly)"},
		{script: "cargo build --release $EXTRA", ok: true, why: "known only when the build runs"},
		{script: "cargo build --frobnicate", ok: true, why: "has an option this pass does not know (--frobnicate)"},
		{script: "cargo build extra", ok: true, why: "has an argument this pass does not know (extra)"},
		{script: "cargo build --release", env: []string{"CARGO_TARGET_DIR=/target"}, ok: true, why: "CARGO_TARGET_DIR set"},
	} {
		t.Run(tc.script, func(t *testing.T) {
			_, ok, err := RecognizeCargoBuild(cargoCmd(t, tc.script, tc.env...))
			require.Equal(t, tc.ok, ok)
			if tc.why == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.why)
		})
	}
}

const cargoApp = "[package]\nname = \"notes-api\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nserde = { version = \"1\", features = [\"derive\"] }\ntiny_http = \"0.12\"\n"

func TestCargoPlan(t *testing.T) {
	tree := func(top []string, src ...string) CargoTree {
		return CargoTree{Top: top, Src: src, SrcBinDirs: map[string][]string{}}
	}
	std := []string{"Cargo.toml", "Cargo.lock", "src", "README.md"}
	b := CargoBuild{}

	t.Run("binary", func(t *testing.T) {
		plan, err := b.Plan([]byte(cargoApp), tree(std, "main.rs", "routes.rs"))
		require.NoError(t, err)
		require.Equal(t, []string{"Cargo.lock", "Cargo.toml"}, plan.Files)
		require.Equal(t, []CargoStub{{Path: "src/main.rs", Content: stubMain}}, plan.Stubs)
		require.Contains(t, plan.Remove, "target/*/.fingerprint/notes-api-*")
		require.Contains(t, plan.Remove, "target/*/*/.fingerprint/notes-api-*", "a --target build nests the profile")
		require.Contains(t, plan.Remove, "target/*/deps/notes_api-*")
		require.Contains(t, plan.Remove, "target/*/notes-api")
	})
	t.Run("library, binaries and a toolchain file", func(t *testing.T) {
		tr := tree(append(std, "rust-toolchain.toml"), "lib.rs", "main.rs", "bin")
		tr.SrcBin = []string{"migrate.rs", "worker"}
		tr.SrcBinDirs["worker"] = []string{"main.rs", "jobs.rs"}
		plan, err := b.Plan([]byte(cargoApp+"\n[lib]\nname = \"notes\"\n"), tr)
		require.NoError(t, err)
		require.Equal(t, []string{"Cargo.lock", "Cargo.toml", "rust-toolchain.toml"}, plan.Files)
		require.Equal(t, []CargoStub{
			{Path: "src/bin/migrate.rs", Content: stubMain},
			{Path: "src/bin/worker/main.rs", Content: stubMain},
			{Path: "src/lib.rs", Content: ""},
			{Path: "src/main.rs", Content: stubMain},
		}, plan.Stubs)
		require.Contains(t, plan.Remove, "target/*/deps/libnotes-*")
		require.Contains(t, plan.Remove, "target/*/worker")
		require.Contains(t, plan.Remove, "target/*/deps/migrate-*")
	})
	t.Run("declared binary path", func(t *testing.T) {
		plan, err := b.Plan([]byte(cargoApp+"\n[[bin]]\nname = \"api\"\npath = \"src/server.rs\"\n"), tree(std, "server.rs"))
		require.NoError(t, err)
		require.Equal(t, []CargoStub{{Path: "src/server.rs", Content: stubMain}}, plan.Stubs)
		require.Contains(t, plan.Remove, "target/*/api")
	})

	for _, tc := range []struct {
		name string
		toml string
		top  []string
		src  []string
		why  string
	}{
		{"no lock file", cargoApp, []string{"Cargo.toml", "src"}, []string{"main.rs"}, "no Cargo.lock"},
		{"artifacts in the context", cargoApp, append(std, "target"), []string{"main.rs"}, "target is in the build context"},
		{"cargo configuration", cargoApp, append(std, ".cargo"), []string{"main.rs"}, ".cargo holds configuration"},
		{"workspace", cargoApp + "\n[workspace]\nmembers = [\"crates/*\"]\n", std, []string{"main.rs"}, "declares a workspace"},
		{"virtual manifest", "[workspace]\nmembers = [\"api\"]\n", std, nil, "declares a workspace"},
		{"member of a workspace", "[package]\nname = \"api\"\nversion = \"0.1.0\"\nworkspace = \"..\"\n", std, []string{"main.rs"}, "belongs to a workspace"},
		{"build script found", cargoApp, append(std, "build.rs"), []string{"main.rs"}, "has a build script (build.rs)"},
		{"build script named", "[package]\nname = \"x\"\nversion = \"0.1.0\"\nbuild = \"tools/gen.rs\"\n", std, []string{"main.rs"}, "has a build script (tools/gen.rs)"},
		{"path dependency", cargoApp + "shared = { path = \"../shared\" }\n", std, []string{"main.rs"}, "takes shared from a path (dependencies)"},
		{"path dev-dependency", cargoApp + "\n[dev-dependencies]\nfixtures = { path = \"fixtures\" }\n", std, []string{"main.rs"}, "takes fixtures from a path (dev-dependencies)"},
		{"path dependency of a target", cargoApp + "\n[target.'cfg(unix)'.dependencies]\nsys = { path = \"sys\" }\n", std, []string{"main.rs"}, "(target.cfg(unix).dependencies)"},
		{"path patch", cargoApp + "\n[patch.crates-io]\nserde = { path = \"vendor/serde\" }\n", std, []string{"main.rs"}, "takes serde from a path (patch.crates-io)"},
		{"examples declared", cargoApp + "\n[[example]]\nname = \"demo\"\n", std, []string{"main.rs"}, "declares [[example]] targets"},
		{"library outside", cargoApp + "\n[lib]\npath = \"../lib.rs\"\n", std, []string{"main.rs"}, "outside the package"},
		{"library not in the context", cargoApp + "\n[lib]\npath = \"lib/mod.rs\"\n", std, []string{"main.rs"}, "does not find in the context"},
		{"no target", cargoApp, std, []string{"routes.rs"}, "has no target this pass finds"},
		{"not TOML", "[package\n", std, []string{"main.rs"}, "does not parse"},
		{"no package name", "[package]\nversion = \"0.1.0\"\n", std, []string{"main.rs"}, "has no package name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := b.Plan([]byte(tc.toml), tree(tc.top, tc.src...))
			require.ErrorContains(t, err, tc.why)
		})
	}
}

// FuzzCargoPlan feeds the planner any manifest: it refuses or plans,
// never panics, and a plan always stubs something and removes the
// package's fingerprints.
func FuzzCargoPlan(f *testing.F) {
	f.Add(cargoApp)
	f.Add("[workspace]\n")
	f.Add("[package]\nname = \"a\"\n[[bin]]\nname = 1\n")
	f.Add("[package]\nname = \"a\"\n[lib]\npath = 3\n[dependencies]\nx = 1\n")
	f.Fuzz(func(t *testing.T, toml string) {
		tr := CargoTree{Top: []string{"Cargo.toml", "Cargo.lock", "src"}, Src: []string{"main.rs", "lib.rs"}, SrcBinDirs: map[string][]string{}}
		plan, err := CargoBuild{}.Plan([]byte(toml), tr)
		if err != nil {
			return
		}
		require.NotEmpty(t, plan.Stubs)
		require.NotEmpty(t, plan.Remove)
	})
}
