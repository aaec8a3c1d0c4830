package manifest

import (
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/org/optfrontend/llbopt/pkgcache"
)

// CargoBuild is a `cargo build` of one package in the directory it runs
// in. Unlike an install, it compiles the project itself, so it cannot run
// on the manifests alone: the technique cargo-chef made known runs it once
// on the manifests and a stub of each target (compiling every dependency),
// then on the whole source, where only the package's own crates compile.
type CargoBuild struct{}

// cargoBuildOptions are cargo build's options this package knows: those
// that choose what is compiled and how, and name no file of the project.
// The global options are among them.
var cargoBuildOptions = optionTable{
	"--release": flag, "-r": flag, "--locked": flag, "--frozen": flag, "--offline": flag,
	"--all-features": flag, "--no-default-features": flag, "--bins": flag, "--lib": flag,
	"--keep-going": flag, "--ignore-rust-version": flag,
	"-q": flag, "--quiet": flag, "-v": flag, "-vv": flag, "--verbose": flag,
	"--features": valued, "-F": valued, "--profile": valued, "--bin": valued, "--target": valued,
	"-j": valued, "--jobs": valued, "--color": valued, "--message-format": valued,
}

// cargoRefused are cargo build's options that build targets a stub does
// not stand in for, or read files the pass does not: said with the reason.
var cargoRefused = map[string]string{
	"--manifest-path": "builds a manifest elsewhere than the directory it runs in",
	"--lockfile-path": "reads a lock file elsewhere than the directory it runs in",
	"-p":              "selects packages, as a workspace does",
	"--package":       "selects packages, as a workspace does",
	"--workspace":     "builds a workspace",
	"--all":           "builds a workspace",
	"--exclude":       "selects packages, as a workspace does",
	"--all-targets":   "builds tests, examples and benchmarks too, whose sources a stub does not stand in for",
	"--tests":         "builds tests, whose sources a stub does not stand in for",
	"--test":          "builds a test, whose source a stub does not stand in for",
	"--examples":      "builds examples, whose sources a stub does not stand in for",
	"--example":       "builds an example, whose source a stub does not stand in for",
	"--benches":       "builds benchmarks, whose sources a stub does not stand in for",
	"--bench":         "builds a benchmark, whose source a stub does not stand in for",
	"--target-dir":    "writes its artifacts to a directory this pass does not follow",
	"--artifact-dir":  "copies its artifacts to a directory this pass does not follow",
	"--out-dir":       "copies its artifacts to a directory this pass does not follow",
	"--config":        "takes configuration that may name files of the project",
	"-Z":              "takes unstable options",
	"--build-plan":    "prints a plan instead of building",
	"--unit-graph":    "prints a graph instead of building",
}

// cargoRedirects are variables that make cargo read or write elsewhere
// than the package in the directory it runs in: the artifacts' directory
// the stubs' artifacts are removed from, a configuration file.
var cargoRedirects = []string{"CARGO_TARGET_DIR", "CARGO_BUILD_TARGET_DIR", "CARGO_BUILD_DEP_INFO_BASEDIR", "CARGO_HOME_CONFIG"}

// RecognizeCargoBuild tells whether c is a `cargo build` (or `cargo b`).
// ok is false for any other command. A non-nil error, always a *Refusal,
// says why the build cannot be split into a build of its dependencies on
// stubs and a build of the package.
func RecognizeCargoBuild(c pkgcache.Command) (CargoBuild, bool, error) {
	if c.Name != "cargo" {
		return CargoBuild{}, false, nil
	}
	args, known, toolchain := c.Args, c.Known, ""
	if len(args) > 0 && known[0] && strings.HasPrefix(args[0], "+") {
		toolchain, args, known = args[0], args[1:], known[1:]
	}
	sub, at, ok := subcommand(args, known, cargoBuildOptions)
	if !ok || sub != "build" && sub != "b" {
		return CargoBuild{}, false, nil
	}
	if toolchain != "" {
		return CargoBuild{}, true, refuse(c, "picks a toolchain (%s)", toolchain)
	}
	for _, v := range cargoRedirects {
		if _, set := envValue(c, v); set {
			return CargoBuild{}, true, refuse(c, "runs with %s set, which moves what cargo reads or writes", v)
		}
	}
	for i, a := range c.Args {
		opt, _, _ := strings.Cut(a, "=")
		if why, bad := cargoRefused[opt]; bad && c.Known[i] {
			return CargoBuild{}, true, refuse(c, "%s (%s)", why, opt)
		}
	}
	err := readOptions(c, c.Args, c.Known, cargoBuildOptions, func(i int, a string) error {
		if i == at {
			return nil
		}
		return refuse(c, "has an argument this pass does not know (%s)", a)
	}, nil)
	if err != nil {
		return CargoBuild{}, true, err
	}
	return CargoBuild{}, true, nil
}

// CargoTree is what the planner lists of the build context, relative to
// the directory the build runs in.
type CargoTree struct {
	// Top are the names at the top of the package.
	Top []string
	// Src are the names in src/, SrcBin those in src/bin/, and
	// SrcBinDirs[d] those in src/bin/d/ for each directory d there.
	Src, SrcBin []string
	SrcBinDirs  map[string][]string
	// Dirs tells which of the names above are directories.
	Dirs map[string]bool
}

// CargoStub is a file the build of the dependencies runs with in place of
// a target's source.
type CargoStub struct {
	Path    string
	Content string
}

// CargoPlan is how to build a package's dependencies before its source.
type CargoPlan struct {
	// Files are the files to copy before the source: the manifest, the
	// lock file and a toolchain file when there is one.
	Files []string
	// Stubs stand in for the package's targets.
	Stubs []CargoStub
	// Remove are the patterns, relative to the directory the build runs
	// in, of what the build on stubs made of the package itself: its
	// fingerprints (without which cargo compiles the package again,
	// whatever the times of its files) and artifacts.
	Remove []string
}

// stubMain is a binary target's stand-in; a library's is empty.
const stubMain = "fn main() {}\n"

// Plan reads the package's Cargo.toml and the listing of its directory,
// and says how to build its dependencies on stubs, or why not.
func (b CargoBuild) Plan(cargoToml []byte, tree CargoTree) (*CargoPlan, error) {
	bad := func(format string, args ...any) error {
		return &Refusal{File: "Cargo.toml", Reason: fmt.Sprintf(format, args...)}
	}
	has := func(name string) bool { return slices.Contains(tree.Top, name) }
	switch {
	case !has("Cargo.lock"):
		return nil, &Refusal{File: "Cargo.toml", Reason: "has no Cargo.lock beside it: the dependencies cargo picks could differ between the two builds"}
	case has("target"):
		return nil, &Refusal{File: "target", Reason: "is in the build context: cargo would reuse those artifacts over the ones built on stubs"}
	case has(".cargo"):
		return nil, &Refusal{File: ".cargo", Reason: "holds configuration that may name files of the project"}
	}
	var m map[string]any
	if err := toml.Unmarshal(cargoToml, &m); err != nil {
		return nil, bad("does not parse: %v", err)
	}
	if _, ok := m["workspace"]; ok {
		return nil, bad("declares a workspace, whose members' manifests and sources this pass does not read yet")
	}
	pkg, ok := m["package"].(map[string]any)
	if !ok {
		return nil, bad("has no [package]")
	}
	name, _ := pkg["name"].(string)
	if name == "" {
		return nil, bad("has no package name")
	}
	if _, ok := pkg["workspace"]; ok {
		return nil, bad("belongs to a workspace elsewhere (package.workspace)")
	}
	switch v := pkg["build"].(type) {
	case nil:
		if has("build.rs") {
			return nil, bad("has a build script (build.rs), which may read any file of the project")
		}
	case bool:
		if v {
			return nil, bad("has a build script (build.rs), which may read any file of the project")
		}
	default:
		return nil, bad("has a build script (%v), which may read any file of the project", v)
	}
	if why := cargoPathDeps(m); why != "" {
		return nil, bad("%s", why)
	}
	for _, k := range []string{"example", "test", "bench"} {
		if _, ok := m[k]; ok {
			return nil, bad("declares [[%s]] targets, whose sources this pass does not stub yet", k)
		}
	}

	plan := &CargoPlan{Files: []string{"Cargo.lock", "Cargo.toml"}}
	for _, f := range []string{"rust-toolchain", "rust-toolchain.toml"} {
		if has(f) {
			plan.Files = append(plan.Files, f)
		}
	}
	slices.Sort(plan.Files)

	// The targets: those cargo finds by itself, then those declared.
	libName := strings.ReplaceAll(name, "-", "_")
	stubs := map[string]string{}
	var bins []string
	if slices.Contains(tree.Src, "lib.rs") {
		stubs["src/lib.rs"] = ""
	}
	if slices.Contains(tree.Src, "main.rs") {
		stubs["src/main.rs"] = stubMain
		bins = append(bins, name)
	}
	for _, f := range tree.SrcBin {
		names, isDir := tree.SrcBinDirs[f]
		switch {
		case isDir:
			if slices.Contains(names, "main.rs") {
				stubs["src/bin/"+f+"/main.rs"] = stubMain
				bins = append(bins, f)
			}
		case strings.HasSuffix(f, ".rs"):
			stubs["src/bin/"+f] = stubMain
			bins = append(bins, strings.TrimSuffix(f, ".rs"))
		}
	}
	if lib, ok := m["lib"].(map[string]any); ok {
		if n, ok := lib["name"].(string); ok && n != "" {
			libName = n
		}
		if p, ok := lib["path"].(string); ok {
			if !cargoInPackage(p) {
				return nil, bad("takes its library from %s, outside the package", p)
			}
			if !tree.listed(path.Clean(p)) {
				return nil, bad("takes its library from %s, which this pass does not find in the context", p)
			}
			stubs[path.Clean(p)] = ""
		}
	}
	if decl, ok := m["bin"].([]any); ok {
		for _, t := range decl {
			bin, _ := t.(map[string]any)
			n, _ := bin["name"].(string)
			if n == "" {
				return nil, bad("declares a [[bin]] without a name")
			}
			if p, ok := bin["path"].(string); ok {
				if !cargoInPackage(p) {
					return nil, bad("takes binary %s from %s, outside the package", n, p)
				}
				if !tree.listed(path.Clean(p)) {
					return nil, bad("takes binary %s from %s, which this pass does not find in the context", n, p)
				}
				stubs[path.Clean(p)] = stubMain
			}
			bins = append(bins, n)
		}
	}
	if len(stubs) == 0 {
		return nil, bad("has no target this pass finds (src/main.rs, src/lib.rs, src/bin/)")
	}
	for p, c := range stubs {
		plan.Stubs = append(plan.Stubs, CargoStub{Path: p, Content: c})
	}
	slices.SortFunc(plan.Stubs, func(a, b CargoStub) int { return strings.Compare(a.Path, b.Path) })

	// What the build on stubs made of the package, under target/<profile>/
	// or target/<triple>/<profile>/.
	crates := []string{libName}
	for _, b := range bins {
		crates = append(crates, strings.ReplaceAll(b, "-", "_"))
	}
	slices.Sort(crates)
	crates = slices.Compact(crates)
	for _, level := range []string{"target/*", "target/*/*"} {
		plan.Remove = append(plan.Remove, level+"/.fingerprint/"+name+"-*")
		for _, c := range crates {
			plan.Remove = append(plan.Remove,
				level+"/deps/"+c+"-*", level+"/deps/lib"+c+"-*", level+"/deps/lib"+c+".*",
				level+"/incremental/"+c+"-*", level+"/lib"+c+".*")
		}
		for _, b := range bins {
			plan.Remove = append(plan.Remove, level+"/"+b, level+"/"+b+".d")
		}
	}
	return plan, nil
}

// listed tells whether the listing holds a file at p: at the top, in
// src/, in src/bin/ or in a directory of src/bin/.
func (t CargoTree) listed(p string) bool {
	dir, file := path.Split(p)
	switch dir = strings.TrimSuffix(dir, "/"); {
	case dir == "":
		return slices.Contains(t.Top, file)
	case dir == "src":
		return slices.Contains(t.Src, file)
	case dir == "src/bin":
		_, isDir := t.SrcBinDirs[file]
		return slices.Contains(t.SrcBin, file) && !isDir
	case strings.HasPrefix(dir, "src/bin/") && !strings.Contains(dir[len("src/bin/"):], "/"):
		return slices.Contains(t.SrcBinDirs[dir[len("src/bin/"):]], file)
	}
	return false
}

// cargoInPackage tells whether a target path lies in the package.
func cargoInPackage(p string) bool {
	p = path.Clean(p)
	return p != "." && !path.IsAbs(p) && p != ".." && !strings.HasPrefix(p, "../")
}

// cargoPathDeps says which dependency, patch or replacement comes from a
// path (the project's own source, which the build on stubs lacks), or "".
func cargoPathDeps(m map[string]any) string {
	tables := []string{"dependencies", "dev-dependencies", "build-dependencies", "dev_dependencies", "build_dependencies"}
	check := func(where string, t any) string {
		deps, _ := t.(map[string]any)
		for _, dep := range slices.Sorted(maps.Keys(deps)) {
			if spec, ok := deps[dep].(map[string]any); ok {
				if _, isPath := spec["path"]; isPath {
					return fmt.Sprintf("takes %s from a path (%s), part of the project's source", dep, where)
				}
			}
		}
		return ""
	}
	for _, t := range tables {
		if why := check(t, m[t]); why != "" {
			return why
		}
	}
	if targets, ok := m["target"].(map[string]any); ok {
		for _, cfg := range slices.Sorted(maps.Keys(targets)) {
			tt, _ := targets[cfg].(map[string]any)
			for _, t := range tables {
				if why := check("target."+cfg+"."+t, tt[t]); why != "" {
					return why
				}
			}
		}
	}
	if patch, ok := m["patch"].(map[string]any); ok {
		for _, src := range slices.Sorted(maps.Keys(patch)) {
			if why := check("patch."+src, patch[src]); why != "" {
				return why
			}
		}
	}
	if why := check("replace", m["replace"]); why != "" {
		return why
	}
	return ""
}
