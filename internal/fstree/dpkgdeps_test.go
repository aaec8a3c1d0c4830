package fstree

import (
	"testing"

	"github.com/stretchr/testify/require"
)

const depsStatus = `Package: build-essential
Status: install ok installed
Depends: gcc (>= 4:10), make,
 libc6-dev | libc-dev

Package: gcc
Status: install ok installed
Architecture: amd64
Depends: cpp (= 4:12.2.0-3), gcc-12 (>= 12.2.0-1~)
Recommends: libc6-dev | libc-dev

Package: gcc-12
Status: install ok installed
Pre-Depends: libc6 (>= 2.34)
Depends: cpp-12:any

Package: cpp
Status: install ok installed

Package: cpp-12
Status: install ok installed

Package: make
Status: install ok installed

Package: libc6-dev
Status: install ok installed
Provides: libc-dev
Depends: libc6

Package: libc6
Status: install ok installed

Package: unrelated
Status: install ok installed

Package: old-config
Status: deinstall ok config-files
`

const optStatus = `Package: libc6
Status: install ok installed
`

func TestParseStatus(t *testing.T) {
	p := parseStatus([]byte(depsStatus))
	require.Len(t, p.byName, 9, "config-files only is not installed")
	require.Equal(t, [][]string{{"gcc"}, {"make"}, {"libc6-dev", "libc-dev"}}, p.byName["build-essential"].deps)
	require.Equal(t, [][]string{{"cpp"}, {"gcc-12"}, {"libc6-dev", "libc-dev"}}, p.byName["gcc"].deps)
	require.Equal(t, [][]string{{"libc6"}, {"cpp-12"}}, p.byName["gcc-12"].deps)
	require.Equal(t, []string{"libc6-dev"}, p.providedBy["libc-dev"])
}

func TestClosure(t *testing.T) {
	stock, opt := parseStatus([]byte(depsStatus)), parseStatus([]byte(optStatus))
	gone := func(p string) bool { _, ok := opt.byName[p]; return !ok }
	require.Equal(t, []string{"build-essential", "cpp", "cpp-12", "gcc", "gcc-12", "libc6-dev", "make"},
		closure(stock, []string{"build-essential"}, gone), "libc6 stays; unrelated is no dependency")
	require.Equal(t, []string{"make"}, closure(stock, []string{"make"}, gone))
	require.Equal(t, []string{"nosuch"}, closure(stock, []string{"nosuch"}, gone))
	require.Equal(t, []string{"make"}, closure(stock, []string{"make", "make"}, gone), "a root named twice")
}

func TestGroupLinks(t *testing.T) {
	require.Equal(t, []string{"/usr/bin/cc", "/etc/alternatives/cc.1.gz", "/usr/share/man/man1/cc.1.gz"},
		groupLinks("auto\n/usr/bin/cc\ncc.1.gz\n/usr/share/man/man1/cc.1.gz\n\n/usr/bin/gcc\n20\n/usr/share/man/man1/gcc.1.gz\n\n"))
	require.Equal(t, []string{"/usr/bin/pager"}, groupLinks("auto\n/usr/bin/pager\n\n/bin/more\n50\n\n"))
	require.Nil(t, groupLinks("garbage"))
	require.Equal(t, []string{"/usr/bin/x"}, groupLinks("auto\n/usr/bin/x\n../evil\n/etc/x\n"), "a slave name with a slash ends the record")
}

// TestPackageDependencies leaves build-essential out: its dependencies'
// files and database entries, and the alternatives their files were
// chosen for, are explained; a dependency the optimized image still has,
// a package that is no dependency, and an alternative that chose another
// package's file are not.
func TestPackageDependencies(t *testing.T) {
	common := []hdr{
		dir("usr/bin"), dir("usr/share/man/man1"), dir("etc/alternatives"), dir("var/lib/dpkg/info"), dir("var/lib/dpkg/alternatives"),
		reg("usr/lib/libc.so.6", "libc"), reg("var/lib/dpkg/info/libc6.list", "/usr/lib/libc.so.6\n"),
		reg("bin/more", "more"),
		sym("etc/alternatives/pager", "/bin/more"), sym("usr/bin/pager", "/etc/alternatives/pager"),
		reg("var/lib/dpkg/alternatives/pager", "auto\n/usr/bin/pager\n\n/bin/more\n50\n\n"),
	}
	stockOnly := []hdr{
		reg("var/lib/dpkg/status", depsStatus),
		reg("usr/bin/gcc", "gcc"), reg("var/lib/dpkg/info/gcc.list", "/usr/bin/gcc\n"),
		reg("usr/bin/make", "make"), reg("var/lib/dpkg/info/make.list", "/usr/bin/make\n"),
		reg("usr/include/stdio.h", "h"), reg("var/lib/dpkg/info/libc6-dev:amd64.list", "/usr\n/usr/include\n/usr/include/stdio.h\n"),
		reg("usr/bin/unrelated", "u"), reg("var/lib/dpkg/info/unrelated.list", "/usr/bin/unrelated\n"),
		sym("etc/alternatives/cc", "/usr/bin/gcc"), sym("usr/bin/cc", "/etc/alternatives/cc"),
		sym("etc/alternatives/cc.1.gz", "/usr/share/man/man1/gcc.1.gz"), sym("usr/share/man/man1/cc.1.gz", "/etc/alternatives/cc.1.gz"),
		reg("var/lib/dpkg/alternatives/cc", "auto\n/usr/bin/cc\ncc.1.gz\n/usr/share/man/man1/cc.1.gz\n\n/usr/bin/gcc\n20\n/usr/share/man/man1/gcc.1.gz\n\n"),
	}
	optimizedOnly := []hdr{reg("var/lib/dpkg/status", optStatus)}
	allow, err := Expand(mapFS(append(common, stockOnly...)...), mapFS(append(common, optimizedOnly...)...),
		[]Allowance{{Package: "build-essential", MissingOnly: true, Pass: "buildtools", Line: 3, Reason: "build-only"}})
	require.NoError(t, err)
	require.Equal(t, []string{"cpp", "cpp-12", "gcc", "gcc-12", "libc6-dev", "make"}, allow[0].Dependencies)
	r, err := Compare(treeOf(t, common, stockOnly), treeOf(t, common, optimizedOnly), allow)
	require.NoError(t, err)
	require.Equal(t, []string{
		"/usr/bin/unrelated missing file | ",
		"/var/lib/dpkg/info/unrelated.list missing file | ",
	}, showDiffs(r.FirstUnexplained))
	require.Equal(t, []string{
		"/etc/alternatives/cc missing symlink | ",
		"/etc/alternatives/cc.1.gz missing symlink | ",
		"/usr/bin/cc missing symlink | ",
		"/usr/bin/gcc missing file | ",
		"/usr/bin/make missing file | ",
		"/usr/include missing dir | ",
		"/usr/include/stdio.h missing file | ",
		"/usr/share/man/man1/cc.1.gz missing symlink | ",
		"/var/lib/dpkg/alternatives/cc missing file | ",
		"/var/lib/dpkg/info/gcc.list missing file | ",
		"/var/lib/dpkg/info/libc6-dev:amd64.list missing file | ",
		"/var/lib/dpkg/info/make.list missing file | ",
		"/var/lib/dpkg/status content " + content(depsStatus) + " | " + content(optStatus),
	}, showDiffs(r.FirstExplained))
}

// FuzzParseStatus: any status file parses without a panic, and every
// package it lists as installed is reachable by name.
func FuzzParseStatus(f *testing.F) {
	f.Add([]byte(depsStatus))
	f.Add([]byte("Package: a\nStatus: install ok installed\nDepends: b | c:any (>= 1) [amd64], ,|\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := parseStatus(data)
		for name, s := range p.byName {
			require.Equal(t, name, s.name)
		}
		roots := make([]string, 0, len(p.byName))
		for name := range p.byName {
			roots = append(roots, name)
		}
		closure(p, roots, func(string) bool { return true })
	})
}

// TestLinksToPackages: a symlink at one of a removed package's files,
// absolute or relative, is the package's; one elsewhere is not.
func TestLinksToPackages(t *testing.T) {
	stock := treeOf(t, []hdr{
		dir("usr/bin"), dir("usr/lib"), reg("usr/bin/cpp", "cpp"), reg("usr/bin/kept", "k"),
		sym("usr/lib/cpp", "/usr/bin/cpp"), sym("usr/bin/cpp-rel", "cpp"), sym("usr/lib/kept", "../bin/kept"),
	}, nil)
	allow := []Allowance{{Package: "cpp", files: map[string]bool{"/usr/bin/cpp": true}}, {Pattern: "/x"}}
	linksToPackages(stock, allow)
	require.Equal(t, map[string]bool{"/usr/bin/cpp": true, "/usr/lib/cpp": true, "/usr/bin/cpp-rel": true}, allow[0].files)
	require.Nil(t, allow[1].files)
}
