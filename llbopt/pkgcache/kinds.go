package pkgcache

// kind is one cache directory a tool uses: its name in reports, how
// concurrent builds may share it and how the tool finds it.
type kind struct {
	tool    string
	sharing string
	rules   []dirRule
	// runtime is set for a directory the installed program reads at run
	// time, unless one of the variables in pure says otherwise: see
	// Cache.Runtime.
	runtime bool
	pure    []envCond
	// noDefault is set for a kind whose rules stop at explicit settings:
	// the tool's default directory depends on files the image has, which
	// are not known here, so without a setting the cache is left out.
	// It says why, for the report.
	noDefault string
	// links is set for a tool that hard-links files from its cache into
	// what it installs (pnpm's store, uv's cache, bun's): see Cache.Links.
	links bool
	// project are the directories, relative to the working directory,
	// where the tool installs the project's own files (composer's vendor):
	// a cache directory that is one of them, inside one or above one
	// would swallow them, so it is left out.
	project []string
}

// xdgCache is the XDG cache rules for a tool that follows the spec:
// $XDG_CACHE_HOME/<name>, else $HOME/.cache/<name>.
func xdgCache(name string) []dirRule {
	return []dirRule{{env: "XDG_CACHE_HOME", sub: name}, {home: true, sub: ".cache/" + name}}
}

// rules concatenates rule lists.
func rules(lists ...[]dirRule) []dirRule {
	var out []dirRule
	for _, l := range lists {
		out = append(out, l...)
	}
	return out
}

// kinds lists every cache directory by Cache.Tool. Where a tool reads its
// directory from a config file (pip.conf, .npmrc, go env -w) the default
// is used: those files are not known here.
var kinds = map[string]*kind{
	"pip": {tool: "pip", sharing: SharingShared, rules: rules(
		[]dirRule{{flag: "--cache-dir"}, {env: "PIP_CACHE_DIR"}}, xdgCache("pip"))},
	"uv": {tool: "uv", sharing: SharingShared, links: true, rules: rules(
		[]dirRule{{flag: "--cache-dir"}, {env: "UV_CACHE_DIR"}}, xdgCache("uv"))},
	"poetry": {tool: "poetry", sharing: SharingLocked, rules: rules(
		[]dirRule{{env: "POETRY_CACHE_DIR"}}, xdgCache("pypoetry")),
		// Poetry's virtualenvs live in <cache-dir>/virtualenvs unless
		// these say they do not.
		runtime: true, pure: []envCond{
			{name: "POETRY_VIRTUALENVS_CREATE", equals: "false"}, {name: "POETRY_VIRTUALENVS_CREATE", equals: "0"},
			{name: "POETRY_VIRTUALENVS_IN_PROJECT", truthy: true}, {name: "POETRY_VIRTUALENVS_PATH"}}},
	"npm": {tool: "npm", sharing: SharingShared, rules: []dirRule{
		{flag: "--cache"}, {env: "npm_config_cache"}, {env: "NPM_CONFIG_CACHE"}, {home: true, sub: ".npm"}}},
	"yarn": {tool: "yarn", sharing: SharingLocked, rules: []dirRule{
		{flag: "--cache-folder"}, {env: "YARN_CACHE_FOLDER"}, {env: "XDG_CACHE_HOME", sub: "yarn"},
		{home: true, rootBase: "/usr/local/share", sub: ".cache/yarn"}}},
	// Yarn Berry's Plug'n'Play loader reads packages from the global
	// cache at run time (enableGlobalCache is the default since Yarn 4).
	"yarn-berry": {tool: "yarn-berry", sharing: SharingShared, runtime: true, rules: []dirRule{
		{env: "YARN_CACHE_FOLDER"}, {env: "YARN_GLOBAL_FOLDER", sub: "cache"},
		{env: "XDG_DATA_HOME", sub: "yarn/berry/cache"}, {home: true, sub: ".yarn/berry/cache"}}},
	"pnpm": {tool: "pnpm", sharing: SharingShared, links: true, rules: []dirRule{
		{flag: "--store-dir"}, {env: "npm_config_store_dir"}, {env: "NPM_CONFIG_STORE_DIR"},
		{env: "pnpm_config_store_dir"}, {env: "PNPM_HOME", sub: "store"},
		{env: "XDG_DATA_HOME", sub: "pnpm/store"}, {home: true, sub: ".local/share/pnpm/store"}}},
	"go-mod": {tool: "go-mod", sharing: SharingShared, rules: []dirRule{
		{env: "GOMODCACHE"}, {env: "GOPATH", list: true, sub: "pkg/mod"}, {home: true, sub: "go/pkg/mod"}}},
	"go-build": {tool: "go-build", sharing: SharingShared, rules: rules(
		[]dirRule{{env: "GOCACHE"}}, xdgCache("go-build"))},
	"apt-lists":    {tool: "apt-lists", sharing: SharingLocked, rules: []dirRule{{fixed: "/var/lib/apt/lists"}}},
	"apt-archives": {tool: "apt-archives", sharing: SharingLocked, rules: []dirRule{{fixed: "/var/cache/apt"}}},
	"apk": {tool: "apk", sharing: SharingLocked, rules: []dirRule{
		{flag: "--cache-dir"}, {fixed: "/etc/apk/cache"}}},
	"cargo-registry": {tool: "cargo-registry", sharing: SharingLocked, rules: []dirRule{
		{env: "CARGO_HOME", sub: "registry"}, {home: true, sub: ".cargo/registry"}}},
	"cargo-git": {tool: "cargo-git", sharing: SharingLocked, rules: []dirRule{
		{env: "CARGO_HOME", sub: "git"}, {home: true, sub: ".cargo/git"}}},
	"maven": {tool: "maven", sharing: SharingLocked, rules: []dirRule{
		{flag: "-Dmaven.repo.local"}, {home: true, sub: ".m2/repository"}}},
	"maven-wrapper": {tool: "maven-wrapper", sharing: SharingLocked, rules: []dirRule{
		{env: "MAVEN_USER_HOME", sub: "wrapper"}, {home: true, sub: ".m2/wrapper"}}},
	"gradle": {tool: "gradle", sharing: SharingShared, rules: []dirRule{
		{flag: "--gradle-user-home", sub: "caches"}, {flag: "-g", sub: "caches"},
		{env: "GRADLE_USER_HOME", sub: "caches"}, {home: true, sub: ".gradle/caches"}}},
	"gradle-wrapper": {tool: "gradle-wrapper", sharing: SharingShared, rules: []dirRule{
		{flag: "--gradle-user-home", sub: "wrapper/dists"}, {flag: "-g", sub: "wrapper/dists"},
		{env: "GRADLE_USER_HOME", sub: "wrapper/dists"}, {home: true, sub: ".gradle/wrapper/dists"}}},
	// Bundler's user cache (Bundler.user_bundle_path("cache")): the
	// compact index, revalidated by ETag on every run, and the .gem files
	// when global_gem_cache is on. The installed gems and their .gem files
	// are under the bundle path or GEM_HOME, which is not mounted.
	"bundler": {tool: "bundler", sharing: SharingLocked, rules: []dirRule{
		{env: "BUNDLE_USER_CACHE"}, {env: "BUNDLE_USER_HOME", sub: "cache"}, {home: true, sub: ".bundle/cache"}},
		project: []string{"vendor", ".bundle"}},
	// Composer's default cache directory depends on whether ~/.composer
	// and /etc/xdg exist (Factory::getHomeDir, getCacheDir), and a mount
	// under ~/.composer would itself make it exist and move COMPOSER_HOME:
	// only the variables are followed.
	"composer": {tool: "composer", sharing: SharingLocked, rules: []dirRule{
		{env: "COMPOSER_CACHE_DIR"}, {env: "COMPOSER_HOME", sub: "cache"}}, project: []string{"vendor"},
		noDefault: "without COMPOSER_CACHE_DIR or COMPOSER_HOME Composer picks its cache directory by which of ~/.composer and /etc/xdg exist in the image"},
	// NuGet's global packages folder is where restored packages are read
	// from, by later builds of the project, by dotnet run, by local tools
	// and by what dotnet build leaves in bin/ (its probing paths point
	// there): only a step whose filesystem does not ship may mount it.
	"nuget": {tool: "nuget", sharing: SharingLocked, runtime: true, rules: []dirRule{
		{flag: "--packages"}, {env: "NUGET_PACKAGES"}, {home: true, sub: ".nuget/packages"}},
		project: []string{"bin", "obj"}},
	// dnf 4 and dnf 5 (/var/cache/libdnf5) keep repository metadata and,
	// with keepcache, packages. Which dnf a name runs is not known here;
	// the unused mount costs nothing.
	"dnf":     {tool: "dnf", sharing: SharingLocked, rules: []dirRule{{fixed: "/var/cache/dnf"}}},
	"libdnf5": {tool: "libdnf5", sharing: SharingLocked, rules: []dirRule{{fixed: "/var/cache/libdnf5"}}},
	"bun": {tool: "bun", sharing: SharingLocked, links: true, rules: []dirRule{
		{flag: "--cache-dir"}, {env: "BUN_INSTALL_CACHE_DIR"}, {home: true, sub: ".bun/install/cache"}},
		project: []string{"node_modules"}},
	// Coursier's cache, which sbt resolves with. It uses ~/.coursier/cache
	// instead when that exists; the mount is then unused. The sbt an image
	// ships resolves from it again when it runs (CMD sbt run), so only a
	// step whose filesystem does not ship may mount it.
	"coursier": {tool: "coursier", sharing: SharingLocked, runtime: true, rules: []dirRule{
		{env: "COURSIER_CACHE"}, {home: true, sub: ".cache/coursier/v1"}},
		project: []string{"target", "project"}},
}

// runsFrom tells whether the program a command installs may read the
// kind's directory at run time, in the command's environment.
func (k *kind) runsFrom(sc *scope) bool {
	if !k.runtime {
		return false
	}
	for _, e := range k.pure {
		if v, ok := sc.env(e.name); ok && v.known && e.holds(v.val) {
			return false
		}
	}
	return true
}
