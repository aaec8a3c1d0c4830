package llbopt

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/moby/buildkit/solver/pb"
)

// configFiles are the configuration files the installs manifest knows
// read at fixed places, whatever directory they run in: if the copy of the
// source brings one, the install reads it, and a copy of the manifests
// alone does not. pip (also under pipenv, poetry and uv's pip interface),
// npm (also under pnpm and yarn), go, uv.
var configFiles = []string{"/etc/pip.conf", "/etc/xdg/pip/pip.conf", "/usr/local/pip.conf", "/etc/npmrc", "/usr/local/etc/npmrc", "/usr/local/go/go.env",
	"/etc/uv/uv.toml", "/etc/xdg/uv/uv.toml"}

// homeConfigFiles are the same, relative to the user's home: pip, npm, go,
// poetry, uv, pnpm and yarn's own.
var homeConfigFiles = []string{".config/pip/pip.conf", ".pip/pip.conf", ".npmrc", ".config/go/env",
	".config/pypoetry/config.toml", ".config/uv/uv.toml", ".config/pnpm/rc", ".yarnrc"}

// envReads says why the step's environment may make the install read a
// file the copy of the source brings, "" when it cannot: a variable whose
// value (or any element of a list of paths) is a path into the copy
// (PIP_CONSTRAINT=/app/constraints.txt, npm_config_userconfig=/app/ci.npmrc,
// PATH=/app/.venv/bin:...), a relative path to a name the context holds
// (PIP_REQUIREMENT=reqs.txt, NODE_OPTIONS=--require ./hook.js), a setting
// of go's that may name one, or a tool's configuration file at its fixed
// place that the copy lands on. names are the names at the top of the
// copied directory; a path into the copy that none of them starts is one
// the copy does not bring, the same either way.
func envReads(meta *pb.Meta, dest string, names []string) string {
	brings := func(p string) bool {
		rel, ok := relInside(dest, p)
		return ok && (rel == "." || slices.Contains(names, strings.Split(rel, "/")[0]))
	}
	home := ""
	for _, kv := range meta.Env {
		k, v, _ := strings.Cut(kv, "=")
		if k == "HOME" {
			home = v
		}
		if k == "GOFLAGS" && v != "" || k == "GOWORK" && v != "" && v != "off" {
			return fmt.Sprintf("%s=%s may name a file of the source", k, v)
		}
		for _, t := range pathWords(v) {
			p := t
			if !path.IsAbs(p) {
				p = path.Join(dest, p) // the install runs where the source is copied
			}
			if brings(path.Clean(p)) {
				return fmt.Sprintf("%s=%s names %s, which the copy of the source brings, and the install may read it", k, v, t)
			}
		}
	}
	if home == "" && (meta.User == "" || meta.User == "root" || meta.User == "0" || strings.HasPrefix(meta.User, "root:") || strings.HasPrefix(meta.User, "0:")) {
		home = "/root"
	}
	files := slices.Clone(configFiles)
	for _, f := range homeConfigFiles {
		if home == "" {
			files = append(files, path.Join(dest, f)) // an unknown home may be where the source lands
		} else {
			files = append(files, path.Join(home, f))
		}
	}
	for _, f := range files {
		if brings(f) {
			return fmt.Sprintf("the copy of the source lands on %s, a configuration file the install reads", f)
		}
	}
	return ""
}

// relInside returns p relative to dir, when p is dir or lies inside it.
func relInside(dir, p string) (string, bool) {
	dir, p = path.Clean(dir), path.Clean(p)
	switch {
	case p == dir:
		return ".", true
	case dir == "/":
		return p[1:], true
	case strings.HasPrefix(p, dir+"/"):
		return p[len(dir)+1:], true
	}
	return "", false
}

// pathWords are the words of an environment variable's value that may be
// paths: split at list separators, spaces and option signs, file: URLs
// as their path, other URLs dropped.
func pathWords(v string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune(":;, \t=", r) }) {
		if w == "file" || strings.HasPrefix(w, "-") {
			continue
		}
		if strings.HasPrefix(w, "//") { // the rest of a URL split at its colon
			continue
		}
		out = append(out, w)
	}
	// file:///app/x splits into "file" and "///app/x", which the loop
	// drops as a URL: take file URLs whole.
	for _, w := range strings.Fields(v) {
		for _, part := range strings.Split(w, ",") {
			if _, rest, ok := strings.Cut(part, "file://"); ok {
				out = append(out, rest)
			} else if rest, ok := strings.CutPrefix(part, "file:"); ok && rest != "" {
				out = append(out, rest)
			}
		}
	}
	return out
}
