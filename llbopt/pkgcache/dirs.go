package pkgcache

import (
	"fmt"
	"path"
	"strconv"
	"strings"
)

// identity is who a command runs as.
type identity struct {
	uid, gid int
	home     string // the passwd home, or runc's default; "" when unknown
	err      error  // non-nil when the user cannot be resolved
}

// owner returns the owner a cache mount needs: nil for root.
func (id identity) owner() *Owner {
	if id.uid == 0 {
		return nil
	}
	return &Owner{UID: id.uid, GID: id.gid}
}

// resolveUser resolves a USER spec as BuildKit and runc would: an empty
// user is uid 0; a numeric uid needs no passwd entry (its gid is then 0,
// its home "/"); a name needs one. The group part, when numeric, sets the
// gid; a group name keeps the user's primary gid, as /etc/group is not
// known here.
func resolveUser(spec string, lookup Lookup) identity {
	name, group, hasGroup := strings.Cut(spec, ":")
	if name == "" {
		name = "0"
	}
	id := userEntry(name, lookup)
	if id.err != nil || !hasGroup {
		return id
	}
	if gid, ok := numericID(group); ok {
		id.gid = gid
	}
	return id
}

// userEntry resolves the user part of a USER spec.
func userEntry(name string, lookup Lookup) identity {
	if lookup != nil {
		if uid, gid, home, ok := lookup(name); ok {
			return identity{uid: uid, gid: gid, home: home}
		}
	}
	uid, numeric := numericID(name)
	switch {
	case numeric && lookup != nil:
		// runc's default when the uid has no passwd entry.
		return identity{uid: uid, home: "/"}
	case numeric && uid == 0:
		return identity{home: "/root"}
	case numeric:
		return identity{uid: uid}
	case lookup == nil && name == "root":
		return identity{home: "/root"}
	}
	return identity{err: fmt.Errorf("resolving user %q: %w", name, ErrUnknownUser)}
}

// numericID parses a uid or gid; "root" is 0, as in BuildKit.
func numericID(s string) (int, bool) {
	if s == "root" {
		return 0, true
	}
	n, err := strconv.ParseUint(s, 10, 31)
	if err != nil {
		return 0, false
	}
	return int(n), true
}

// dirRule is one way a tool finds its cache directory; a kind tries its
// rules in order and the first that applies wins.
type dirRule struct {
	flag     string // an option giving the directory: --cache-dir X, --cache-dir=X
	env      string // a variable giving the directory, or the base for sub
	list     bool   // env is a ':'-separated list: use its first entry (GOPATH)
	home     bool   // the base is the user's home
	rootBase string // for uid 0, this base instead of the home (yarn v1)
	fixed    string // an absolute base
	sub      string // joined to the base
}

// resolveDir returns the cache directory of kind k for a command.
func resolveDir(c *call, k *kind, args []word) (string, error) {
	if err := c.sc.id.err; err != nil {
		return "", err
	}
	for _, r := range k.rules {
		base, ok, err := r.base(c, args)
		if err != nil {
			return "", fmt.Errorf("resolving the %s cache: %w", k.tool, err)
		}
		if ok {
			dir, err := absDir(c.sc, path.Join(base, r.sub), k.tool)
			if err != nil {
				return "", err
			}
			return dir, projectOverlap(c.sc.cwd, dir, k)
		}
	}
	if k.noDefault != "" {
		return "", fmt.Errorf("resolving the %s cache: %s: %w", k.tool, k.noDefault, ErrUnresolvedDir)
	}
	return "", fmt.Errorf("resolving the %s cache: no rule applies: %w", k.tool, ErrUnresolvedDir)
}

// base returns the base directory a rule gives, and false when the rule
// does not apply to this command.
func (r dirRule) base(c *call, args []word) (string, bool, error) {
	switch {
	case r.flag != "":
		return r.flagBase(args)
	case r.env != "":
		return r.envBase(c.sc)
	case r.home:
		return r.homeBase(c.sc)
	}
	return r.fixed, r.fixed != "", nil
}

// flagBase reads the directory from an option.
func (r dirRule) flagBase(args []word) (string, bool, error) {
	v, ok := optionValue(args, r.flag)
	if !ok {
		return "", false, nil
	}
	if !v.lit || v.val == "" {
		return "", false, fmt.Errorf("option %s is not a literal: %w", r.flag, ErrUnresolvedDir)
	}
	return v.val, true, nil
}

// envBase reads the directory from a variable of the command's
// environment; an empty variable counts as unset.
func (r dirRule) envBase(sc *scope) (string, bool, error) {
	v, ok := sc.env(r.env)
	if !ok {
		return "", false, nil
	}
	if !v.known {
		return "", false, fmt.Errorf("$%s is not a literal: %w", r.env, ErrUnresolvedDir)
	}
	val := v.val
	if r.list {
		val, _, _ = strings.Cut(val, ":")
	}
	return val, val != "", nil
}

// homeBase returns the home directory the tool uses: $HOME, or the passwd
// home when HOME is unset, as os.homedir and Python's expanduser do.
func (r dirRule) homeBase(sc *scope) (string, bool, error) {
	if r.rootBase != "" && sc.id.uid == 0 {
		return r.rootBase, true, nil
	}
	v, ok := sc.env("HOME")
	switch {
	case ok && !v.known:
		return "", false, fmt.Errorf("$HOME is not a literal: %w", ErrUnresolvedDir)
	case ok && v.val != "":
		return v.val, true, nil
	case sc.id.home != "":
		return sc.id.home, true, nil
	}
	return "", false, fmt.Errorf("uid %d has no known home: %w", sc.id.uid, ErrUnknownUser)
}

// absDir resolves dir against the working directory and refuses "/".
func absDir(sc *scope, dir, tool string) (string, error) {
	if !path.IsAbs(dir) {
		if sc.cwd == "" {
			return "", fmt.Errorf("resolving the %s cache %q: unknown working directory: %w", tool, dir, ErrUnresolvedDir)
		}
		dir = path.Join(sc.cwd, dir)
	}
	dir = path.Clean(dir)
	if dir == "/" {
		return "", fmt.Errorf("resolving the %s cache: it would be /: %w", tool, ErrUnresolvedDir)
	}
	for _, k := range kernelDirs {
		if dir == k || strings.HasPrefix(dir, k+"/") {
			// COMPOSER_CACHE_DIR=/dev/null is how people turn Composer's
			// cache off; a directory mounted there would break the exec.
			return "", fmt.Errorf("resolving the %s cache: it would be %s, under %s: %w", tool, dir, k, ErrUnresolvedDir)
		}
	}
	return dir, nil
}

// projectOverlap refuses a cache directory that holds the working
// directory (a mount there would hide the project the tool reads) or
// overlaps a directory the tool installs the project's files into.
func projectOverlap(cwd, dir string, k *kind) error {
	if cwd == "" {
		return nil
	}
	if cwd == dir || strings.HasPrefix(cwd, dir+"/") {
		return fmt.Errorf("resolving the %s cache: %s holds the working directory %s: %w", k.tool, dir, cwd, ErrUnresolvedDir)
	}
	for _, p := range k.project {
		p = path.Join(cwd, p)
		if p == dir || strings.HasPrefix(p, dir+"/") || strings.HasPrefix(dir, p+"/") {
			return fmt.Errorf("resolving the %s cache: %s overlaps %s, where the project's own files go: %w", k.tool, dir, p, ErrUnresolvedDir)
		}
	}
	return nil
}

// kernelDirs are the filesystems the runtime provides, never a cache.
var kernelDirs = []string{"/dev", "/proc", "/sys"}

// optionValue returns the value of the last occurrence of an option
// written "opt value" or "opt=value", before any "--".
func optionValue(args []word, opt string) (word, bool) {
	var (
		val   word
		found bool
	)
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a.plain && a.val == "--" {
			break
		}
		if a.lit && a.val == opt && i+1 < len(args) {
			val, found = args[i+1], true
			i++
			continue
		}
		if v, ok := strings.CutPrefix(a.val, opt+"="); ok && a.lit {
			val, found = word{val: v, lit: true}, true
		}
	}
	return val, found
}
