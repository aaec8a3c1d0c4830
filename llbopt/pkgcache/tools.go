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
	// breaks is set for a command that deletes the directory itself, not
	// only its contents: on the mount point that fails, so the step keeps
	// no mount (Defeat.Breaks).
	breaks bool
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
var tools = []*tool{pipTool, uvTool, poetryTool, npmTool, yarnTool, pnpmTool, goTool, aptTool, apkTool, cargoTool, mavenTool, mvnwTool, gradleTool, gradlewTool,
	bundlerTool, composerTool, dotnetTool, dnfTool, dnf5Tool, bunTool, sbtTool}

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

// bundlerTool is Bundler: bare bundle is bundle install. gem install is
// not here: RubyGems downloads into GEM_HOME/cache, inside the install
// directory the image ships.
var bundlerTool = &tool{
	names:     words("bundle bundler"),
	valueOpts: words("--gemfile --path --jobs -j --retry --without --with --binstubs --shebang --standalone --trust-policy --target-rbconfig"),
	skip:      words("-v --version -h --help"),
	uses:      append(subUses(words("install update lock cache package add"), "bundler"), use{bare: true, caches: words("bundler")}),
	offline:   words("--local"),
}

// composerTool is Composer's commands that download packages.
var composerTool = &tool{
	names:     words("composer"),
	valueOpts: words("-d --working-dir"),
	skip:      words("-V --version -h --help"),
	uses: append(subUses(words("install i update u upgrade require r create-project reinstall"), "composer"),
		use{sub: words("global require"), caches: words("composer")}, use{sub: words("global update"), caches: words("composer")}),
	flags: []flagDefeat{{flag: "--no-cache", cache: "composer"}},
	cmds: []cmdDefeat{{sub: words("clear-cache"), cache: "composer"}, {sub: words("clearcache"), cache: "composer"},
		{sub: words("cc"), cache: "composer"}},
	offEnvs: []envCond{{name: "COMPOSER_DISABLE_NETWORK", truthy: true}, {name: "COMPOSER_DISABLE_NETWORK", equals: "prime"}},
}

// dotnetTool is the .NET CLI's commands that restore NuGet packages.
// --no-restore makes a build read only what an earlier restore left.
var dotnetTool = &tool{
	names:     words("dotnet"),
	valueOpts: words("-c --configuration -o --output -r --runtime -f --framework -s --source -v --verbosity -a --arch --os --packages --configfile -p --property --version-suffix"),
	skip:      words("--info --version --list-sdks --list-runtimes -h --help"),
	uses:      subUses(words("restore build publish test pack"), "nuget"),
	// dotnet nuget locals --clear deletes the folder, which on the mount
	// point fails; all also clears the HTTP cache, which is not mounted,
	// so it cannot become true either.
	cmds: []cmdDefeat{
		{sub: words("nuget locals all"), flag: "--clear", cache: "nuget", breaks: true},
		{sub: words("nuget locals all"), flag: "-c", cache: "nuget", breaks: true},
		{sub: words("nuget locals global-packages"), flag: "--clear", cache: "nuget", breaks: true},
		{sub: words("nuget locals global-packages"), flag: "-c", cache: "nuget", breaks: true},
	},
	offline: words("--no-restore"),
}

// dnfSubs are the dnf commands that resolve packages from the metadata.
var dnfSubs = words("install in reinstall upgrade update up upgrade-minimal distro-sync dsync downgrade makecache mc group groupinstall builddep swap")

// dnfRefresh are the options that make dnf check every repository's
// metadata against the server in the command itself. Without them a
// mounted cache's metadata, younger than metadata_expire, would be used
// as it is, and could pick older packages than a fresh build.
var dnfRefresh = words("--refresh")

// dnfUses are the uses of a dnf that caches in the given kinds.
func dnfUses(caches string) []use {
	out := make([]use, 0, len(dnfSubs))
	for _, s := range dnfSubs {
		out = append(out, use{sub: []string{s}, needs: dnfRefresh, caches: words(caches)})
	}
	return out
}

// dnfOpts are dnf's options that take the next word as their value.
var dnfOpts = words("-c --config --installroot --releasever --setopt --repo --repoid --enablerepo --disablerepo -x --exclude --forcearch -d --debuglevel -e --errorlevel --comment --color --destdir --downloaddir --advisory --advisories --bz --cve --sec-severity --secseverity")

// dnfTool is dnf, and yum where it is dnf (yum 3 has no --refresh): dnf 4
// or dnf 5, which is not known here.
var dnfTool = &tool{
	names:     words("dnf yum dnf-3"),
	valueOpts: dnfOpts,
	uses:      dnfUses("dnf libdnf5"),
	// dnf clean is not neutralized here: it empties whichever of the two
	// directories this dnf uses, and if only the other one got its mount,
	// turning it into true would leave metadata in the image that stock's
	// build removes. It empties the contents, not the directory, so on the
	// mount it only empties the cache.
	offline: words("-C --cacheonly"),
}

// dnf5Tool is dnf5 by name: its one cache directory is known, so dnf5
// clean can become true.
var dnf5Tool = &tool{
	names:     words("dnf5"),
	valueOpts: dnfOpts,
	uses:      dnfUses("libdnf5"),
	cmds:      []cmdDefeat{{sub: words("clean"), cache: "libdnf5"}},
	offline:   words("-C --cacheonly"),
}

// bunTool is bun's installs from a frozen lockfile. Without one bun takes
// a version the cache already holds when it is in the range, so the cache
// would choose versions. --backend is skipped: with symlink, node_modules
// would point into the cache.
var bunTool = &tool{
	names:     words("bun"),
	valueOpts: words("--cache-dir --cwd --registry --omit --filter --linker --concurrent-scripts --network-concurrency -c --config"),
	skip:      words("--backend --backend=symlink -v --version -h --help"),
	uses: []use{
		{sub: words("install"), needs: words("--frozen-lockfile"), caches: words("bun")},
		{sub: words("i"), needs: words("--frozen-lockfile"), caches: words("bun")},
		{sub: words("ci"), caches: words("bun")},
	},
}

// sbtTool is sbt: every invocation may resolve.
var sbtTool = &tool{
	names:     words("sbt"),
	valueOpts: words("-java-home --java-home -sbt-dir --sbt-dir -ivy --ivy -sbt-boot --sbt-boot -mem --mem -sbt-version --sbt-version -sbt-jar --sbt-jar -jvm-debug --jvm-debug"),
	skip:      words("-h --help -V --version --numeric-version --script-version"),
	uses:      []use{{always: true, caches: words("coursier")}},
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
