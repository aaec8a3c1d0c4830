// Package pkgcache recognizes the package-manager commands an ExecOp runs
// and resolves the cache directories they use, without a daemon.
//
// # Reading the command
//
// Analyze takes the argv, environment, user and working directory of an
// exec. Shell scripts are parsed with mvdan.cc/sh/v3/syntax and walked;
// nothing is matched against the raw text. A script is read from:
//
//   - the shell form: dockerfile2llb runs [shell..., script], with the
//     shell /bin/sh -c or whatever SHELL set (bash -o pipefail -c ...);
//   - sh -c, bash -c ... inside a script or in the exec form, when the
//     script is a literal;
//   - a here-document or here-string fed to a shell (bash <<EOF). A RUN
//     <<EOF with no shebang reaches the exec as its body run by the shell;
//     RUN cmd <<EOF is rebuilt as a script holding the here-document; RUN
//     <<EOF with a shebang runs a mounted file, /dev/pipes/EOF, whose text
//     is not in the exec, so nothing is found there.
//
// sh, dash and ash scripts are parsed as bash, then as POSIX if that
// fails; bash, zsh and ksh have their own parsers. Other shells (cmd,
// powershell) are not read. A script that does not parse sets
// Result.Unparsed and nothing else.
//
// Only a command name the shell sees literally counts, quotes removed and
// the directory dropped (/usr/bin/pip is pip): $PIP install, echo pip
// install, comments and printf arguments do not. A name the script
// defined as a function is the function. The walk follows &&, ||, ;,
// pipelines, subshells, blocks, if, case and loop bodies, function bodies
// (as if they ran where defined), command substitutions, and the wrappers
// env, sudo, exec, command, time, nice, nohup and timeout. It tracks
// variables (VAR=x cmd, export, unset, env, sudo's reset), cd, and
// python -m pip. A value it cannot know (a command substitution, a
// variable from a sourced file) makes what depends on it unresolved,
// never guessed: Result.Unresolved says so and the cache is left out.
//
// # Users and HOME
//
// The user is resolved as BuildKit does (executor/oci.GetUser): "" is uid
// 0; "uid:gid" needs no passwd entry; a name needs one, from the Lookup
// the caller reads from the image's /etc/passwd; a group name keeps the
// user's primary gid, /etc/group not being known here. A cache used by a
// non-root user gets an Owner so that the mount is writable. The Owner
// covers the mount only: parents of Dir that the image lacks are made by
// the runtime as root, so during that RUN the user cannot create siblings
// of Dir in them (BuildKit removes them afterwards when empty).
//
// BuildKit does not set HOME: dockerfile2llb passes the image's ENV, and
// runc, when HOME is missing or empty, sets it to the passwd home of the
// uid, or "/" when the uid has none. Analyze does the same; without a
// Lookup it takes /root for uid 0 and leaves other users' home unknown.
//
// # Tools and directories
//
//   - pip (pip, pip3, pip3.12, python -m pip) install/wheel/download:
//     --cache-dir, PIP_CACHE_DIR, $XDG_CACHE_HOME/pip, ~/.cache/pip.
//   - uv pip install/sync/compile, sync, lock, add, run, tool install,
//     build: --cache-dir, UV_CACHE_DIR, $XDG_CACHE_HOME/uv, ~/.cache/uv.
//   - poetry install/add/lock/update/sync: POETRY_CACHE_DIR,
//     $XDG_CACHE_HOME/pypoetry, ~/.cache/pypoetry. No pip cache: Poetry
//     downloads and installs with its own installer.
//   - npm install/ci and their aliases, update: --cache,
//     npm_config_cache (either case), ~/.npm. npm run is not an install.
//   - yarn, yarn install/add/upgrade: the yarn 1 cache (--cache-folder,
//     YARN_CACHE_FOLDER, $XDG_CACHE_HOME/yarn, ~/.cache/yarn, and for root
//     /usr/local/share/.cache/yarn, as yarn 1 puts it) and the yarn 2+
//     global cache (YARN_GLOBAL_FOLDER/cache, $XDG_DATA_HOME/yarn/berry/cache,
//     ~/.yarn/berry/cache). Which yarn runs is not known here; the unused
//     mount costs nothing and BuildKit removes its empty mount point.
//   - pnpm install/add/update/fetch: the store, --store-dir,
//     npm_config_store_dir, pnpm_config_store_dir, $PNPM_HOME/store,
//     $XDG_DATA_HOME/pnpm/store, ~/.local/share/pnpm/store. pnpm puts its
//     versioned store (v10) under it, and copies instead of hard-linking
//     across the mount.
//   - go build/install/test/run/vet/generate/tool: the module cache
//     (GOMODCACHE, the first GOPATH entry's pkg/mod, ~/go/pkg/mod) and the
//     build cache (GOCACHE, $XDG_CACHE_HOME/go-build, ~/.cache/go-build);
//     go mod download/tidy/vendor/verify, go get and go list only the
//     module cache. go version, go env and go fmt use neither.
//   - apt-get/apt update: /var/lib/apt/lists; install, upgrade,
//     dist-upgrade, full-upgrade, build-dep, reinstall, source:
//     /var/cache/apt. Lists are mounted only where update runs: an install
//     alone relies on the lists an earlier layer left, which an empty
//     mount would hide.
//   - apk update, and apk add/upgrade with --no-cache, -U or
//     --update-cache: /etc/apk/cache (or --cache-dir). apk caches packages
//     and indexes only when /etc/apk/cache exists, and the mount makes it
//     exist; /var/cache/apk would hold only the indexes. An add that
//     refreshes no index relies on an earlier layer's and is left alone.
//   - cargo build/install/fetch/test/run/check/...: $CARGO_HOME/registry
//     and $CARGO_HOME/git (CARGO_HOME else ~/.cargo).
//   - mvn with a goal: -Dmaven.repo.local, else ~/.m2/repository; mvnw
//     also ~/.m2/wrapper (MAVEN_USER_HOME). gradle, gradlew: the caches
//     directory of --gradle-user-home, -g, GRADLE_USER_HOME or ~/.gradle;
//     gradlew also wrapper/dists.
//   - bundle, bundler (bare, install, update, lock, cache, package, add):
//     Bundler's user cache, BUNDLE_USER_CACHE, $BUNDLE_USER_HOME/cache,
//     ~/.bundle/cache (Bundler.user_bundle_path). It holds the compact
//     index, revalidated by ETag on every run, and .gem files only with
//     global_gem_cache; the installed gems stay where they were. bundle
//     install --local is offline.
//   - composer install/update/upgrade/require/create-project/reinstall,
//     global require/update: COMPOSER_CACHE_DIR, $COMPOSER_HOME/cache.
//     Without either the cache is unresolved: Composer chooses between
//     ~/.composer/cache and $XDG_CACHE_HOME/composer by whether ~/.composer
//     and /etc/xdg exist (Factory::getCacheDir), which is not known here,
//     and a mount under ~/.composer would itself create it and move
//     COMPOSER_HOME. COMPOSER_DISABLE_NETWORK makes it offline.
//   - dotnet restore/build/publish/test/pack: NuGet's global packages
//     folder, --packages, NUGET_PACKAGES, ~/.nuget/packages. Restored
//     packages are read from there by later builds, dotnet run, local
//     tools and what dotnet build leaves in bin/, so the cache is Runtime:
//     only a stage that does not ship gets it, and a later step that reads
//     it (dotnet publish --no-restore, which is offline) must get it too.
//     NuGet reuses an exact lower-bound version found there and asks the
//     feeds otherwise, so versions are those of a fresh restore.
//   - dnf, yum (where it is dnf) and dnf5, only with --refresh:
//     /var/cache/dnf (dnf 4) and /var/cache/libdnf5 (dnf 5; dnf5 only the
//     latter). Without --refresh, metadata younger than metadata_expire in
//     a mounted cache would be used as it is and could install older
//     versions than a fresh build, as apt's lists would without update;
//     with it every repository's repomd is checked first. Packages stay
//     only with keepcache. -C/--cacheonly is offline.
//   - bun ci, bun install/i --frozen-lockfile: --cache-dir,
//     BUN_INSTALL_CACHE_DIR, ~/.bun/install/cache. Without a frozen
//     lockfile bun takes a version the cache holds when it is in range,
//     so the cache would pick versions. Across the mount bun's hardlink
//     backend falls back to copying; --backend is left alone (symlink
//     would point node_modules into the cache).
//   - sbt: Coursier's cache, COURSIER_CACHE, ~/.cache/coursier/v1 (unused
//     when ~/.coursier/cache exists, which Coursier then prefers). Runtime:
//     an image that ships sbt resolves from it again when it runs.
//     Changing artifacts are rechecked after Coursier's TTL, as Maven's
//     and Gradle's are.
//
// Left out, on purpose:
//
//   - gem install: RubyGems downloads into GEM_HOME/cache, inside the
//     install directory the image ships; Bundler's vendor/cache and bundle
//     path are the installed gems.
//   - NuGet's http-cache (~/.local/share/NuGet/http-cache): feed answers
//     are reused for 30 minutes, so a floating version could resolve
//     differently.
//   - microdnf: its cache directory and whether it can force a metadata
//     check could not be shown.
//   - zypper (/var/cache/zypp): whether a command refreshes metadata
//     depends on each repository's autorefresh in /etc/zypp/repos.d and on
//     repo.refresh.delay, not on the command; a persistent cache can then
//     choose other versions.
//   - conda, mamba, micromamba: the package cache is <root prefix>/pkgs of
//     the installation that runs, or ~/.conda/pkgs when that is not
//     writable, neither known here; it also holds the repodata cache, and
//     with allow_softlinks or always_softlink (in a .condarc not seen here)
//     environments would link into it and dangle in the image. Files that
//     conda hard-links from pkgs would be copies across the mount.
//   - sbt's ~/.sbt (global settings and plugins, and boot, the sbt the
//     launcher runs) and ~/.ivy2 (its local repository is the build's own
//     publishLocal output; its cache is used only without Coursier).
//
// Relative directories resolve against the working directory, cd
// included. Directories set in config files (pip.conf, .npmrc, go env -w,
// settings.xml, composer.json, NuGet.Config, bunfig.toml, dnf.conf) are
// not seen: the mount at the default is then unused. A directory under
// /dev, /proc or /sys (COMPOSER_CACHE_DIR=/dev/null turns Composer's cache
// off), one that holds the working directory, and one that overlaps where
// a tool installs the project's own files (composer's vendor, bun's
// node_modules, dotnet's bin and obj, sbt's target and project, Bundler's
// vendor and .bundle) are unresolved.
//
// Sharing is locked for apt and apk (they break when shared), for cargo
// (its package lock lives in CARGO_HOME, outside the mount), for maven
// and yarn 1 (concurrent writers corrupt them), and for poetry, bundler,
// composer, NuGet, dnf, bun and coursier (no guarantee found that
// concurrent builds may share them); the others lock or write
// atomically and are shared.
//
// # Defeats
//
// A Defeat is what keeps a cache from being reused, with a Fix that
// Neutralize applies to the exec. Once the directory is a cache mount the
// image gets none of its files whatever the command does, so undoing a
// defeat costs nothing the defeat was there for:
//
//   - options: pip --no-cache-dir, uv --no-cache/-n, poetry --no-cache
//     are dropped; apk --no-cache becomes --update-cache, which still
//     fetches a fresh index but keeps it.
//   - variables: PIP_NO_CACHE_DIR (pip turns the cache off for any value,
//     even "false"), UV_NO_CACHE. From the exec's Env they are unset; in
//     the script their assignment is dropped.
//   - options: composer --no-cache is dropped too.
//   - commands: npm cache clean, yarn cache clean, pnpm store prune, pip
//     cache purge, uv cache clean, poetry cache clear, go clean -modcache
//     or -cache, apt-get clean, apk cache purge, composer clear-cache (cc),
//     dnf5 clean, and an rm of a cache's
//     contents (rm -rf /var/lib/apt/lists/*): with the cache mounted they
//     only empty the cache, so they become true. An rm of the cache
//     directory or a parent (rm -rf ~/.cache) would fail on the mount
//     point: that Defeat has Breaks set, as has dotnet nuget locals
//     all|global-packages --clear, which may delete the folder itself and
//     clears caches that are not mounted. dnf clean stays: dnf may be dnf
//     4 or 5, and if only the other directory got its mount, true would
//     leave metadata stock's build removes; it empties the contents only.
//   - Debian and Ubuntu images' /etc/apt/apt.conf.d/docker-clean, whose
//     DPkg::Post-Invoke hooks delete downloaded packages after every dpkg
//     run. -o APT::Keep-Downloaded-Packages=true does not stop those
//     hooks, and editing the file in the script would change the image,
//     so the fix is a read-only file mounted over it for this exec only,
//     holding Binary::apt::APT::Keep-Downloaded-Packages "true" (which
//     also keeps the apt binary from deleting them).
//
// A Cache is marked Offline when its first command cannot fill it (npm
// --offline, mvn -o, cargo --offline/--frozen, yarn/pnpm/gradle/uv
// --offline, GOPROXY=off, dotnet --no-restore, bundle install --local,
// dnf -C, COMPOSER_DISABLE_NETWORK): mounting there hides what an earlier layer
// downloaded.
package pkgcache
