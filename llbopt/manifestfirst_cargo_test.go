package llbopt

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/org/optfrontend/internal/dftest"
)

var cargoFiles = map[string]string{
	"Cargo.toml":  "[package]\nname = \"notes\"\nversion = \"0.1.0\"\nedition = \"2021\"\n\n[dependencies]\nitoa = \"1\"\n",
	"Cargo.lock":  "version = 3\n\n[[package]]\nname = \"itoa\"\nversion = \"1.0.11\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n",
	"src/main.rs": "fn main() { println!(\"{}\", itoa::Buffer::new().format(1)); }\n",
	"src/util.rs": "",
	"README.md":   "notes\n",
}

const cargoMultiStage = "FROM rust:1 AS build\nWORKDIR /app\nCOPY . .\nRUN cargo build --release --locked\n" +
	"FROM debian:bookworm-slim\nCOPY --from=build /app/target/release/notes /usr/local/bin/notes\nCMD [\"notes\"]\n"

// TestManifestFirstCargo checks the construction: the build runs first on
// the manifests and a stub per target, then what that run made of the
// package itself is removed, then the whole source is copied on top and
// the user's step runs there, its output still the one the later stage
// copies from.
func TestManifestFirstCargo(t *testing.T) {
	g, rep := manifestFirst(t, cargoMultiStage, mapFS(cargoFiles), dftest.AllCaps())
	require.Len(t, rep.Findings, 1, "%v", rep.Findings)
	f := rep.Findings[0]
	require.True(t, f.Changed, f.Message)
	require.Contains(t, f.Message, "builds the dependencies first, on Cargo.lock, Cargo.toml and stubs of the package's targets (src/main.rs)")

	exec := f.Node.Op.GetExec()
	root := rootMount(exec)
	full := f.Node.Inputs[root.Input].Node
	cp := full.Op.GetFile().Actions[0].GetCopy()
	require.NotNil(t, cp, "the step runs on the copy of the whole source")
	require.Empty(t, cp.IncludePatterns)

	rm := full.Inputs[full.Op.GetFile().Actions[0].Input].Node
	var removed []string
	actions := rm.Op.GetFile().Actions
	for i, a := range actions {
		r := a.GetRm()
		require.NotNil(t, r, "the op under the source only removes")
		require.True(t, r.AllowNotFound)
		// The package's artifacts by pattern; the stubs' own root by name.
		require.Equal(t, i < len(actions)-1, r.AllowWildcard, r.Path)
		removed = append(removed, r.Path)
	}
	require.Contains(t, removed, "/app/target/*/.fingerprint/notes-*", "without the fingerprints cargo would take the stub for fresh")
	require.Contains(t, removed, "/app/target/*/notes")
	require.Equal(t, "/app/src", removed[len(removed)-1], "the stubs' directory goes before the copy of the source makes it as stock does")

	pre := rm.Inputs[0].Node
	require.NotSame(t, f.Node, pre)
	require.Equal(t, exec.Meta.Args, pre.Op.GetExec().Meta.Args, "the same command runs on the stubs")
	stubs := pre.Inputs[rootMount(pre.Op.GetExec()).Input].Node
	var made []string
	for _, a := range stubs.Op.GetFile().Actions {
		switch {
		case a.GetMkdir() != nil:
			made = append(made, a.GetMkdir().Path+"/")
		case a.GetMkfile() != nil:
			made = append(made, a.GetMkfile().Path+"="+string(a.GetMkfile().Data))
		}
	}
	require.Equal(t, []string{"/app/src/", "/app/src/main.rs=fn main() {}\n"}, made)
	manifests := stubs.Inputs[0].Node.Op.GetFile().Actions[0].GetCopy()
	require.Equal(t, []string{"Cargo.lock", "Cargo.toml"}, manifests.IncludePatterns)

	// The final stage still copies from the step's own output.
	found := false
	for _, n := range g.Nodes() {
		for _, in := range n.Inputs {
			if in.Node == f.Node && n.Op.GetFile() != nil {
				found = true
			}
		}
	}
	require.True(t, found, "the later stage copies from the step")
}

// TestManifestFirstCargoRefuses lists the steps the pass must leave, with
// the reason at their line; the manifest package's table covers the
// manifests' own refusals.
func TestManifestFirstCargoRefuses(t *testing.T) {
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range cargoFiles {
			m[k] = v
		}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	for _, tc := range []struct {
		name  string
		df    string
		files map[string]string
		why   string
	}{
		{"the stage is the image", "FROM rust:1\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\nCMD [\"/app/target/release/notes\"]\n", cargoFiles, "its stage is the image"},
		{"a command beside the build", "FROM rust:1 AS build\nWORKDIR /app\nCOPY . .\nRUN cargo build --release && cp target/release/notes /usr/local/bin/\nFROM scratch\nCOPY --from=build /usr/local/bin/notes /notes\n", cargoFiles, "runs beside the build"},
		{"a build script", cargoMultiStage, with("build.rs", "fn main() {}\n"), "has a build script"},
		{"a workspace", cargoMultiStage, with("Cargo.toml", "[workspace]\nmembers = [\"api\"]\n"), "declares a workspace"},
		{"a path dependency", cargoMultiStage, with("Cargo.toml", cargoFiles["Cargo.toml"]+"shared = { path = \"shared\" }\n"), "takes shared from a path"},
		{"built elsewhere", "FROM rust:1 AS build\nWORKDIR /app\nCOPY . .\nRUN cd /tmp && cargo build --release\nFROM scratch\nCOPY --from=build /app/target/release/notes /notes\n", cargoFiles, "runs in /tmp"},
		{"artifacts in the context", cargoMultiStage, with("target/release/notes", "stub"), "target is in the build context"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, rep := manifestFirst(t, tc.df, mapFS(tc.files), dftest.AllCaps())
			require.Len(t, rep.Findings, 1, "%v", rep.Findings)
			f := rep.Findings[0]
			require.False(t, f.Changed, f.Message)
			require.Contains(t, f.Message, "kept the build after the copy of the whole source: ")
			require.Contains(t, f.Message, tc.why)
			in := f.Node.Inputs[rootMount(f.Node.Op.GetExec()).Input].Node
			require.Len(t, in.Op.GetFile().Actions, 1)
		})
	}
}
