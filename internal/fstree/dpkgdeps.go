package fstree

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// dpkgStatus is the file of dpkg's database that lists every package.
const dpkgStatus = "/var/lib/dpkg/status"

// Where update-alternatives keeps its links and its record of each group.
const (
	alternativesLinks = "/etc/alternatives"
	alternativesState = "/var/lib/dpkg/alternatives"
)

// stanza is one installed package of dpkg's status file.
type stanza struct {
	name string
	// deps are its Pre-Depends, Depends and Recommends (apt installs
	// recommended packages unless told not to), each a list of
	// alternatives ("a | b") by bare name.
	deps [][]string
	// provides are the virtual packages it provides, by bare name.
	provides []string
}

// packages is the installed part of a status file: each package by name,
// and the packages providing each virtual name.
type packages struct {
	byName     map[string]stanza
	providedBy map[string][]string
}

// readStatus reads dpkg's status from tree; a tree without one has no
// packages.
func readStatus(tree fs.FS) (packages, error) {
	data, err := fs.ReadFile(tree, relative(dpkgStatus))
	if errors.Is(err, fs.ErrNotExist) {
		return packages{byName: map[string]stanza{}, providedBy: map[string][]string{}}, nil
	}
	if err != nil {
		return packages{}, fmt.Errorf("reading %s: %w", dpkgStatus, err)
	}
	return parseStatus(data), nil
}

// parseStatus reads the installed packages of a dpkg status file (RFC
// 822-style stanzas; a field's continuation lines start with a space).
// Packages that are not "install ok installed" (removed with their
// configuration kept, half-installed) are left out.
func parseStatus(data []byte) packages {
	p := packages{byName: map[string]stanza{}, providedBy: map[string][]string{}}
	for _, block := range bytes.Split(data, []byte("\n\n")) {
		fields := statusFields(block)
		name := fields["package"]
		if name == "" || !strings.HasSuffix(fields["status"], " installed") {
			continue
		}
		s := stanza{name: name}
		for _, f := range []string{"pre-depends", "depends", "recommends"} {
			s.deps = append(s.deps, relationNames(fields[f])...)
		}
		for _, alts := range relationNames(fields["provides"]) {
			s.provides = append(s.provides, alts...)
		}
		p.byName[name] = s
		for _, v := range s.provides {
			p.providedBy[v] = append(p.providedBy[v], name)
		}
	}
	return p
}

// statusFields reads one stanza's fields, by lower-case name.
func statusFields(block []byte) map[string]string {
	fields := map[string]string{}
	last := ""
	sc := bufio.NewScanner(bytes.NewReader(block))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t") {
			if last != "" {
				fields[last] += "\n" + strings.TrimSpace(line)
			}
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			last = ""
			continue
		}
		last = strings.ToLower(strings.TrimSpace(k))
		fields[last] = strings.TrimSpace(v)
	}
	return fields
}

// relationNames reads a relationship field ("libc6 (>= 2.34), python3 |
// python3-minimal:any") into its alternatives by bare name, versions and
// architecture qualifiers dropped.
func relationNames(field string) [][]string {
	var out [][]string
	for _, rel := range strings.Split(field, ",") {
		var alts []string
		for _, alt := range strings.Split(rel, "|") {
			name, _, _ := strings.Cut(strings.TrimSpace(alt), " ")
			name, _, _ = strings.Cut(name, "(")
			name, _, _ = strings.Cut(name, ":")
			name, _, _ = strings.Cut(name, "[")
			if name = strings.TrimSpace(name); name != "" {
				alts = append(alts, name)
			}
		}
		if len(alts) > 0 {
			out = append(out, alts)
		}
	}
	return out
}

// closure is roots and every package they depend on, transitively, among
// those stock has installed and the optimized tree no longer has (gone):
// what leaving the roots' install step out of the image takes with it. A
// dependency a package still in the optimized tree also has stops the
// walk there. Roots come first, then the rest sorted.
func closure(stock packages, roots []string, gone func(string) bool) []string {
	seen := map[string]bool{}
	var queue []string
	for _, r := range roots {
		if !seen[r] {
			seen[r] = true
			queue = append(queue, r)
		}
	}
	distinctRoots := len(queue)
	for i := 0; i < len(queue); i++ {
		for _, alts := range stock.byName[queue[i]].deps {
			for _, name := range alts {
				for _, p := range append([]string{name}, stock.providedBy[name]...) {
					if _, installed := stock.byName[p]; installed && gone(p) && !seen[p] {
						seen[p] = true
						queue = append(queue, p)
					}
				}
			}
		}
	}
	slices.Sort(queue[distinctRoots:])
	return queue
}

// alternativesOf adds to files the links of each update-alternatives group
// whose chosen target is one of files: the group's link in
// /etc/alternatives, its record in dpkg's alternatives directory, its
// master link ("/usr/bin/cc") and its slaves. They are what the removal
// of the package whose file it chose takes with it, and dpkg lists none
// of them. A group is read only through its record; one without a record
// is left alone.
func alternativesOf(stock fs.FS, res *resolver, files map[string]bool) error {
	entries, err := fs.ReadDir(stock, relative(alternativesLinks))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading %s: %w", alternativesLinks, err)
	}
	for _, e := range entries {
		if e.Type()&fs.ModeSymlink == 0 {
			continue
		}
		link := path.Join(alternativesLinks, e.Name())
		target, err := fs.ReadLink(stock, relative(link))
		if err != nil || !strings.HasPrefix(target, "/") {
			continue
		}
		dir, err := res.dir(path.Dir(path.Clean(target)))
		if err != nil {
			return err
		}
		if !files[path.Clean(target)] && !files[path.Join(dir, path.Base(target))] {
			continue
		}
		record, err := fs.ReadFile(stock, relative(path.Join(alternativesState, e.Name())))
		if err != nil {
			continue
		}
		files[link] = true
		files[path.Join(alternativesState, e.Name())] = true
		for _, l := range groupLinks(string(record)) {
			files[l] = true
		}
	}
	return nil
}

// groupLinks reads an update-alternatives record: its mode, the master
// link, then pairs of slave name and slave link up to a blank line. It
// returns the master link, each slave link and each slave's link in
// /etc/alternatives.
func groupLinks(record string) []string {
	lines := strings.Split(record, "\n")
	if len(lines) < 2 || !strings.HasPrefix(lines[1], "/") {
		return nil
	}
	out := []string{path.Clean(lines[1])}
	for i := 2; i+1 < len(lines) && lines[i] != ""; i += 2 {
		name, link := lines[i], lines[i+1]
		if strings.Contains(name, "/") || !strings.HasPrefix(link, "/") {
			break
		}
		out = append(out, path.Join(alternativesLinks, name), path.Clean(link))
	}
	return out
}

// linksToPackages adds to each package allowance's files the symlinks of
// stock's tree that point at one of its files ("/usr/lib/cpp" ->
// "/usr/bin/cpp", which cpp's maintainer script made): with the file gone,
// such a link would dangle, so the step that made the file made the link.
// Only a link's being missing is explained, as for listed files.
func linksToPackages(stock *Tree, allow []Allowance) {
	var entries []Entry // read once, for the first package allowance
	for i := range allow {
		a := &allow[i]
		if a.Package == "" || len(a.files) == 0 {
			continue
		}
		if entries == nil {
			entries = stock.Entries()
		}
		for _, e := range entries {
			if e.Type != Symlink || a.files[e.Path] {
				continue
			}
			target := e.Link
			if !strings.HasPrefix(target, "/") {
				target = path.Join(path.Dir(e.Path), target)
			}
			if a.files[path.Clean(target)] {
				a.files[e.Path] = true
			}
		}
	}
}
