package checks

import (
	"regexp"
	"strings"
)

// pkgOp is what one package-manager command does to the installed packages.
type pkgOp struct {
	install, remove bool
	// pkgs are the package names as written, versions, releases and
	// architectures dropped.
	pkgs []string
	// group is apk's --virtual name, which apk del can remove the
	// packages by.
	group string
	// apt is set for apt-get and apt; noRecommends when the command turns
	// recommended packages off.
	apt, noRecommends bool
	// opaque is set when a word after the subcommand is not a literal: it
	// may hold packages or options that are not known.
	opaque bool
}

// managerOptions are a package manager's short and long options that take
// the next word as their value.
type managerOptions struct {
	short string
	long  []string
}

var (
	aptOptions = managerOptions{short: "octa", long: []string{"--option", "--config-file", "--target-release", "--default-release", "--host-architecture"}}
	apkOptions = managerOptions{short: "tXp", long: []string{"--virtual", "--repository", "--root", "--arch", "--cache-dir", "--keys-dir", "--repositories-file"}}
	rpmOptions = managerOptions{short: "cdexR", long: []string{"--setopt", "--installroot", "--releasever", "--enablerepo", "--disablerepo", "--exclude"}}
)

// packageOp reads an install or removal from a command; ok is false for
// anything else, or when the subcommand is not a literal.
func packageOp(c shellCall) (pkgOp, bool) {
	switch c.name {
	case "apt-get", "apt":
		return managerOp(c.args, aptOptions, map[string]bool{"install": true}, map[string]bool{"remove": true, "purge": true, "autoremove": true}, true)
	case "apk":
		return managerOp(c.args, apkOptions, map[string]bool{"add": true}, map[string]bool{"del": true}, false)
	case "dnf", "yum", "microdnf", "tdnf", "zypper":
		return managerOp(c.args, rpmOptions, map[string]bool{"install": true, "in": true}, map[string]bool{"remove": true, "erase": true, "rm": true, "autoremove": true}, false)
	}
	return pkgOp{}, false
}

func managerOp(args []shellWord, opts managerOptions, installs, removes map[string]bool, apt bool) (pkgOp, bool) {
	op := pkgOp{apt: apt}
	sub := ""
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !a.lit {
			if sub == "" {
				return pkgOp{}, false
			}
			op.opaque = true
			continue
		}
		v := a.val
		switch {
		case strings.HasPrefix(v, "-") && len(v) > 1:
			if takesValue(v, opts) && i+1 < len(args) {
				i++
				op.option(v, args[i])
			} else {
				op.inlineOption(v)
			}
		case sub == "":
			sub = v
		default:
			op.pkgs = append(op.pkgs, packageName(v))
		}
	}
	op.install, op.remove = installs[sub], removes[sub]
	return op, op.install || op.remove
}

func takesValue(opt string, opts managerOptions) bool {
	if strings.HasPrefix(opt, "--") {
		for _, l := range opts.long {
			if opt == l {
				return true
			}
		}
		return false
	}
	return len(opt) == 2 && strings.ContainsRune(opts.short, rune(opt[1]))
}

// option reads an option given its value in the next word.
func (op *pkgOp) option(name string, value shellWord) {
	switch name {
	case "-t", "--virtual":
		if !op.apt && value.lit {
			op.group = value.val
		}
	case "-o", "--option":
		if op.apt && value.lit && recommendsOff(value.val) {
			op.noRecommends = true
		}
	}
}

// inlineOption reads an option that carries its value, or none.
func (op *pkgOp) inlineOption(opt string) {
	switch {
	case opt == "--no-install-recommends":
		op.noRecommends = op.apt
	case op.apt && strings.HasPrefix(opt, "-o") && !strings.HasPrefix(opt, "--"):
		op.noRecommends = op.noRecommends || recommendsOff(strings.TrimPrefix(opt[2:], "="))
	case op.apt && strings.HasPrefix(opt, "--option="):
		op.noRecommends = op.noRecommends || recommendsOff(strings.TrimPrefix(opt, "--option="))
	case !op.apt && strings.HasPrefix(opt, "--virtual="):
		op.group = strings.TrimPrefix(opt, "--virtual=")
	}
}

// recommendsOff reads an apt option "APT::Install-Recommends=false".
func recommendsOff(opt string) bool {
	k, v, _ := strings.Cut(opt, "=")
	if !strings.EqualFold(strings.TrimSpace(k), "APT::Install-Recommends") {
		return false
	}
	return isFalse(strings.Trim(strings.TrimSpace(v), `"';`))
}

func isFalse(v string) bool {
	switch strings.ToLower(v) {
	case "false", "0", "no", "off":
		return true
	}
	return false
}

// packageName drops what follows a package's name: =version, /release,
// :arch (apt), ~version, >version, <version, @tag (apk).
func packageName(p string) string {
	if i := strings.IndexAny(p, "=/:~<>@"); i > 0 {
		return p[:i]
	}
	return p
}

// aptConfigNoRecommends reports whether one of calls writes an apt
// configuration file that turns recommended packages off, as in
// echo 'APT::Install-Recommends "false";' > /etc/apt/apt.conf.d/99norecommends.
func aptConfigNoRecommends(calls []shellCall) bool {
	for _, c := range calls {
		if !writesAptConf(c.outputs) {
			continue
		}
		for _, a := range c.args {
			if a.lit && aptConfOff(a.val) {
				return true
			}
		}
	}
	return false
}

func writesAptConf(files []string) bool {
	for _, f := range files {
		if strings.HasPrefix(f, "/etc/apt/apt.conf") {
			return true
		}
	}
	return false
}

// aptConfOff reads APT::Install-Recommends "false"; in apt.conf syntax.
func aptConfOff(s string) bool {
	k, v, ok := strings.Cut(strings.TrimSpace(s), " ")
	return ok && strings.EqualFold(k, "APT::Install-Recommends") && isFalse(strings.Trim(strings.TrimSpace(v), `"';`))
}

// buildTools are packages that put a compiler or a package manager in an
// image, by the name Debian, Alpine and Fedora give them.
var buildTools = map[string]bool{
	"gcc": true, "g++": true, "gcc-c++": true, "clang": true, "llvm": true,
	"build-essential": true, "build-base": true, "make": true, "cmake": true,
	"golang": true, "golang-go": true, "go": true, "rust": true, "rustc": true, "cargo": true,
	"gfortran": true, "default-jdk": true, "default-jdk-headless": true, "maven": true, "gradle": true,
	"python3-pip": true, "python-pip": true, "py3-pip": true, "pipx": true,
	"npm": true, "yarn": true, "yarnpkg": true, "composer": true,
}

// versionedBuildTools are the versioned names of the same packages:
// gcc-12, clang-15, openjdk-17-jdk, openjdk17, java-17-openjdk-devel,
// golang-1.21-go, python3.11-pip.
var versionedBuildTools = regexp.MustCompile(`^(?:(?:gcc|g\+\+|clang|llvm)-[0-9.]+|openjdk-?[0-9]+(?:-jdk(?:-headless)?)?|java-[0-9.]+-openjdk-devel|golang-[0-9.]+(?:-go)?|python[0-9.]*-pip|py[0-9]*-pip)$`)

func isBuildTool(pkg string) bool {
	return buildTools[pkg] || versionedBuildTools.MatchString(pkg)
}

// toolchainImages are official images that ship a compiler, with the tools
// a message names; a tag with one of skipTags is a runtime variant.
var toolchainImages = map[string]struct {
	tools    []string
	skipTags []string
}{
	"golang":         {tools: []string{"go"}},
	"rust":           {tools: []string{"rustc", "cargo"}},
	"gcc":            {tools: []string{"gcc"}},
	"buildpack-deps": {tools: []string{"gcc", "make"}, skipTags: []string{"curl", "scm"}},
	"maven":          {tools: []string{"mvn", "javac"}},
	"gradle":         {tools: []string{"gradle", "javac"}},
	"openjdk":        {tools: []string{"javac"}, skipTags: []string{"jre"}},
}

// imageTools lists the compilers an image ships, nil for none known.
func imageTools(r imageRef) []string {
	img, ok := toolchainImages[r.repo()]
	if !ok {
		return nil
	}
	for _, s := range img.skipTags {
		if strings.Contains(r.tag, s) {
			return nil
		}
	}
	return img.tools
}
