package manifest

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/org/optfrontend/llbopt/pkgcache"
)

// poetryOptions are poetry install's and sync's options this package
// knows, the global ones included.
var poetryOptions = optionTable{
	"--no-root": flag, "--only-root": flag, "--sync": flag, "--compile": flag, "--all-extras": flag,
	"--all-groups": flag, "--no-directory": flag, "--no-dev": flag, "--no-interaction": flag, "-n": flag,
	"--no-ansi": flag, "--ansi": flag, "--no-cache": flag, "--no-plugins": flag,
	"-q": flag, "--quiet": flag, "-v": flag, "-vv": flag, "-vvv": flag, "--verbose": flag,
	"--only": valued, "--without": valued, "--with": valued, "--extras": valued, "-E": valued,
}

func poetryInstall(c pkgcache.Command, args []string, known []bool) (Install, bool, error) {
	sub, at, ok := subcommand(args, known, poetryOptions)
	if !ok || sub != "install" && sub != "sync" {
		return Install{}, false, nil
	}
	noRoot := false
	err := readOptions(c, args, known, poetryOptions, func(i int, a string) error {
		if i == at {
			return nil
		}
		return refuse(c, "has an argument this pass does not know (%s)", a)
	}, func(opt, _ string) error {
		switch opt {
		case "--no-root":
			noRoot = true
		case "--only-root":
			return refuse(c, "installs only the project itself, from its source")
		}
		return nil
	})
	switch {
	case err != nil:
		return Install{}, true, err
	case !noRoot:
		return Install{}, true, refuse(c, "installs the project itself from its source (--no-root installs only its dependencies)")
	}
	return Install{
		Tool:      "poetry",
		Manifests: []string{"pyproject.toml"},
		IfPresent: []string{"poetry.lock", "poetry.toml", ".python-version"},
		// poetry installs into a .venv it finds, and loads the plugins of
		// the project's .poetry.
		MustBeAbsent: []string{".venv", ".poetry"},
		dir:          c.Cwd,
	}, true, nil
}

// uvOptions are uv sync's options this package knows, the global ones
// included.
var uvOptions = optionTable{
	"--frozen": flag, "--locked": flag, "--no-install-project": flag, "--no-install-workspace": flag,
	"--no-dev": flag, "--dev": flag, "--only-dev": flag, "--all-extras": flag, "--all-groups": flag,
	"--no-default-groups": flag, "--compile-bytecode": flag, "--no-cache": flag, "-n": flag,
	"--no-progress": flag, "--no-editable": flag, "--inexact": flag, "--exact": flag, "--offline": flag,
	"--no-python-downloads": flag, "--native-tls": flag,
	"-q": flag, "-qq": flag, "--quiet": flag, "-v": flag, "-vv": flag, "-vvv": flag, "--verbose": flag,
	"--group": valued, "--no-group": valued, "--only-group": valued, "--extra": valued, "--no-extra": valued,
	"--no-install-package": valued, "--link-mode": valued, "--python-preference": valued, "--color": valued,
	"--python": valued, "-p": valued,
	"--cache-dir": pathValued,
}

// uvRedirects are variables that make uv read another project or
// configuration than the one in the directory it runs in.
var uvRedirects = []string{"UV_PROJECT", "UV_CONFIG_FILE", "UV_WORKING_DIRECTORY"}

func uvSync(c pkgcache.Command, args []string, known []bool) (Install, bool, error) {
	sub, at, ok := subcommand(args, known, uvOptions)
	switch {
	case !ok:
		return Install{}, false, nil
	case sub == "pip" && at+1 < len(args) && known[at+1] && (args[at+1] == "install" || args[at+1] == "sync"):
		return Install{}, true, refuse(c, "is an install this pass does not read the manifests of yet")
	case sub != "sync":
		return Install{}, false, nil
	}
	inst := Install{
		Tool:      "uv",
		Manifests: []string{"pyproject.toml"},
		IfPresent: []string{"uv.lock", "uv.toml", ".python-version", ".python-versions"},
		// uv syncs a .venv it finds.
		MustBeAbsent: []string{".venv"},
		dir:          c.Cwd,
	}
	noProject, locked := false, false
	if v, ok := envValue(c, "UV_FROZEN"); ok && truthy(v) {
		inst.frozen = true
	}
	if v, ok := envValue(c, "UV_LOCKED"); ok && truthy(v) {
		locked = true
	}
	err := readOptions(c, args, known, uvOptions, func(i int, a string) error {
		if i == at {
			return nil
		}
		return refuse(c, "has an argument this pass does not know (%s)", a)
	}, func(opt, val string) error {
		switch opt {
		case "--frozen":
			inst.frozen = true
		case "--locked":
			locked = true
		case "--no-install-project", "--no-install-workspace":
			noProject = true
		case "--python", "-p":
			return pythonPath(c, val)
		}
		return nil
	})
	switch {
	case err != nil:
		return Install{}, true, err
	case !noProject:
		return Install{}, true, refuse(c, "installs the project itself from its source (--no-install-project installs only its dependencies)")
	case !inst.frozen && !locked:
		return Install{}, true, refuse(c, "may lock anew and write uv.lock into the project, where the copy of the source then puts its own (--frozen or --locked takes uv.lock as it is)")
	}
	for _, k := range uvRedirects {
		if v, ok := envValue(c, k); ok {
			return Install{}, true, refuse(c, "runs with %s=%s, so uv reads a project or configuration this pass does not check", k, v)
		}
	}
	return inst, true, nil
}

// pythonPath refuses an interpreter given as a path in the project (a
// virtualenv of the source); a version or a name is not a path.
func pythonPath(c pkgcache.Command, v string) error {
	if strings.Contains(v, "/") && inProject(c.Cwd, v) {
		return refuse(c, "runs the interpreter %s, a path in the project", v)
	}
	return nil
}

// pipenvOptions are pipenv install's and sync's options this package
// knows.
var pipenvOptions = optionTable{
	"--deploy": flag, "--system": flag, "--ignore-pipfile": flag, "--dev": flag, "-d": flag, "--clear": flag,
	"--verbose": flag, "-v": flag, "--quiet": flag, "-q": flag, "--site-packages": flag, "--no-site-packages": flag,
	"--python": valued, "--pypi-mirror": valued, "--categories": valued,
}

// pipenvRedirects are variables that make pipenv read another Pipfile or
// dotenv file than the project's.
var pipenvRedirects = []string{"PIPENV_PIPFILE", "PIPENV_DOTENV_LOCATION"}

func pipenvInstall(c pkgcache.Command, args []string, known []bool) (Install, bool, error) {
	sub, at, ok := subcommand(args, known, pipenvOptions)
	if !ok || sub != "install" && sub != "sync" {
		return Install{}, false, nil
	}
	pinned := sub == "sync"
	err := readOptions(c, args, known, pipenvOptions, func(i int, a string) error {
		if i == at {
			return nil
		}
		return refuse(c, "installs %s by name, which also rewrites the Pipfile", a)
	}, func(opt, val string) error {
		switch opt {
		case "--deploy", "--ignore-pipfile":
			pinned = true
		case "--python":
			return pythonPath(c, val)
		}
		return nil
	})
	switch {
	case err != nil:
		return Install{}, true, err
	case !pinned:
		return Install{}, true, refuse(c, "may lock anew and write Pipfile.lock into the project (--deploy or --ignore-pipfile installs from Pipfile.lock as it is)")
	}
	for _, k := range pipenvRedirects {
		if v, ok := envValue(c, k); ok {
			return Install{}, true, refuse(c, "runs with %s=%s, so pipenv reads a file this pass does not check", k, v)
		}
	}
	inst := Install{
		Tool:      "pipenv",
		Manifests: []string{"Pipfile", "Pipfile.lock"},
		IfPresent: []string{".python-version"},
		// pipenv installs into a .venv it finds.
		MustBeAbsent: []string{".venv"},
		dir:          c.Cwd,
	}
	// pipenv loads the project's .env into its environment first.
	if v, ok := envValue(c, "PIPENV_DONT_LOAD_ENV"); !ok || !truthy(v) {
		inst.IfPresent = append(inst.IfPresent, ".env")
	}
	return inst, true, nil
}

func (inst Install) poetryFile(name, base string, data []byte) error {
	switch base {
	case ".python-version":
		return inst.pythonVersion(name, data)
	case "pyproject.toml":
		return inst.poetryPyproject(name, data)
	case "poetry.lock":
		return poetryLock(name, data)
	case "poetry.toml":
		return inst.poetryConfig(name, data)
	}
	return nil
}

func (inst Install) uvFile(name, base string, data []byte) error {
	switch base {
	case ".python-version", ".python-versions":
		return inst.pythonVersion(name, data)
	case "pyproject.toml":
		return inst.uvPyproject(name, data)
	case "uv.lock":
		return uvLock(name, data)
	case "uv.toml":
		doc, err := parseTOML(name, data)
		if err != nil {
			return err
		}
		return inst.uvSettings(name, "", doc)
	}
	return nil
}

func (inst Install) pipenvFile(name, base string, data []byte) error {
	switch base {
	case ".python-version":
		return inst.pythonVersion(name, data)
	case "Pipfile":
		return pipfile(name, data)
	case "Pipfile.lock":
		return pipfileLock(name, data)
	case ".env":
		return dotenv(name, data)
	}
	return nil
}

// pythonVersion reads a .python-version: a version or an implementation
// passes, an interpreter by a path in the project (a virtualenv of the
// source) does not.
func (inst Install) pythonVersion(name string, data []byte) error {
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") {
			continue
		}
		if strings.ContainsAny(line, `/\`) && inst.inProject(line) {
			return refuseFile(name, "names the interpreter %s, a path in the project", line)
		}
	}
	return nil
}

func parseTOML(name string, data []byte) (map[string]any, error) {
	var doc map[string]any
	if err := toml.Unmarshal(data, &doc); err != nil {
		return nil, refuseFile(name, "cannot be read as TOML (%v)", firstLine(err.Error()))
	}
	return doc, nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

// table returns the table at a path of keys, nil when there is none.
func table(doc map[string]any, keys ...string) map[string]any {
	t := doc
	for _, k := range keys {
		next, ok := t[k].(map[string]any)
		if !ok {
			return nil
		}
		t = next
	}
	return t
}

// tables returns the elements of an array of tables that are tables.
func tables(v any) []map[string]any {
	var out []map[string]any
	list, _ := v.([]any)
	for _, e := range list {
		if t, ok := e.(map[string]any); ok {
			out = append(out, t)
		}
	}
	if t, ok := v.([]map[string]any); ok {
		out = append(out, t...)
	}
	return out
}

// pep508Name is a requirement by name: a distribution name, extras, and
// version specifiers, with or without parentheses; nothing of it can be a
// path or a URL.
var pep508Name = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?\s*(\[[A-Za-z0-9._,\s-]*\])?[\s()<>=!~,.*+A-Za-z0-9_-]*$`)

// localRequirement tells whether a PEP 508 requirement may name something
// of the project: a direct reference that is no remote URL, or anything
// that is no requirement by name.
func localRequirement(spec string) bool {
	s, _, _ := strings.Cut(spec, ";")
	s = strings.TrimSpace(s)
	if name, url, ok := strings.Cut(s, "@"); ok {
		return !pep508Name.MatchString(strings.TrimSpace(name)) || !remoteURL(url)
	}
	return !pep508Name.MatchString(s)
}

// requirements refuses a local requirement in a list of them (a table of
// such lists when grouped): where names the list for the user.
func requirements(name, where string, v any) error {
	switch v := v.(type) {
	case string:
		if localRequirement(v) {
			return refuseFile(name, "requires %q (%s), which may be a path in the project", v, where)
		}
	case []any:
		for _, e := range v {
			if err := requirements(name, where, e); err != nil {
				return err
			}
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			if k == "include-group" {
				continue // a dependency group naming another
			}
			if err := requirements(name, where+"."+k, v[k]); err != nil {
				return err
			}
		}
	}
	return nil
}

// pep621 refuses a local requirement of the [project] table or of the
// dependency groups.
func pep621(name string, doc map[string]any) error {
	project := table(doc, "project")
	if err := requirements(name, "project.dependencies", project["dependencies"]); err != nil {
		return err
	}
	if err := requirements(name, "project.optional-dependencies", project["optional-dependencies"]); err != nil {
		return err
	}
	return requirements(name, "dependency-groups", doc["dependency-groups"])
}

// poetryPyproject reads pyproject.toml for poetry: plugins, path and
// develop dependencies, local sources and PEP 621 requirements make the
// install read more of the project.
func (inst Install) poetryPyproject(name string, data []byte) error {
	doc, err := parseTOML(name, data)
	if err != nil {
		return err
	}
	poetry := table(doc, "tool", "poetry")
	if _, ok := poetry["requires-plugins"]; ok {
		return refuseFile(name, "requires Poetry plugins ([tool.poetry.requires-plugins]), which run code that may read any file of the project")
	}
	for _, k := range slices.Sorted(maps.Keys(table(doc, "tool"))) {
		if strings.HasPrefix(k, "poetry-") {
			return refuseFile(name, "configures the Poetry plugin %s ([tool.%s]), which may read any file of the project", k, k)
		}
	}
	sections := map[string]map[string]any{
		"tool.poetry.dependencies":     table(poetry, "dependencies"),
		"tool.poetry.dev-dependencies": table(poetry, "dev-dependencies"),
	}
	for g, t := range table(poetry, "group") {
		if t, ok := t.(map[string]any); ok {
			sections["tool.poetry.group."+g+".dependencies"] = table(t, "dependencies")
		}
	}
	for _, s := range slices.Sorted(maps.Keys(sections)) {
		deps := sections[s]
		for _, dep := range slices.Sorted(maps.Keys(deps)) {
			if err := poetryConstraint(name, s, dep, deps[dep]); err != nil {
				return err
			}
		}
	}
	for _, src := range tables(poetry["source"]) {
		if url, ok := src["url"].(string); ok && !remoteURL(url) {
			return refuseFile(name, "takes packages from the source %v at %s, which may be a directory of the project", src["name"], url)
		}
	}
	return pep621(name, doc)
}

// poetryConstraint refuses a dependency that poetry takes from the project:
// a path, a develop install, a git repository or URL that is not remote; a
// list holds several constraints.
func poetryConstraint(name, section, dep string, v any) error {
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			if err := poetryConstraint(name, section, dep, e); err != nil {
				return err
			}
		}
	case map[string]any:
		if p, ok := v["path"]; ok {
			return refuseFile(name, "takes %s from %v, a path in the project ([%s])", dep, p, section)
		}
		if d, ok := v["develop"].(bool); ok && d {
			return refuseFile(name, "installs %s in develop mode ([%s])", dep, section)
		}
		for _, k := range []string{"git", "url"} {
			if s, ok := v[k]; ok {
				if s, _ := s.(string); !remoteURL(s) {
					return refuseFile(name, "takes %s from %s, which may be a path in the project ([%s])", dep, s, section)
				}
			}
		}
	}
	return nil
}

// poetryConfig reads a poetry.toml: a cache, virtualenv or certificate
// path in the project, or a repository that is no remote URL.
func (inst Install) poetryConfig(name string, data []byte) error {
	doc, err := parseTOML(name, data)
	if err != nil {
		return err
	}
	if v, ok := doc["cache-dir"]; ok {
		if s, _ := v.(string); inst.inProject(s) {
			return refuseFile(name, "sets cache-dir to %v, a path in the project", v)
		}
	}
	if v, ok := table(doc, "virtualenvs")["path"]; ok {
		// {cache-dir} is poetry's cache, which the check above places.
		if s, _ := v.(string); !strings.HasPrefix(s, "{cache-dir}") && inst.inProject(s) {
			return refuseFile(name, "sets virtualenvs.path to %v, a path in the project", v)
		}
	}
	certs := table(doc, "certificates")
	for _, repo := range slices.Sorted(maps.Keys(certs)) {
		t, _ := certs[repo].(map[string]any)
		for _, k := range []string{"cert", "client-cert"} {
			if v, ok := t[k]; ok {
				if s, isPath := v.(string); isPath && inst.inProject(s) {
					return refuseFile(name, "sets certificates.%s.%s to %s, a path in the project", repo, k, s)
				}
			}
		}
	}
	repos := table(doc, "repositories")
	for _, repo := range slices.Sorted(maps.Keys(repos)) {
		t, _ := repos[repo].(map[string]any)
		if url, ok := t["url"].(string); ok && !remoteURL(url) {
			return refuseFile(name, "takes packages from the repository %s at %s, which may be a directory of the project", repo, url)
		}
	}
	return nil
}

// poetryLock reads poetry.lock: a package from a directory or file, a
// develop install, or a git repository or URL that is not remote.
func poetryLock(name string, data []byte) error {
	var lock struct {
		Package []struct {
			Name    string `toml:"name"`
			Develop any    `toml:"develop"`
			Source  struct {
				Type string `toml:"type"`
				URL  string `toml:"url"`
			} `toml:"source"`
		} `toml:"package"`
	}
	if err := toml.Unmarshal(data, &lock); err != nil {
		return refuseFile(name, "cannot be read as TOML (%v)", firstLine(err.Error()))
	}
	for _, p := range lock.Package {
		switch src := p.Source; {
		case src.Type == "directory" || src.Type == "file":
			return refuseFile(name, "installs %s from the %s %s, a path in the project", p.Name, src.Type, src.URL)
		case src.Type == "git" || src.Type == "url" || src.Type == "legacy":
			if !remoteURL(src.URL) {
				return refuseFile(name, "takes %s from %s, which may be a path in the project", p.Name, src.URL)
			}
		case src.Type != "" && src.Type != "pypi":
			return refuseFile(name, "takes %s from a source this pass does not know (%s)", p.Name, src.Type)
		}
		if d, _ := p.Develop.(bool); d {
			return refuseFile(name, "installs %s in develop mode", p.Name)
		}
	}
	return nil
}

// uvPyproject reads pyproject.toml for uv sync: a workspace, a source that
// is a path or a workspace member, a local requirement or index, and
// metadata uv builds the project to read make it read more of the project.
func (inst Install) uvPyproject(name string, data []byte) error {
	doc, err := parseTOML(name, data)
	if err != nil {
		return err
	}
	uv := table(doc, "tool", "uv")
	if _, ok := uv["workspace"]; ok {
		return refuseFile(name, "declares a uv workspace ([tool.uv.workspace]): packages of the project are part of the install")
	}
	sources := table(uv, "sources")
	for _, dep := range slices.Sorted(maps.Keys(sources)) {
		list := tables(sources[dep])
		if t, ok := sources[dep].(map[string]any); ok {
			list = append(list, t)
		}
		for _, src := range list {
			if err := uvSource(name, dep, src); err != nil {
				return err
			}
		}
	}
	for _, k := range []string{"dev-dependencies", "constraint-dependencies", "override-dependencies", "build-constraint-dependencies"} {
		if err := requirements(name, "tool.uv."+k, uv[k]); err != nil {
			return err
		}
	}
	settings := maps.Clone(uv)
	// cache-keys and build-backend govern builds of the project itself,
	// which --no-install-project leaves out.
	for _, k := range []string{"sources", "cache-keys", "build-backend"} {
		delete(settings, k)
	}
	if err := inst.uvSettings(name, "tool.uv.", settings); err != nil {
		return err
	}
	if err := pep621(name, doc); err != nil {
		return err
	}
	if dyn, _ := table(doc, "project")["dynamic"].([]any); len(dyn) > 0 && !inst.frozen {
		return refuseFile(name, "has dynamic metadata (%v), which uv builds the project to read when it checks uv.lock (--frozen takes uv.lock as it is)", dyn)
	}
	return nil
}

// uvSource refuses a [tool.uv.sources] entry that is a path, a workspace
// member, or a git repository or URL that is not remote.
func uvSource(name, dep string, src map[string]any) error {
	if p, ok := src["path"]; ok {
		return refuseFile(name, "takes %s from %v, a path in the project ([tool.uv.sources])", dep, p)
	}
	if w, ok := src["workspace"]; ok && w != false {
		return refuseFile(name, "takes %s from the workspace ([tool.uv.sources]): packages of the project are part of the install", dep)
	}
	for _, k := range []string{"git", "url"} {
		if s, ok := src[k]; ok {
			if s, _ := s.(string); !remoteURL(s) {
				return refuseFile(name, "takes %s from %s, which may be a path in the project ([tool.uv.sources])", dep, s)
			}
		}
	}
	return nil
}

// uvIndexKeys are uv settings whose values are indexes or find-links
// locations, which must be remote.
var uvIndexKeys = []string{"index-url", "extra-index-url", "find-links", "default-index", "python-install-mirror", "pypy-install-mirror"}

// uvSettings reads uv's settings, of uv.toml or [tool.uv] (prefix names
// the table): a cache in the project, an index or find-links location that
// is no remote URL, and any value that is a file: URL or a relative path.
func (inst Install) uvSettings(name, prefix string, settings map[string]any) error {
	if v, ok := settings["cache-dir"]; ok {
		if s, _ := v.(string); inst.inProject(s) {
			return refuseFile(name, "sets %scache-dir to %v, a path in the project", prefix, v)
		}
	}
	for _, k := range uvIndexKeys {
		var urls []string
		switch v := settings[k].(type) {
		case string:
			urls = []string{v}
		case []any:
			for _, e := range v {
				s, _ := e.(string)
				urls = append(urls, s)
			}
		}
		for _, u := range urls {
			if !remoteURL(u) {
				return refuseFile(name, "sets %s%s to %s, which may be a directory of the project", prefix, k, u)
			}
		}
	}
	for _, idx := range tables(settings["index"]) {
		if u, _ := idx["url"].(string); !remoteURL(u) {
			return refuseFile(name, "has the index %v at %s, which may be a directory of the project", idx["name"], u)
		}
	}
	var walk func(key string, v any) error
	walk = func(key string, v any) error {
		switch v := v.(type) {
		case string:
			if strings.Contains(v, "file:") || strings.HasPrefix(v, "./") || strings.HasPrefix(v, "../") {
				return refuseFile(name, "sets %s to %s, a path in the project", key, v)
			}
		case []any:
			for _, e := range v {
				if err := walk(key, e); err != nil {
					return err
				}
			}
		case map[string]any:
			for _, k := range slices.Sorted(maps.Keys(v)) {
				if err := walk(key+"."+k, v[k]); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, k := range slices.Sorted(maps.Keys(settings)) {
		if err := walk(prefix+k, settings[k]); err != nil {
			return err
		}
	}
	return nil
}

// uvLock reads uv.lock: workspace members, and a package from a path, an
// editable or virtual install other than the project's own ("."), a local
// index, or a distribution file of the project.
func uvLock(name string, data []byte) error {
	var lock struct {
		Manifest struct {
			Members []string `toml:"members"`
		} `toml:"manifest"`
		Package []struct {
			Name   string           `toml:"name"`
			Source map[string]any   `toml:"source"`
			Sdist  map[string]any   `toml:"sdist"`
			Wheels []map[string]any `toml:"wheels"`
		} `toml:"package"`
	}
	if err := toml.Unmarshal(data, &lock); err != nil {
		return refuseFile(name, "cannot be read as TOML (%v)", firstLine(err.Error()))
	}
	if len(lock.Manifest.Members) > 0 {
		return refuseFile(name, "lists the workspace members %s: packages of the project are part of the install", strings.Join(lock.Manifest.Members, ", "))
	}
	for _, p := range lock.Package {
		for _, k := range slices.Sorted(maps.Keys(p.Source)) {
			s, _ := p.Source[k].(string)
			switch k {
			case "registry", "git", "url":
				if !remoteURL(s) {
					return refuseFile(name, "takes %s from %s, which may be a path in the project", p.Name, s)
				}
			case "editable", "virtual":
				if s != "." {
					return refuseFile(name, "installs %s from %s, a path in the project", p.Name, s)
				}
			case "path", "directory":
				return refuseFile(name, "installs %s from %s, a path in the project", p.Name, s)
			default:
				return refuseFile(name, "takes %s from a source this pass does not know (%s)", p.Name, k)
			}
		}
		for _, dist := range append([]map[string]any{p.Sdist}, p.Wheels...) {
			if f, ok := dist["path"]; ok {
				return refuseFile(name, "installs %s from the file %v of the project", p.Name, f)
			}
			if u, ok := dist["url"]; ok {
				if u, _ := u.(string); !remoteURL(u) {
					return refuseFile(name, "installs %s from %s, which may be a path in the project", p.Name, u)
				}
			}
		}
	}
	return nil
}

// pipfileSections are a Pipfile's tables that list no packages.
var pipfileSections = []string{"source", "requires", "scripts", "pipenv"}

// pipfile reads a Pipfile: a package from a path, an editable one, a file
// or git repository that is not remote, or a local source.
func pipfile(name string, data []byte) error {
	doc, err := parseTOML(name, data)
	if err != nil {
		return err
	}
	for _, src := range tables(doc["source"]) {
		if url, _ := src["url"].(string); !remoteURL(url) {
			return refuseFile(name, "takes packages from the source %v at %s, which may be a directory of the project", src["name"], url)
		}
	}
	for _, cat := range slices.Sorted(maps.Keys(doc)) {
		pkgs, ok := doc[cat].(map[string]any)
		if !ok || slices.Contains(pipfileSections, cat) {
			continue
		}
		for _, pkg := range slices.Sorted(maps.Keys(pkgs)) {
			if entry, ok := pkgs[pkg].(map[string]any); ok {
				if err := pipenvEntry(name, "["+cat+"]", pkg, entry); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// pipenvEntry refuses a package of a Pipfile or Pipfile.lock that pipenv
// takes from the project.
func pipenvEntry(name, where, pkg string, entry map[string]any) error {
	if p, ok := entry["path"]; ok {
		return refuseFile(name, "takes %s from %v, a path in the project (%s)", pkg, p, where)
	}
	if e, ok := entry["editable"]; ok && e != false {
		return refuseFile(name, "installs %s in editable mode (%s)", pkg, where)
	}
	for _, k := range []string{"file", "git"} {
		if s, ok := entry[k]; ok {
			if s, _ := s.(string); !remoteURL(s) {
				return refuseFile(name, "takes %s from %s, which may be a path in the project (%s)", pkg, s, where)
			}
		}
	}
	return nil
}

// pipfileLock reads Pipfile.lock: any entry with a path, an editable one,
// a local file or git repository, or a local source.
func pipfileLock(name string, data []byte) error {
	var lock map[string]json.RawMessage
	if err := json.Unmarshal(data, &lock); err != nil {
		return refuseFile(name, "cannot be read as JSON (%v)", err)
	}
	var meta struct {
		Sources []struct {
			Name string `json:"name"`
			URL  string `json:"url"`
		} `json:"sources"`
	}
	if raw, ok := lock["_meta"]; ok {
		if err := json.Unmarshal(raw, &meta); err != nil {
			return refuseFile(name, "cannot be read as JSON (%v)", err)
		}
	}
	for _, src := range meta.Sources {
		if !remoteURL(src.URL) {
			return refuseFile(name, "takes packages from the source %s at %s, which may be a directory of the project", src.Name, src.URL)
		}
	}
	for _, cat := range slices.Sorted(maps.Keys(lock)) {
		if cat == "_meta" {
			continue
		}
		var entries map[string]map[string]any
		if err := json.Unmarshal(lock[cat], &entries); err != nil {
			return refuseFile(name, "cannot be read as JSON (%v)", err)
		}
		for _, pkg := range slices.Sorted(maps.Keys(entries)) {
			if err := pipenvEntry(name, cat, pkg, entries[pkg]); err != nil {
				return err
			}
		}
	}
	return nil
}

// dotenv reads the .env pipenv loads before it installs: any variable it
// sets may change what the install reads (PIP_CONSTRAINT, PIPENV_*, a
// proxy, a path), so only an empty one passes.
func dotenv(name string, data []byte) error {
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, _, _ := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		return refuseFile(name, "sets %s, and pipenv loads .env into its environment before it installs (PIPENV_DONT_LOAD_ENV=1 keeps it out)", strings.TrimSpace(k))
	}
	return nil
}
