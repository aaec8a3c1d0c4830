package fstree

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"strings"
)

// dpkgInfo is the directory of dpkg's per-package files.
const dpkgInfo = "/var/lib/dpkg/info"

// dpkgState are the paths of the package database and of apt's state
// that leaving out a step that installed packages changes, each explained
// with everything under it: dpkg's status and its backup, the logs of
// dpkg, apt and update-alternatives, debconf's answers, apt's record of
// automatic installs, the package lists and downloads of the step's
// apt-get update, and the dynamic linker's cache that dpkg's ldconfig
// trigger rebuilt. Alternatives' links and links to a package's files are
// explained by Expand; what else a maintainer script made is not listed
// by dpkg and so not explained: it shows as a difference to look at.
var dpkgState = []string{
	"/var/lib/dpkg/status",
	"/var/lib/dpkg/status-old",
	"/var/lib/apt/extended_states",
	"/var/lib/apt/lists",
	"/var/cache/apt",
	"/var/log/dpkg.log",
	"/var/log/apt",
	"/var/log/alternatives.log",
	"/var/cache/debconf",
	"/etc/ld.so.cache",
}

// packageName is a Debian package name (Debian policy 5.6.1), with an
// optional architecture.
var packageName = regexp.MustCompile(`^([a-z0-9][a-z0-9+.-]+)(?::([a-z0-9-]+))?$`)

// parsePackage splits "name[:arch]" and refuses what no package is
// called, which would also be unsafe in a file name.
func parsePackage(s string) (name, arch string, err error) {
	m := packageName.FindStringSubmatch(s)
	if m == nil {
		return "", "", fmt.Errorf("%q is not a Debian package name", s)
	}
	return m[1], m[2], nil
}

// isDpkgDatabase tells whether p is part of the package database that the
// removal of package pkg changes: the shared state, or one of its own
// files in dpkg's info directory ("pkg.list", "pkg:amd64.md5sums").
func isDpkgDatabase(p, pkg string) bool {
	for _, s := range dpkgState {
		if p == s || strings.HasPrefix(p, s+"/") {
			return true
		}
	}
	dir, file := path.Split(p)
	if dir != dpkgInfo+"/" {
		return false
	}
	rest, ok := strings.CutPrefix(file, pkg)
	if !ok {
		return false
	}
	if qualified, ok := strings.CutPrefix(rest, ":"); ok {
		arch, ext, ok := strings.Cut(qualified, ".")
		return ok && arch != "" && !strings.Contains(arch, ":") && isInfoExt(ext)
	}
	ext, ok := strings.CutPrefix(rest, ".")
	return ok && isInfoExt(ext)
}

// isInfoExt tells whether ext can end the name of a file of dpkg's info
// directory ("list", "md5sums", "postinst"): it has no dot, so
// "foo.bar.list" is foo.bar's, not foo's.
func isInfoExt(ext string) bool { return ext != "" && !strings.ContainsAny(ext, ".:") }

// Expand returns allow with the file list of each Package allowance read
// from stock's tree: dpkg's "var/lib/dpkg/info/<pkg>.list" and
// "<pkg>:<arch>.list" (every architecture, or the one named), for the
// package and for each package it depends on, transitively, that stock
// has installed and the optimized tree's dpkg status no longer lists
// (Dependencies: what leaving the package's install step out takes with
// it), and the update-alternatives links whose chosen target is one of
// those files. Each listed path is explained exactly, not what is under
// it: dpkg lists every directory it made, "/usr" among them, and a
// package's removal leaves a directory that other packages still fill. A
// listed directory that goes away is explained because it is listed
// itself. A listed path is explained only as missing: removing a package
// does nothing else to its files. Both the path as listed and as it is in
// the tree are explained, with the symlinks among its directories
// resolved in stock's tree ("/lib/x" is "/usr/lib/x" where "/lib" links to
// "usr/lib"), since the comparison sees real paths.
//
// The trees are read as fs.FS (an os.Root's FS for a directory, an
// fstest.MapFS in tests) so that lists can come from anywhere; stock
// should implement fs.ReadLinkFS for the symlinks to be resolved. A
// package with no list in stock (not installed there) gets no files; its
// database paths are still explained.
func Expand(stock, optimized fs.FS, allow []Allowance) ([]Allowance, error) {
	out := make([]Allowance, len(allow))
	copy(out, allow)
	var stockPkgs, optPkgs packages
	for i := range out {
		if out[i].Package == "" {
			continue
		}
		if stockPkgs.byName == nil {
			var err error
			if stockPkgs, err = readStatus(stock); err != nil {
				return nil, fmt.Errorf("stock's tree: %w", err)
			}
			if optPkgs, err = readStatus(optimized); err != nil {
				return nil, fmt.Errorf("the optimized tree: %w", err)
			}
		}
		if err := expandPackage(stock, stockPkgs, optPkgs, &out[i]); err != nil {
			return nil, fmt.Errorf("expanding package %s: %w", out[i].Package, err)
		}
	}
	return out, nil
}

// expandPackage sets a's files and Dependencies.
func expandPackage(stock fs.FS, stockPkgs, optPkgs packages, a *Allowance) error {
	name, _, err := parsePackage(a.Package)
	if err != nil {
		return err
	}
	res := newResolver(stock)
	gone := func(p string) bool { _, ok := optPkgs.byName[p]; return !ok }
	members := closure(stockPkgs, []string{name}, gone)
	a.Dependencies = members[1:]
	a.files = map[string]bool{}
	for i, m := range members {
		pkg := m
		if i == 0 {
			pkg = a.Package // with its architecture, if named
		}
		files, err := packageFiles(stock, res, pkg)
		if err != nil {
			return err
		}
		for f := range files {
			a.files[f] = true
		}
	}
	return alternativesOf(stock, res, a.files)
}

// packageFiles reads the paths dpkg lists for pkg, as listed and resolved.
func packageFiles(stock fs.FS, res *resolver, pkg string) (map[string]bool, error) {
	name, arch, err := parsePackage(pkg)
	if err != nil {
		return nil, err
	}
	info, err := res.dir(dpkgInfo)
	if err != nil {
		return nil, err
	}
	lists := []string{path.Join(info, name+".list")}
	if arch != "" {
		lists = append(lists, path.Join(info, name+":"+arch+".list"))
	} else {
		more, err := fs.Glob(stock, relative(path.Join(info, name+":*.list")))
		if err != nil {
			return nil, fmt.Errorf("listing %s: %w", info, err)
		}
		for _, m := range more {
			lists = append(lists, "/"+m)
		}
	}
	files := map[string]bool{}
	for _, l := range lists {
		if err := readList(stock, res, l, files); err != nil {
			return nil, err
		}
	}
	return files, nil
}

// readList adds the paths of the dpkg list file l to files; a list that
// does not exist adds nothing.
func readList(stock fs.FS, res *resolver, l string, files map[string]bool) error {
	data, err := fs.ReadFile(stock, relative(l))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading %s: %w", l, err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(line, "/") {
			continue // blank; dpkg writes only absolute paths
		}
		p := path.Clean(line)
		if p == rootPath {
			continue // "/." heads every list
		}
		files[p] = true
		dir, err := res.dir(path.Dir(p))
		if err != nil {
			return fmt.Errorf("resolving %s: %w", p, err)
		}
		files[path.Join(dir, path.Base(p))] = true
	}
	return nil
}

// relative is the fs.FS name of an absolute path.
func relative(p string) string {
	if p == rootPath {
		return "."
	}
	return strings.TrimPrefix(p, "/")
}
