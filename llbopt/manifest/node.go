package manifest

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/org/optfrontend/llbopt/pkgcache"
)

// pnpmOptions are pnpm install's options this package knows: none reads
// the project, and the paths must lie outside it.
var pnpmOptions = optionTable{
	"--frozen-lockfile": flag, "--prefer-frozen-lockfile": flag, "--no-frozen-lockfile": flag,
	"--prefer-offline": flag, "--offline": flag, "--prod": flag, "-P": flag, "--production": flag,
	"--dev": flag, "-D": flag, "--no-optional": flag, "--ignore-scripts": flag, "--silent": flag, "-s": flag,
	"--color": flag, "--no-color": flag, "--aggregate-output": flag, "--strict-peer-dependencies": flag,
	"--force": flag, "--shamefully-hoist": flag, "--stream": flag, "--use-stderr": flag,
	"--reporter": valued, "--loglevel": valued, "--network-concurrency": valued, "--child-concurrency": valued,
	"--registry": valued, "--node-linker": valued, "--package-import-method": valued,
	"--store-dir": pathValued, "--cache-dir": pathValued,
}

func pnpmInstall(c pkgcache.Command, args []string, known []bool) (Install, bool, error) {
	sub, at, ok := subcommand(args, known, pnpmOptions)
	switch {
	case !ok:
		return Install{}, false, nil
	case sub == "fetch":
		return Install{}, true, refuse(c, "is an install this pass does not read the manifests of yet")
	case sub != "install" && sub != "i":
		return Install{}, false, nil
	}
	inst := Install{
		Tool:      "pnpm",
		Manifests: []string{"package.json"},
		IfPresent: []string{"pnpm-lock.yaml", ".npmrc"},
		// pnpm updates an installed node_modules, takes packages of a
		// workspace, runs the hooks of a pnpmfile, reads package.yaml or
		// package.json5 as the manifest, and compiles a binding.gyp.
		MustBeAbsent: []string{"node_modules", "pnpm-workspace.yaml", ".pnpmfile.cjs", ".pnpmfile.mjs", "package.yaml", "package.json5", "binding.gyp"},
		dir:          c.Cwd,
	}
	err := readOptions(c, args, known, pnpmOptions, func(i int, a string) error {
		if i == at {
			return nil
		}
		return refuse(c, "installs %s by name, which also rewrites package.json", a)
	}, func(opt, _ string) error {
		if opt == "--ignore-scripts" {
			inst.IgnoreScripts = true
		}
		return nil
	})
	if err != nil {
		return Install{}, true, err
	}
	return inst, true, nil
}

// yarnOptions are Yarn 1's install options this package knows.
var yarnOptions = optionTable{
	"--frozen-lockfile": flag, "--pure-lockfile": flag, "--production": boolFlag, "--prod": boolFlag,
	"--ignore-scripts": flag, "--non-interactive": flag, "--prefer-offline": flag, "--offline": flag,
	"--no-progress": flag, "--silent": flag, "-s": flag, "--ignore-optional": flag, "--ignore-engines": flag,
	"--ignore-platform": flag, "--verbose": flag, "--json": flag,
	"--network-timeout": valued, "--network-concurrency": valued, "--registry": valued,
	"--cache-folder": pathValued, "--preferred-cache-folder": pathValued,
}

func yarnInstall(c pkgcache.Command, args []string, known []bool) (Install, bool, error) {
	sub, at, ok := subcommand(args, known, yarnOptions)
	if !ok || sub != "" && sub != "install" {
		return Install{}, false, nil
	}
	if sub == "" && slices.ContainsFunc(args, func(a string) bool { return a == "--version" || a == "-v" || a == "--help" || a == "-h" }) {
		return Install{}, false, nil
	}
	inst := Install{
		Tool:      "yarn",
		Manifests: []string{"package.json"},
		// Yarn 1 follows the yarnPath of a .yarnrc.yml to another release:
		// Inspect refuses it with its reason.
		IfPresent: []string{"yarn.lock", ".yarnrc", ".npmrc", ".yarnclean", ".yarnrc.yml"},
		// yarn updates an installed node_modules; .pnp.cjs and .yarn/ are
		// Yarn 2+'s, which runs the project's releases and plugins.
		MustBeAbsent: []string{"node_modules", ".pnp.cjs", ".pnp.js", ".yarn", "binding.gyp"},
		dir:          c.Cwd,
	}
	err := readOptions(c, args, known, yarnOptions, func(i int, a string) error {
		if i == at {
			return nil
		}
		return refuse(c, "installs %s by name, which also rewrites package.json", a)
	}, func(opt, _ string) error {
		if opt == "--ignore-scripts" {
			inst.IgnoreScripts = true
		}
		return nil
	})
	if err != nil {
		return Install{}, true, err
	}
	return inst, true, nil
}

func (inst Install) pnpmFile(name, base string, data []byte) error {
	switch base {
	case "package.json":
		return inst.nodePackage(name, data)
	case "pnpm-lock.yaml":
		return pnpmLock(name, data, inst.IgnoreScripts)
	case ".npmrc":
		return inst.pnpmrc(name, data)
	}
	return nil
}

func (inst Install) yarnFile(name, base string, data []byte) error {
	switch base {
	case "package.json":
		return inst.nodePackage(name, data)
	case "yarn.lock":
		return yarnLock(name, data, inst.IgnoreScripts)
	case ".yarnrc":
		return inst.yarnrc(name, data)
	case ".npmrc":
		return npmrc(name, data)
	case ".yarnrc.yml":
		return refuseFile(name, "is Yarn 2+'s configuration: Yarn 2+ reads .yarn/ releases, plugins and patches of the project, and this pass reads only Yarn 1's manifests")
	}
	return nil
}

// pnpmSettings are the keys of package.json's pnpm field that name no file
// and run no code; overrides and packageExtensions are read for paths.
var pnpmSettings = []string{
	"overrides", "packageExtensions", "peerDependencyRules", "neverBuiltDependencies", "onlyBuiltDependencies",
	"ignoredBuiltDependencies", "allowedDeprecatedVersions", "allowNonAppliedPatches", "allowUnusedPatches",
	"updateConfig", "auditConfig", "requiredScripts", "supportedArchitectures", "ignoredOptionalDependencies",
	"executionEnv",
}

// nodePackage reads package.json for pnpm and Yarn 1: npm's checks, then
// what these two read besides: resolutions, Yarn's packageManager and
// installConfig, pnpm's field and its root script.
func (inst Install) nodePackage(name string, data []byte) error {
	if err := inst.packageJSON(name, data); err != nil {
		return err
	}
	var pkg struct {
		Scripts        map[string]string          `json:"scripts"`
		PackageManager any                        `json:"packageManager"`
		Resolutions    any                        `json:"resolutions"`
		InstallConfig  json.RawMessage            `json:"installConfig"`
		Pnpm           map[string]json.RawMessage `json:"pnpm"`
	}
	if err := json.Unmarshal(data, &pkg); err != nil {
		return refuseFile(name, "cannot be read as JSON (%v)", err)
	}
	if k, v, ok := localString(pkg.Resolutions); ok {
		return refuseFile(name, "resolves %s to %s, a path in the project", k, v)
	}
	if inst.Tool == "yarn" {
		if pm, _ := pkg.PackageManager.(string); yarnBerry(pm) {
			return refuseFile(name, "pins %s: Yarn 2+ reads .yarn/ releases, plugins and patches of the project, and this pass reads only Yarn 1's manifests", pm)
		}
		if len(pkg.InstallConfig) > 0 && string(pkg.InstallConfig) != "null" {
			return refuseFile(name, "sets installConfig, which this pass does not read")
		}
		return nil
	}
	if _, ok := pkg.Scripts["pnpm:devPreinstall"]; ok && !inst.IgnoreScripts {
		return refuseFile(name, "has a %q script, which pnpm runs in the project and which may read any file", "pnpm:devPreinstall")
	}
	for _, k := range slices.Sorted(maps.Keys(pkg.Pnpm)) {
		switch {
		case k == "patchedDependencies":
			return refuseFile(name, "patches dependencies with files of the project (pnpm.patchedDependencies)")
		case k == "configDependencies":
			return refuseFile(name, "installs config dependencies (pnpm.configDependencies), whose hooks may read any file of the project")
		case !slices.Contains(pnpmSettings, k):
			return refuseFile(name, "sets pnpm.%s, which this pass does not read", k)
		}
		var v any
		if err := json.Unmarshal(pkg.Pnpm[k], &v); err != nil {
			return refuseFile(name, "cannot be read as JSON (%v)", err)
		}
		if dep, spec, ok := localString(v); ok {
			return refuseFile(name, "takes %s from %s, a path in the project (pnpm.%s)", dep, spec, k)
		}
	}
	return nil
}

// yarnBerry tells whether a packageManager field names Yarn 2 or later.
func yarnBerry(pm string) bool {
	v, ok := strings.CutPrefix(pm, "yarn@")
	if !ok {
		return false
	}
	major, _, _ := strings.Cut(v, ".")
	n, err := strconv.Atoi(major)
	return err != nil || n >= 2
}

// localString finds, in a JSON value of dependency names and specs
// (nested as overrides and packageExtensions nest them), a spec that names
// something of the project, with the key it is under.
func localString(v any) (key, spec string, ok bool) {
	var walk func(k string, v any) bool
	walk = func(k string, v any) bool {
		switch v := v.(type) {
		case string:
			if localSpec(v) {
				key, spec = k, v
				return true
			}
		case map[string]any:
			for _, kk := range slices.Sorted(maps.Keys(v)) {
				if walk(kk, v[kk]) {
					return true
				}
			}
		case []any:
			for _, e := range v {
				if walk(k, e) {
					return true
				}
			}
		}
		return false
	}
	ok = walk("", v)
	return key, spec, ok
}

// lockPaths are the protocols by which a pnpm or Yarn 1 lock file takes a
// package from a path.
var lockPaths = []string{"file:", "link:", "portal:", "directory:"}

// pathProtocol tells whether a line of a lock file has one of lockPaths
// where a word starts (a key that ends in "file:", as
// excludeLinksFromLockfile, is none).
func pathProtocol(line string) bool {
	for _, p := range lockPaths {
		for i := 0; ; {
			j := strings.Index(line[i:], p)
			if j < 0 {
				break
			}
			if at := i + j; at == 0 || strings.ContainsRune(" \t'\"{[,@(:=", rune(line[at-1])) {
				return true
			}
			i += j + 1
		}
	}
	return false
}

// pnpmLock scans pnpm-lock.yaml: a package taken from a path, an importer
// other than the project itself (a workspace package), or patched
// dependencies make the install read more of the project.
func pnpmLock(name string, data []byte, ignoreScripts bool) error {
	importers := false
	version, builds := "", ""
	for n, line := range strings.Split(string(data), "\n") {
		line = strings.TrimRight(line, " \t\r")
		if pathProtocol(line) {
			return refuseFile(name, "takes a package from a path in the project (line %d: %s)", n+1, strings.TrimSpace(line))
		}
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if v, ok := strings.CutPrefix(line, "lockfileVersion:"); ok {
			version = strings.Trim(strings.TrimSpace(v), `'"`)
		}
		if strings.TrimSpace(line) == "requiresBuild: true" && builds == "" {
			builds = fmt.Sprintf("line %d", n+1)
		}
		if line[0] != ' ' {
			importers = line == "importers:"
			if strings.HasPrefix(line, "patchedDependencies:") {
				return refuseFile(name, "patches dependencies with files of the project (line %d)", n+1)
			}
			continue
		}
		if importers && strings.HasPrefix(line, "  ") && len(line) > 2 && line[2] != ' ' {
			if key := strings.TrimSpace(line); key != ".:" && key != "'.':" && key != `".":` {
				return refuseFile(name, "installs the workspace package %s: packages of the project are part of the install", strings.TrimSuffix(key, ":"))
			}
		}
	}
	if ignoreScripts {
		return nil
	}
	// A dependency's install script runs in the project (simple-git-hooks
	// writes into its .git, Prisma's reads prisma/schema.prisma), which
	// the install on the manifests alone does not have. Lock files up to
	// version 6 mark such packages; version 9 no longer does.
	if builds != "" {
		return refuseFile(name, "has a dependency run an install script (requiresBuild, %s), which may read any file of the project", builds)
	}
	if major, _, _ := strings.Cut(version, "."); major == "" || major >= "7" || len(major) > 1 {
		return refuseFile(name, "does not say which dependencies run install scripts (lockfileVersion %s), which may read any file of the project; --ignore-scripts runs none", version)
	}
	return nil
}

// yarnLock scans yarn.lock: Yarn 2+'s format, a package taken from a path,
// or an entry for a path spec make the install read more of the project,
// and so does, unless the install ignores scripts, any dependency's
// install script, which Yarn 1's lock does not mark.
func yarnLock(name string, data []byte, ignoreScripts bool) error {
	for n, line := range strings.Split(string(data), "\n") {
		line = strings.TrimRight(line, " \t\r")
		if strings.HasPrefix(line, "__metadata:") {
			return refuseFile(name, "is a Yarn 2+ lock file, and this pass reads only Yarn 1's manifests")
		}
		if pathProtocol(line) {
			return refuseFile(name, "takes a package from a path in the project (line %d: %s)", n+1, strings.TrimSpace(line))
		}
		if line == "" || line[0] == ' ' || line[0] == '#' || !strings.HasSuffix(line, ":") {
			continue
		}
		for _, entry := range strings.Split(strings.TrimSuffix(line, ":"), ",") {
			entry = strings.Trim(strings.TrimSpace(entry), `"`)
			if at := strings.LastIndex(entry, "@"); at > 0 && localSpec(entry[at+1:]) {
				return refuseFile(name, "takes %s from a path in the project (line %d)", entry, n+1)
			}
		}
	}
	if !ignoreScripts {
		return refuseFile(name, "does not say which dependencies run install scripts (Yarn 1's lock never does), which may read any file of the project; --ignore-scripts runs none")
	}
	return nil
}

// yarnrcPaths are .yarnrc keys whose value is a directory or file Yarn 1
// reads or writes, which must lie outside the project.
var yarnrcPaths = []string{"cache-folder", "preferred-cache-folder", "yarn-offline-mirror", "global-folder", "link-folder", "prefix", "cafile"}

// yarnrc reads a .yarnrc: a yarn-path runs another yarn, modules-folder
// and cwd move the install, a path setting may point into the project, and
// a --option line is one more option of the command.
func (inst Install) yarnrc(name string, data []byte) error {
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, val := line, ""
		if i := strings.IndexAny(line, " \t"); i >= 0 {
			key, val = line[:i], line[i+1:]
		}
		key, val = unquote(key), unquote(strings.TrimSpace(val))
		if arg, ok := strings.CutPrefix(key, "--"); ok {
			if cmd, rest, scoped := strings.Cut(arg, "."); scoped {
				if cmd != "install" && cmd != "*" {
					continue // an option of another command
				}
				arg = rest
			}
			kind, known := yarnOptions["--"+arg]
			switch {
			case !known:
				return refuseFile(name, "passes --%s to yarn, an option this pass does not know", arg)
			case kind == pathValued && inst.inProject(val):
				return refuseFile(name, "passes --%s %s to yarn, a path in the project", arg, val)
			}
			continue
		}
		switch {
		case key == "yarn-path":
			return refuseFile(name, "runs the yarn release %s instead of the installed yarn", val)
		case key == "modules-folder" || key == "cwd":
			return refuseFile(name, "sets %s, so the install reads and writes another directory", key)
		case slices.Contains(yarnrcPaths, key) && inst.inProject(val):
			return refuseFile(name, "sets %s to %s, a path in the project", key, val)
		}
	}
	return nil
}

// unquote drops the double quotes .yarnrc puts around keys and values.
func unquote(s string) string {
	if u, err := strconv.Unquote(s); err == nil && strings.HasPrefix(s, `"`) {
		return u
	}
	return s
}

// pnpmrcHooks are .npmrc keys refused whatever their value, with the
// reason: pnpm runs code of a file, reads the lock file elsewhere, or
// gives node options to the scripts it runs.
var pnpmrcHooks = map[string]string{
	"pnpmfile":        "runs the hooks of %s, which may read any file of the project",
	"global-pnpmfile": "runs the hooks of %s, which may read any file of the project",
	"lockfile-dir":    "reads the lock file from %s instead of the project's",
	"node-options":    "gives the scripts pnpm runs the node options %s, which may load files of the project",
}

// pnpmrcPaths are pnpm's .npmrc keys whose value is a directory it reads
// or writes, which must lie outside the project.
var pnpmrcPaths = []string{"store-dir", "cache-dir", "state-dir", "global-dir", "global-bin-dir", "virtual-store-dir", "modules-dir", "patches-dir", "npm-path"}

// pnpmrc reads a .npmrc as npm's, then pnpm's own settings.
func (inst Install) pnpmrc(name string, data []byte) error {
	if err := npmrc(name, data); err != nil {
		return err
	}
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if reason, ok := pnpmrcHooks[k]; ok {
			return refuseFile(name, reason, v)
		}
		if slices.Contains(pnpmrcPaths, k) && inst.inProject(v) {
			return refuseFile(name, "sets %s to %s, a path in the project", k, v)
		}
	}
	return nil
}
