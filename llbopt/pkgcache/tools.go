package pkgcache

import "strings"

// tool is how one package manager is recognized: its names, the commands
// that use which caches, and what defeats them.
type tool struct {
	names     []string
	versioned bool     // names also match with a version suffix: pip3, pip3.12
	valueOpts []string // options that take the next word as their value
	skip      []string // options that make it print and exit: --version
	uses      []use
	flags     []flagDefeat
	envs      []envCond // variables that defeat the cache
	cmds      []cmdDefeat
	offline   []string  // options that forbid the network
	offEnvs   []envCond // variables that forbid the network
}

// use is a command of a tool that uses caches.
type use struct {
	sub     []string // the leading positional words: "install", "mod download"
	bare    bool     // matches only with no positional word: yarn
	minArgs int      // matches with at least this many positional words, whatever they are: mvn goals
	always  bool     // matches every invocation: gradle
	needs   []string // only with one of these options
	caches  []string // kinds
}

// flagDefeat is an option that turns a cache off.
type flagDefeat struct {
	flag    string
	cache   string
	replace string // the option to write instead; "" drops it
	note    string
}

// envCond is a variable that matters when set: to any non-empty value, to
// a true value, or to one value.
type envCond struct {
	name   string
	truthy bool
	equals string
	cache  string // for a defeat: the kind it defeats
}

// cmdDefeat is a command of the tool that empties a cache.
type cmdDefeat struct {
	sub   []string
	flag  string // only with this option
	cache string
}

// holds reports whether the condition holds for a value.
func (c envCond) holds(val string) bool {
	switch {
	case c.equals != "":
		return val == c.equals
	case c.truthy:
		switch strings.ToLower(val) {
		case "1", "true", "yes", "on", "y", "t":
			return true
		}
		return false
	}
	return val != ""
}

// words splits a space-separated list, for short table entries.
func words(s string) []string { return strings.Fields(s) }

// tools is the table of recognized package managers.
var tools = []*tool{pipTool, uvTool, poetryTool, npmTool, yarnTool, pnpmTool, goTool, aptTool, apkTool, cargoTool, mavenTool, mvnwTool, gradleTool, gradlewTool}

var pipTool = &tool{
	names: words("pip"), versioned: true,
	valueOpts: words("--cache-dir --log --proxy --retries --timeout --exists-action --trusted-host --cert --client-cert --python --use-feature --use-deprecated"),
	uses:      []use{{sub: words("install"), caches: words("pip")}, {sub: words("wheel"), caches: words("pip")}, {sub: words("download"), caches: words("pip")}},
	flags:     []flagDefeat{{flag: "--no-cache-dir", cache: "pip"}},
	envs:      []envCond{{name: "PIP_NO_CACHE_DIR", cache: "pip"}},
	cmds:      []cmdDefeat{{sub: words("cache purge"), cache: "pip"}, {sub: words("cache remove"), cache: "pip"}},
}

var uvTool = &tool{
	names:     words("uv"),
	valueOpts: words("--cache-dir --directory --project --config-file --color -p --python"),
	uses: []use{
		{sub: words("pip install"), caches: words("uv")}, {sub: words("pip sync"), caches: words("uv")},
		{sub: words("pip compile"), caches: words("uv")}, {sub: words("sync"), caches: words("uv")},
		{sub: words("lock"), caches: words("uv")}, {sub: words("add"), caches: words("uv")},
		{sub: words("run"), caches: words("uv")}, {sub: words("tool install"), caches: words("uv")},
		{sub: words("build"), caches: words("uv")},
	},
	flags:   []flagDefeat{{flag: "--no-cache", cache: "uv"}, {flag: "-n", cache: "uv"}},
	envs:    []envCond{{name: "UV_NO_CACHE", truthy: true, cache: "uv"}},
	cmds:    []cmdDefeat{{sub: words("cache clean"), cache: "uv"}},
	offline: words("--offline"),
	offEnvs: []envCond{{name: "UV_OFFLINE", truthy: true}},
}

var poetryTool = &tool{
	names:     words("poetry"),
	valueOpts: words("--directory -C --project -P"),
	uses: []use{
		{sub: words("install"), caches: words("poetry")}, {sub: words("add"), caches: words("poetry")},
		{sub: words("lock"), caches: words("poetry")}, {sub: words("update"), caches: words("poetry")},
		{sub: words("sync"), caches: words("poetry")},
	},
	flags: []flagDefeat{{flag: "--no-cache", cache: "poetry"}},
	cmds:  []cmdDefeat{{sub: words("cache clear"), cache: "poetry"}},
}

// npmInstall lists npm's install commands and their aliases.
var npmInstall = words("install i in ins inst insta instal isnt isnta isntal isntall add ci clean-install ic install-clean isntall-clean install-test it install-ci-test cit update up upgrade udpate")

var npmTool = &tool{
	names:     words("npm"),
	valueOpts: words("--prefix -C --cache --registry --userconfig --loglevel -w --workspace"),
	uses:      subUses(npmInstall, "npm"),
	cmds:      []cmdDefeat{{sub: words("cache clean"), cache: "npm"}, {sub: words("cache clear"), cache: "npm"}, {sub: words("cache rm"), cache: "npm"}},
	offline:   words("--offline"),
	offEnvs:   []envCond{{name: "npm_config_offline", truthy: true}, {name: "NPM_CONFIG_OFFLINE", truthy: true}},
}

var yarnTool = &tool{
	names:     words("yarn"),
	valueOpts: words("--cache-folder --modules-folder --cwd --mutex --network-timeout --registry --global-folder --link-folder --proxy --https-proxy"),
	uses: append(subUses(words("install add upgrade up"), "yarn yarn-berry"),
		use{bare: true, caches: words("yarn yarn-berry")}, use{sub: words("global add"), caches: words("yarn")}),
	cmds:    []cmdDefeat{{sub: words("cache clean"), cache: "yarn"}, {sub: words("cache clean"), cache: "yarn-berry"}},
	offline: words("--offline"),
}

var pnpmTool = &tool{
	names:     words("pnpm"),
	valueOpts: words("--store-dir --dir -C --filter -F --reporter --registry --workspace-root"),
	uses:      subUses(words("install i add update up fetch"), "pnpm"),
	cmds:      []cmdDefeat{{sub: words("store prune"), cache: "pnpm"}},
	offline:   words("--offline"),
}

var goTool = &tool{
	names: words("go"),
	uses: append(subUses(words("build install test run vet generate tool"), "go-mod go-build"),
		use{sub: words("mod download"), caches: words("go-mod")}, use{sub: words("mod tidy"), caches: words("go-mod")},
		use{sub: words("mod vendor"), caches: words("go-mod")}, use{sub: words("mod verify"), caches: words("go-mod")},
		use{sub: words("get"), caches: words("go-mod")}, use{sub: words("list"), caches: words("go-mod")}),
	cmds: []cmdDefeat{
		{sub: words("clean"), flag: "-modcache", cache: "go-mod"},
		{sub: words("clean"), flag: "-cache", cache: "go-build"},
		{sub: words("clean"), flag: "-testcache", cache: "go-build"},
	},
	offEnvs: []envCond{{name: "GOPROXY", equals: "off"}},
}

var aptTool = &tool{
	names:     words("apt-get apt"),
	valueOpts: words("-o --option -c --config-file -t --target-release --default-release"),
	uses: append(subUses(words("install upgrade dist-upgrade full-upgrade build-dep reinstall source"), "apt-archives"),
		use{sub: words("update"), caches: words("apt-lists")}),
	cmds: []cmdDefeat{{sub: words("clean"), cache: "apt-archives"}, {sub: words("autoclean"), cache: "apt-archives"}},
}

var apkTool = &tool{
	names:     words("apk"),
	valueOpts: words("-X --repository -p --root --cache-dir --arch --keys-dir --repositories-file"),
	uses: []use{
		{sub: words("update"), caches: words("apk")},
		{sub: words("add"), needs: apkRefresh, caches: words("apk")},
		{sub: words("upgrade"), needs: apkRefresh, caches: words("apk")},
	},
	flags: []flagDefeat{{flag: "--no-cache", cache: "apk", replace: "--update-cache"}},
	cmds:  []cmdDefeat{{sub: words("cache purge"), cache: "apk"}},
}

// apkRefresh are the apk options that fetch the index in the command
// itself, so that an empty cache mount does not hide the one a previous
// layer left.
var apkRefresh = words("--no-cache -U --update-cache --update")

var cargoTool = &tool{
	names:     words("cargo"),
	valueOpts: words("--config -Z -C --color"),
	uses:      subUses(words("build b install fetch test t run r check c clippy doc d update vendor generate-lockfile bench"), "cargo-registry cargo-git"),
	offline:   words("--offline --frozen"),
	offEnvs:   []envCond{{name: "CARGO_NET_OFFLINE", truthy: true}},
}

var mavenTool = &tool{
	names:     words("mvn"),
	valueOpts: words("-s --settings -gs --global-settings -f --file -pl --projects -P --activate-profiles -T --threads -l --log-file -t --toolchains -rf --resume-from -b --builder"),
	skip:      words("-v --version -h --help"),
	uses:      []use{{minArgs: 1, caches: words("maven")}},
	offline:   words("-o --offline"),
}

var mvnwTool = &tool{
	names:     words("mvnw"),
	valueOpts: mavenTool.valueOpts,
	skip:      mavenTool.skip,
	uses:      []use{{minArgs: 1, caches: words("maven maven-wrapper")}},
	offline:   mavenTool.offline,
}

var gradleTool = &tool{
	names:     words("gradle"),
	valueOpts: words("-g --gradle-user-home -p --project-dir -b --build-file -c --settings-file -I --init-script -x --exclude-task --project-cache-dir"),
	skip:      words("-v --version -h --help -?"),
	uses:      []use{{always: true, caches: words("gradle")}},
	offline:   words("--offline"),
}

var gradlewTool = &tool{
	names:     words("gradlew"),
	valueOpts: gradleTool.valueOpts,
	skip:      gradleTool.skip,
	uses:      []use{{always: true, caches: words("gradle gradle-wrapper")}},
	offline:   gradleTool.offline,
}

// subUses returns one use per subcommand, each using the same caches.
func subUses(subs []string, caches string) []use {
	out := make([]use, 0, len(subs))
	for _, s := range subs {
		out = append(out, use{sub: []string{s}, caches: words(caches)})
	}
	return out
}

// toolNamed returns the tool a command name (a base name) invokes.
func toolNamed(name string) *tool {
	for _, t := range tools {
		if t.named(name) {
			return t
		}
	}
	return nil
}

// named reports whether the base name invokes the tool.
func (t *tool) named(name string) bool {
	for _, n := range t.names {
		if name == n || t.versioned && isVersion(strings.TrimPrefix(name, n)) && strings.HasPrefix(name, n) {
			return true
		}
	}
	return false
}

// isVersion reports whether s is a version suffix: "3", "3.12".
func isVersion(s string) bool {
	if s == "" || s[0] < '0' || s[0] > '9' {
		return false
	}
	return strings.Trim(s, "0123456789.") == ""
}
