package pkgcache

import "errors"

// Exec is what the classifier needs from an ExecOp.
type Exec struct {
	// Args is the argv: ["/bin/sh", "-c", script] (or the SHELL the
	// Dockerfile set) for the shell form, the argv as written for the exec
	// form.
	Args []string
	// Env holds "KEY=value" pairs; a later pair wins over an earlier one.
	Env []string
	// User is the USER as BuildKit gets it: "", "root", "node", "1000",
	// "1000:1000", "node:node".
	User string
	// Cwd is the working directory; "" means "/".
	Cwd string
}

// Lookup resolves a user name or a numeric uid the way the image's
// /etc/passwd does, giving the uid, the primary gid and the home directory.
// ok is false when the user has no entry. The pass builds it from the
// image's /etc/passwd; a nil Lookup means the file is not known.
type Lookup func(user string) (uid, gid int, home string, ok bool)

// Sharing modes of a cache mount, spelled as BuildKit's cache mount option.
const (
	// SharingShared lets concurrent builds use the directory at once; for
	// tools that lock or write atomically.
	SharingShared = "shared"
	// SharingLocked makes concurrent builds wait for each other; for tools
	// that take a lock outside the directory or break when shared.
	SharingLocked = "locked"
)

// Cache is one cache directory an exec's commands use.
type Cache struct {
	// Tool names the cache: "pip", "npm", "go-mod", "apt-lists"...
	Tool string
	// Dir is the absolute, clean directory, resolved from flags, the
	// environment, the user and the working directory.
	Dir string
	// Sharing is SharingShared or SharingLocked.
	Sharing string
	// Owner is nil when the command runs as uid 0; otherwise the ids the
	// mount must belong to so that the command can write to it.
	Owner *Owner
	// Offline is set when the first command that uses Dir cannot fill it
	// (npm ci --offline, mvn -o, GOPROXY=off...): it only reads what an
	// earlier RUN left there, so a cache mount here, or in that earlier
	// RUN, can make it fail.
	Offline bool
	// Runtime is set when Dir is not a pure cache: what the steps put
	// there is read by the program the image ships (Yarn PnP resolves
	// packages from Yarn's global cache; Poetry makes its virtualenvs
	// under its cache dir unless told otherwise). The image must keep it.
	Runtime bool
	// Links is set when the tool hard-links files from Dir into what it
	// installs where both are on one filesystem: once Dir is a cache
	// mount, it copies them, and the installed files are no longer links
	// of each other (their content is the same).
	Links bool
	// Command is the first command that uses Dir, as written.
	Command string
	// Line is the 1-based line of Command within the script.
	Line int
}

// Owner is the uid and gid a cache mount must belong to.
type Owner struct {
	UID, GID int
}

// Defeat is a flag, variable, command or file that keeps a cache from being
// reused, and how to neutralize it. Once the directory is a cache mount the
// image keeps no cache files whatever the command does, so the fix loses
// nothing the defeat was there for.
type Defeat struct {
	// Tool is the Cache.Tool, in the same Result, that it defeats.
	Tool string
	// What is the flag, assignment, command or file, as written.
	What string
	// Command is the command it belongs to, as written.
	Command string
	// Line is the 1-based line of Command within the script.
	Line int
	// Breaks is set when keeping it fails the build once Dir is mounted: it
	// removes the mount point itself (rm -rf ~/.cache).
	Breaks bool
	// Fix says how to neutralize it.
	Fix Fix
}

// Fix is how to neutralize a Defeat. Neutralize applies Edits and
// UnsetEnv; Mount is the caller's to act on. A Fix with none of them set
// cannot be applied automatically: Note says why.
type Fix struct {
	// Edits rewrite Exec.Args.
	Edits []Edit
	// UnsetEnv is a variable to remove from Exec.Env.
	UnsetEnv string
	// Mount is a file to mount, read-only, over a path for this exec only.
	Mount *FileMount
	// Note explains the fix, or why there is none, in a sentence.
	Note string
}

// Edit replaces the bytes Start to End of Exec.Args[Arg] with Text. An edit
// that leaves an argument empty removes the argument (exec form).
type Edit struct {
	Arg        int
	Start, End int
	Text       string
}

// FileMount is a file with Content to mount at Path.
type FileMount struct {
	Path    string
	Content string
}

// Result is what Analyze found.
type Result struct {
	// Caches are in script order, then by tool, one per directory.
	Caches []Cache
	// Defeats are in script order; each one's Tool is in Caches.
	Defeats []Defeat
	// Unparsed is non-nil when a script could not be parsed; Caches and
	// Defeats are then empty.
	Unparsed error
	// Unresolved is non-nil when a recognized command's directory or user
	// could not be resolved; those caches are left out. It wraps
	// ErrUnknownUser or ErrUnresolvedDir, joined.
	Unresolved error
	// UnresolvedTools are the Cache.Tool names of the caches left out as
	// unresolved, in script order.
	UnresolvedTools []string
}

// ErrUnknownUser is wrapped in Result.Unresolved when the user a command
// runs as cannot be resolved to a uid, or has no known home.
var ErrUnknownUser = errors.New("unknown user")

// ErrUnresolvedDir is wrapped in Result.Unresolved when a cache directory
// depends on something that is not a literal: a variable set by a command
// substitution, a non-literal flag value, an unknown working directory.
var ErrUnresolvedDir = errors.New("cache directory not resolvable")
