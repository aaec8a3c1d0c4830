package manifest

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/org/optfrontend/llbopt/pkgcache"
)

// Install is one dependency-install command and what it reads of the
// directory it runs in. Paths are relative to that directory.
type Install struct {
	// Tool is the package manager, which fixes the manifest formats: "pip",
	// "npm", "pnpm", "yarn" (Yarn 1), "go", "poetry", "uv" or "pipenv".
	Tool string
	// Manifests are the files the install reads, which must exist.
	Manifests []string
	// IfPresent are files it also reads when they exist: a lock file,
	// a per-project configuration.
	IfPresent []string
	// MustBeAbsent are paths whose presence makes the install read more
	// than its manifests (an installed node_modules that npm install
	// updates, a go.work, a binding.gyp npm would compile, a .venv poetry
	// would install into).
	MustBeAbsent []string
	// Replaces are directories the install removes and makes anew, which
	// a copy of the source after it must not bring back.
	Replaces []string
	// IgnoreScripts is set when the install runs none of the project's own
	// scripts (npm, pnpm or yarn --ignore-scripts).
	IgnoreScripts bool

	// dir is the directory the install runs in, where the copy of the
	// source lands: an absolute path a manifest names under it is a path
	// in the project.
	dir string
	// frozen is set when uv takes uv.lock as it is (--frozen), without
	// reading the project's metadata to check it.
	frozen bool
}

// Refusal is why a recognised install may read more than its manifests.
type Refusal struct {
	// Command is the command as written, when it is the reason.
	Command string
	// File is the manifest, when a line of it is the reason.
	File string
	// Reason says what the install may read, in words for the user.
	Reason string
}

func (r *Refusal) Error() string {
	if r.File != "" {
		return r.File + " " + r.Reason
	}
	return fmt.Sprintf("`%s` %s", r.Command, r.Reason)
}

func refuse(c pkgcache.Command, format string, args ...any) error {
	return &Refusal{Command: c.Text, Reason: fmt.Sprintf(format, args...)}
}

// Recognize tells whether c is a dependency install this package knows.
// ok is false for any other command. A non-nil error, always a *Refusal,
// says why a recognised install may read more than its manifests.
func Recognize(c pkgcache.Command) (inst Install, ok bool, err error) {
	name, args, known := c.Name, c.Args, c.Known
	if isPython(name) {
		if len(args) < 3 || !known[0] || !known[1] || args[0] != "-m" || args[1] != "pip" {
			return Install{}, false, nil
		}
		name, args, known = "pip", args[2:], known[2:]
	}
	switch {
	case name == "pip" || pipVersioned.MatchString(name):
		return pipInstall(c, args, known)
	case name == "npm":
		return npmInstall(c, args, known)
	case name == "go":
		return goModDownload(c, args, known)
	case name == "pnpm":
		return pnpmInstall(c, args, known)
	case name == "yarn":
		return yarnInstall(c, args, known)
	case name == "poetry":
		return poetryInstall(c, args, known)
	case name == "uv":
		return uvSync(c, args, known)
	case name == "pipenv":
		return pipenvInstall(c, args, known)
	case otherInstall(name, args, known):
		return Install{}, true, refuse(c, "is an install this pass does not read the manifests of yet")
	case name == "cargo" && firstOperand(args, known) == "fetch":
		return Install{}, true, refuse(c, "needs the crate's own sources to exist (cargo reads its targets), not only Cargo.toml and Cargo.lock")
	case (name == "mvn" || name == "./mvnw" || name == "mvnw") && slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "dependency:") }):
		return Install{}, true, refuse(c, "runs build plugins, which may read any file of the project")
	case (name == "gradle" || name == "./gradlew" || name == "gradlew") && slices.ContainsFunc(args, func(a string) bool { return a == "dependencies" || a == "--refresh-dependencies" }):
		return Install{}, true, refuse(c, "runs build plugins, which may read any file of the project")
	}
	return Install{}, false, nil
}

// otherInstalls are the subcommands that install a project's dependencies
// for the package managers this package does not read the manifests of;
// "" is the command alone (bundle).
var otherInstalls = map[string][]string{
	"bundle":   {"", "install"},
	"composer": {"install"},
}

// otherInstall tells whether a command is one of those installs, and not
// another of the tool's commands (bundle exec, composer dump-autoload).
func otherInstall(name string, args []string, known []bool) bool {
	subs, ok := otherInstalls[name]
	if !ok {
		return false
	}
	return slices.Contains(subs, firstOperand(args, known))
}

var (
	pipVersioned    = regexp.MustCompile(`^pip[0-9](\.[0-9]+)?$`)
	pythonVersioned = regexp.MustCompile(`^python[0-9](\.[0-9]+)?$`)
)

func isPython(name string) bool {
	return name == "python" || pythonVersioned.MatchString(name)
}

func firstOperand(args []string, known []bool) string {
	for i, a := range args {
		if !strings.HasPrefix(a, "-") {
			if !known[i] {
				return ""
			}
			return a
		}
	}
	return ""
}

// pipFlags are pip install's options that take no value and read nothing
// of the project.
var pipFlags = map[string]bool{
	"-q": true, "--quiet": true, "-v": true, "--verbose": true, "-U": true, "--upgrade": true,
	"--no-cache-dir": true, "--user": true, "--no-deps": true, "--prefer-binary": true,
	"--disable-pip-version-check": true, "--no-warn-script-location": true, "--break-system-packages": true,
	"--compile": true, "--no-compile": true, "--pre": true, "--force-reinstall": true, "-I": true,
	"--ignore-installed": true, "--no-build-isolation": true, "--require-hashes": true, "--no-input": true,
	"--isolated": true, "--no-color": true, "--no-index": true,
}

// pipValued are pip install's options whose value names no file of the
// project: an index, a host, a number, a package list, a policy.
var pipValued = map[string]bool{
	"-i": true, "--index-url": true, "--extra-index-url": true, "--trusted-host": true, "--timeout": true,
	"--retries": true, "--no-binary": true, "--only-binary": true, "--platform": true, "--python-version": true,
	"--implementation": true, "--abi": true, "--root-user-action": true, "--progress-bar": true,
	"--upgrade-strategy": true, "--exists-action": true, "--proxy": true,
}

// pipPaths are pip install's options whose value is a path the install
// writes or reads outside the project, which must then be absolute.
var pipPaths = map[string]bool{"-t": true, "--target": true, "--prefix": true, "--root": true, "--cache-dir": true, "--log": true, "--src": true}

func pipInstall(c pkgcache.Command, args []string, known []bool) (Install, bool, error) {
	inst := Install{Tool: "pip"}
	sub := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !known[i] {
			if !sub {
				return Install{}, false, nil
			}
			return Install{}, true, refuse(c, "has an argument known only when the build runs (%s)", a)
		}
		if !sub {
			switch {
			case a == "install":
				sub = true
			case pipFlags[a] || strings.HasPrefix(a, "-") && !pipValued[a] && !strings.Contains(a, "="):
				// General options before the subcommand take no value.
			default:
				return Install{}, false, nil // another subcommand: not an install
			}
			continue
		}
		opt, val, hasVal := strings.Cut(a, "=")
		if !strings.HasPrefix(a, "-") {
			if err := requirementSpec(c, a); err != nil {
				return Install{}, true, err
			}
			continue
		}
		if len(a) > 2 && a[1] != '-' && (a[1] == 'r' || a[1] == 'c') {
			opt, val, hasVal = a[:2], a[2:], true // -rrequirements.txt
		}
		value := func() (string, error) {
			if hasVal {
				return val, nil
			}
			if i+1 >= len(args) {
				return "", refuse(c, "ends without the value of %s", opt)
			}
			i++
			if !known[i] {
				return "", refuse(c, "takes %s from a value known only when the build runs", opt)
			}
			return args[i], nil
		}
		switch {
		case opt == "-r" || opt == "--requirement" || opt == "-c" || opt == "--constraint":
			v, err := value()
			if err != nil {
				return Install{}, true, err
			}
			if err := projectPath(c, v); err != nil {
				return Install{}, true, err
			}
			inst.Manifests = append(inst.Manifests, path.Clean(v))
		case opt == "-e" || opt == "--editable":
			return Install{}, true, refuse(c, "installs the project itself in editable mode")
		case opt == "-f" || opt == "--find-links":
			v, err := value()
			if err != nil {
				return Install{}, true, err
			}
			if !remoteURL(v) {
				return Install{}, true, refuse(c, "finds packages in %s, which may be a directory of the project", v)
			}
		case opt == "-i" || opt == "--index-url" || opt == "--extra-index-url":
			// A file:// index may be a directory of the project, which
			// the install on the manifests alone would not have.
			v, err := value()
			if err != nil {
				return Install{}, true, err
			}
			if !remoteURL(v) {
				return Install{}, true, refuse(c, "takes packages from the index %s, which may be a directory of the project", v)
			}
		case pipPaths[opt]:
			v, err := value()
			if err != nil {
				return Install{}, true, err
			}
			if !path.IsAbs(v) {
				return Install{}, true, refuse(c, "uses %s, a path in the project", v)
			}
			// --target /app where the source is copied: stock's install
			// meets the source's files there (pip skips a directory that
			// exists, or replaces it with --upgrade); on the manifests
			// alone it does not.
			if v = path.Clean(v); c.Cwd == "" || v == c.Cwd || strings.HasPrefix(v, strings.TrimSuffix(c.Cwd, "/")+"/") || strings.HasPrefix(c.Cwd, strings.TrimSuffix(v, "/")+"/") {
				return Install{}, true, refuse(c, "uses %s, where the source is copied or above it", v)
			}
		case pipValued[opt]:
			if _, err := value(); err != nil {
				return Install{}, true, err
			}
		case pipFlags[a]:
		default:
			return Install{}, true, refuse(c, "has an option this pass does not know (%s)", a)
		}
	}
	if !sub {
		return Install{}, false, nil
	}
	return inst, true, nil
}

// nameSpec is a requirement by name: a distribution name with optional
// extras, version specifiers and an environment marker.
var nameSpec = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?\s*(\[[A-Za-z0-9._,\s-]*\])?\s*((===?|~=|!=|<=?|>=?)\s*[A-Za-z0-9.*+!_-]+\s*(,\s*(===?|~=|!=|<=?|>=?)\s*[A-Za-z0-9.*+!_-]+\s*)*)?(;.*)?$`)

// requirementSpec accepts a requirement that names a package on an index
// or a URL, and refuses one that may name a path in the project.
func requirementSpec(c pkgcache.Command, spec string) error {
	if byNameOrURL(spec) {
		return nil
	}
	return refuse(c, "installs %s, which may be a path in the project", spec)
}

// byNameOrURL tells whether a requirement names a distribution, or one at
// a remote URL, and nothing of the project.
func byNameOrURL(spec string) bool {
	spec = strings.TrimSpace(spec)
	if strings.Contains(spec, "${") {
		return false
	}
	if nameSpec.MatchString(spec) {
		return !archiveName(spec)
	}
	name, url, ok := strings.Cut(spec, "@")
	if !ok || !nameSpec.MatchString(strings.TrimSpace(name)) {
		return false
	}
	url = strings.TrimSpace(url)
	return strings.HasPrefix(url, "https://") || strings.HasPrefix(url, "http://") || strings.HasPrefix(url, "git+https://")
}

// archiveExts are the endings pip takes for a distribution file, which it
// then reads as a path: pkg-1.0-py3-none-any.whl, x.tar.gz.
var archiveExts = []string{".whl", ".zip", ".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tlz", ".tar.lz", ".tar.lzma"}

// archiveName tells whether a requirement's name, before its extras,
// version or marker, ends like a distribution file.
func archiveName(spec string) bool {
	name := strings.ToLower(strings.TrimSpace(strings.FieldsFunc(spec, func(r rune) bool { return strings.ContainsRune("[;<>=!~ \t", r) })[0]))
	for _, ext := range archiveExts {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

// projectPath refuses a manifest path outside the directory the install
// runs in: the pass can only move what the copy brings.
func projectPath(c pkgcache.Command, p string) error {
	if p == "" || outsideProject(p) || strings.ContainsAny(p, "*?[$") {
		return refuse(c, "reads %s, which is not a plain path in the project", p)
	}
	return nil
}

// outsideProject tells whether a path, relative to the directory the
// install runs in, is absolute or leaves that directory.
func outsideProject(p string) bool {
	return path.IsAbs(p) || strings.HasPrefix(path.Clean(p), "..")
}

// npmFlags are npm ci's and install's options that read nothing of the
// project.
var npmFlags = map[string]bool{
	"--production": true, "--no-audit": true, "--no-fund": true, "--ignore-scripts": true, "--silent": true,
	"-s": true, "-q": true, "--quiet": true, "--prefer-offline": true, "--prefer-online": true, "--offline": true,
	"--legacy-peer-deps": true, "--strict-peer-deps": true, "--no-optional": true, "--no-progress": true,
	"--no-update-notifier": true, "--foreground-scripts": true, "--verbose": true, "-d": true, "--no-save": true,
	"--no-package-lock": true,
}

// npmValued are npm's options whose value names no file of the project.
var npmValued = map[string]bool{
	"--omit": true, "--only": true, "--include": true, "--loglevel": true, "--registry": true, "--audit": true,
	"--fund": true, "--progress": true, "--update-notifier": true, "--install-strategy": true, "--cache": true,
	"--fetch-retries": true, "--fetch-timeout": true,
}

func npmInstall(c pkgcache.Command, args []string, known []bool) (Install, bool, error) {
	sub := firstOperand(args, known)
	var inst Install
	switch sub {
	case "ci", "clean-install":
		inst = Install{Tool: "npm", Replaces: []string{"node_modules"}}
	case "install", "i":
		// npm install keeps and updates a node_modules it finds.
		inst = Install{Tool: "npm", MustBeAbsent: []string{"node_modules"}}
	default:
		return Install{}, false, nil
	}
	inst.Manifests = []string{"package.json"}
	inst.IfPresent = []string{"package-lock.json", "npm-shrinkwrap.json", ".npmrc"}
	// npm compiles a binding.gyp of the project with node-gyp when the
	// package has no install script of its own.
	inst.MustBeAbsent = append(inst.MustBeAbsent, "binding.gyp")
	seenSub := false
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !known[i] {
			return Install{}, true, refuse(c, "has an argument known only when the build runs (%s)", a)
		}
		if !strings.HasPrefix(a, "-") {
			if !seenSub {
				seenSub = true
				continue
			}
			return Install{}, true, refuse(c, "installs %s by name, which also rewrites package.json", a)
		}
		opt, val, hasVal := strings.Cut(a, "=")
		switch {
		case npmFlags[a]:
			if a == "--ignore-scripts" {
				inst.IgnoreScripts = true
			}
		case npmValued[opt]:
			if !hasVal {
				if i+1 >= len(args) || !known[i+1] {
					return Install{}, true, refuse(c, "has %s without a value known before the build", opt)
				}
				i++
				val = args[i]
			}
			if opt == "--cache" && !path.IsAbs(val) {
				return Install{}, true, refuse(c, "keeps its cache in %s, a path in the project", val)
			}
			if opt == "--ignore-scripts" && val == "true" {
				inst.IgnoreScripts = true
			}
		case opt == "--ignore-scripts" && hasVal:
			inst.IgnoreScripts = val == "true"
		default:
			return Install{}, true, refuse(c, "has an option this pass does not know (%s)", a)
		}
	}
	return inst, true, nil
}

func goModDownload(c pkgcache.Command, args []string, known []bool) (Install, bool, error) {
	if len(args) < 2 || !known[0] || !known[1] || args[0] != "mod" || args[1] != "download" {
		return Install{}, false, nil
	}
	for i, a := range args[2:] {
		if !known[i+2] {
			return Install{}, true, refuse(c, "has an argument known only when the build runs (%s)", a)
		}
		switch {
		case a == "-x" || a == "-json" || a == "-v":
		case strings.HasPrefix(a, "-"):
			return Install{}, true, refuse(c, "has an option this pass does not know (%s)", a)
		}
	}
	return Install{
		Tool:      "go",
		Manifests: []string{"go.mod"},
		IfPresent: []string{"go.sum"},
		// A workspace brings other modules of the project into the build.
		MustBeAbsent: []string{"go.work"},
	}, true, nil
}
