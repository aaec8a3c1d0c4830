package manifest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"golang.org/x/mod/modfile"
)

// Inspect reads one manifest the install reads (name is its path relative
// to the install's directory) and returns the further manifests it names,
// as a requirements file names others with -r and -c. The error, a
// *Refusal, says why the manifest makes the install read more of the
// project.
func (inst Install) Inspect(name string, data []byte) ([]string, error) {
	base := path.Base(name)
	switch {
	case inst.Tool == "pip":
		return Requirements(name, data)
	case inst.Tool == "npm" && base == "package.json":
		return nil, inst.packageJSON(name, data)
	case inst.Tool == "npm" && (base == "package-lock.json" || base == "npm-shrinkwrap.json"):
		return nil, packageLock(name, data, inst.IgnoreScripts)
	case inst.Tool == "npm" && base == ".npmrc":
		return nil, npmrc(name, data)
	case inst.Tool == "go" && base == "go.mod":
		return nil, goMod(name, data)
	case inst.Tool == "pnpm":
		return nil, inst.pnpmFile(name, base, data)
	case inst.Tool == "yarn":
		return nil, inst.yarnFile(name, base, data)
	case inst.Tool == "poetry":
		return nil, inst.poetryFile(name, base, data)
	case inst.Tool == "uv":
		return nil, inst.uvFile(name, base, data)
	case inst.Tool == "pipenv":
		return nil, inst.pipenvFile(name, base, data)
	}
	return nil, nil
}

func refuseFile(name, format string, args ...any) error {
	return &Refusal{File: name, Reason: fmt.Sprintf(format, args...)}
}

// Requirements reads a pip requirements file and returns the files it
// names with -r and -c, relative to the directory the install runs in
// (pip resolves them against the naming file's directory). A line that
// makes pip read the project (an editable install, a path, a local
// find-links directory, an option this package does not know) is a
// *Refusal.
func Requirements(name string, data []byte) ([]string, error) {
	var refs []string
	dir := path.Dir(name)
	for _, line := range logicalLines(data) {
		if strings.Contains(line, "${") {
			return nil, refuseFile(name, "has %q, whose value comes from the environment", line)
		}
		if !strings.HasPrefix(line, "-") {
			spec := stripHashes(line)
			if err := requirementLine(name, spec); err != nil {
				return nil, err
			}
			continue
		}
		opt, val := splitOption(line)
		if optionIn(val) {
			// pip reads every option of the line (--no-index --find-links
			// ./wheels); the value would hide the second one.
			return nil, refuseFile(name, "has several options on one line (%s), which this pass does not read apart", line)
		}
		switch opt {
		case "-r", "--requirement", "-c", "--constraint":
			if val == "" || path.IsAbs(val) || strings.ContainsAny(val, "*?[") {
				return nil, refuseFile(name, "names %q, which is not a plain path in the project", val)
			}
			ref := path.Join(dir, val)
			if outsideProject(ref) {
				return nil, refuseFile(name, "names %s, outside the directory the install runs in", val)
			}
			refs = append(refs, ref)
		case "-e", "--editable":
			return nil, refuseFile(name, "installs %s in editable mode", val)
		case "-f", "--find-links":
			// file:///app/wheels is as much the project's as ./wheels.
			if !remoteURL(val) {
				return nil, refuseFile(name, "finds packages in %s, which may be a directory of the project", val)
			}
		case "-i", "--index-url", "--extra-index-url":
			if !remoteURL(val) {
				return nil, refuseFile(name, "takes packages from the index %s, which may be a directory of the project", val)
			}
		case "--trusted-host", "--no-binary", "--only-binary":
		case "--prefer-binary", "--pre", "--require-hashes", "--no-index":
		default:
			return nil, refuseFile(name, "has an option this pass does not know (%s)", opt)
		}
	}
	return refs, nil
}

// logicalLines joins continued lines and drops comments and blank lines,
// as pip reads a requirements file.
func logicalLines(data []byte) []string {
	var out []string
	var cur strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for sc.Scan() {
		line := sc.Text()
		// As pip's join_lines: a line that is all comment never
		// continues, whatever it ends with, and ends a continued one.
		allComment := strings.HasPrefix(strings.TrimLeft(line, " \t"), "#")
		if allComment {
			line = " " + line
		}
		if strings.HasSuffix(line, `\`) && !allComment {
			cur.WriteString(strings.TrimSuffix(line, `\`))
			continue
		}
		cur.WriteString(line)
		full := cur.String()
		cur.Reset()
		if full = strings.TrimSpace(stripComment(full)); full != "" {
			out = append(out, full)
		}
	}
	if rest := strings.TrimSpace(stripComment(cur.String())); rest != "" {
		out = append(out, rest)
	}
	return out
}

// optionIn tells whether an option's value holds another option.
func optionIn(val string) bool {
	return slices.ContainsFunc(strings.Fields(val), func(f string) bool { return strings.HasPrefix(f, "-") })
}

// stripComment drops a # that starts the line or follows whitespace.
func stripComment(line string) string {
	for i := 0; i < len(line); i++ {
		if line[i] == '#' && (i == 0 || line[i-1] == ' ' || line[i-1] == '\t') {
			return line[:i]
		}
	}
	return line
}

// splitOption splits "-r file", "--requirement=file" and "-rfile".
func splitOption(line string) (opt, val string) {
	if o, v, ok := strings.Cut(line, "="); ok && strings.HasPrefix(o, "--") && !strings.ContainsAny(o, " \t") {
		return o, strings.TrimSpace(v)
	}
	if o, v, ok := strings.Cut(line, " "); ok {
		return o, strings.TrimSpace(v)
	}
	if o, v, ok := strings.Cut(line, "\t"); ok {
		return o, strings.TrimSpace(v)
	}
	if len(line) > 2 && line[1] != '-' {
		return line[:2], line[2:]
	}
	return line, ""
}

// stripHashes drops the per-requirement --hash options.
func stripHashes(line string) string {
	fields := strings.Fields(line)
	kept := fields[:0]
	for _, f := range fields {
		if !strings.HasPrefix(f, "--hash") {
			kept = append(kept, f)
		}
	}
	return strings.Join(kept, " ")
}

func requirementLine(name, spec string) error {
	if byNameOrURL(spec) {
		return nil
	}
	return refuseFile(name, "requires %q, which may be a path in the project", spec)
}

// installScripts are the root package's lifecycle scripts npm ci and
// npm install run: any of them may read the project.
var installScripts = []string{"preinstall", "install", "postinstall", "prepublish", "preprepare", "prepare", "postprepare", "dependencies"}

// localSpec tells whether a dependency's version names something in the
// project rather than on a registry or a remote: a path, a file:, link:,
// portal: or workspace: spec, Yarn's patch: (a patch file) and exec: (a
// script), a git repository by file: URL, or a tarball by file name (npm
// reads vendor/x.tgz as a path).
func localSpec(v string) bool {
	for _, p := range []string{"file:", "link:", "portal:", "workspace:", "patch:", "exec:", "./", "../", "/", "~/"} {
		if strings.HasPrefix(v, p) {
			return true
		}
	}
	if strings.Contains(v, "file:") {
		return true
	}
	if !strings.Contains(v, "://") {
		for _, ext := range []string{".tgz", ".tar.gz", ".tar"} {
			if strings.HasSuffix(strings.ToLower(v), ext) {
				return true
			}
		}
	}
	return v == "." || v == ".."
}

func (inst Install) packageJSON(name string, data []byte) error {
	var pkg struct {
		Scripts    map[string]string `json:"scripts"`
		Workspaces json.RawMessage   `json:"workspaces"`
		Bundle     json.RawMessage   `json:"bundleDependencies"`
		Bundled    json.RawMessage   `json:"bundledDependencies"`
	}
	if err := json.Unmarshal(data, &pkg); err != nil {
		return refuseFile(name, "cannot be read as JSON (%v)", err)
	}
	if !inst.IgnoreScripts {
		for _, s := range installScripts {
			if _, ok := pkg.Scripts[s]; ok {
				return refuseFile(name, "has a %q script, which %s runs in the project and which may read any file", s, inst.Tool)
			}
		}
	}
	if len(pkg.Workspaces) > 0 && string(pkg.Workspaces) != "null" {
		return refuseFile(name, "declares workspaces: packages of the project are part of the install")
	}
	for _, b := range []json.RawMessage{pkg.Bundle, pkg.Bundled} {
		if len(b) > 0 && string(b) != "null" && string(b) != "[]" && string(b) != "false" {
			return refuseFile(name, "bundles dependencies, which npm takes from the project's node_modules")
		}
	}
	var deps map[string]json.RawMessage
	if err := json.Unmarshal(data, &deps); err != nil {
		return refuseFile(name, "cannot be read as JSON (%v)", err)
	}
	for _, field := range []string{"dependencies", "devDependencies", "optionalDependencies", "peerDependencies", "overrides"} {
		var m map[string]any
		if raw, ok := deps[field]; !ok || json.Unmarshal(raw, &m) != nil {
			continue
		}
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if v, ok := m[k].(string); ok && localSpec(v) {
				return refuseFile(name, "takes %s from %s, a path in the project", k, v)
			}
		}
	}
	return nil
}

// packageLock refuses a lock that links a package to a path in the
// project, or, unless the install ignores scripts, names a dependency with
// an install script (hasInstallScript): npm runs it in the project, and it
// may read any file there (simple-git-hooks writes into .git, Prisma's
// client reads prisma/schema.prisma), which the install on the manifests
// alone does not have.
func packageLock(name string, data []byte, ignoreScripts bool) error {
	var lock struct {
		Packages map[string]struct {
			Link             bool   `json:"link"`
			Resolved         string `json:"resolved"`
			HasInstallScript bool   `json:"hasInstallScript"`
		} `json:"packages"`
	}
	if err := json.Unmarshal(data, &lock); err != nil {
		return refuseFile(name, "cannot be read as JSON (%v)", err)
	}
	if lock.Packages == nil && !ignoreScripts {
		// lockfileVersion 1 lists "dependencies" only, without
		// hasInstallScript: which dependency runs a script is unknown.
		return refuseFile(name, "does not say which dependencies run install scripts (no \"packages\": lockfileVersion 1), which may read any file of the project")
	}
	keys := make([]string, 0, len(lock.Packages))
	for k := range lock.Packages {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p := lock.Packages[k]
		if p.Link || strings.HasPrefix(p.Resolved, "file:") {
			return refuseFile(name, "links %s to a path in the project", k)
		}
		if k != "" && p.HasInstallScript && !ignoreScripts {
			return refuseFile(name, "has %s run an install script, which may read any file of the project", strings.TrimPrefix(k, "node_modules/"))
		}
	}
	return nil
}

// npmrcPaths are .npmrc keys whose value is a file npm reads or writes.
var npmrcPaths = []string{"cafile", "userconfig", "globalconfig", "prefix", "cache", "script-shell", "init-module", "key", "cert"}

func npmrc(name string, data []byte) error {
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if slices.Contains(npmrcPaths, k) && !path.IsAbs(v) {
			return refuseFile(name, "sets %s to %s, a path in the project", k, v)
		}
	}
	return nil
}

func goMod(name string, data []byte) error {
	// Parse, not ParseLax: the lax parser skips replace directives.
	f, err := modfile.Parse(name, data, nil)
	if err != nil {
		return refuseFile(name, "cannot be parsed (%v)", err)
	}
	for _, r := range f.Replace {
		if modfile.IsDirectoryPath(r.New.Path) {
			return refuseFile(name, "replaces %s with %s, a directory of the project", r.Old.Path, r.New.Path)
		}
	}
	return nil
}
