// Package dfgen generates random but valid Dockerfiles of file operations,
// deterministic from a seed, for differential tests of layer rewrites.
package dfgen

import (
	"fmt"
	"io/fs"
	"math/rand/v2"
	"slices"
	"strings"
)

// Base is a base image and what the generator knows of it.
type Base struct {
	// Image is the FROM reference.
	Image string
	// Files are regular files of the image that steps may edit, link,
	// move or delete: none of them is a tool the commands need.
	Files []BaseFile
	// Dirs are directories of the image that steps may remove or
	// recreate; the directories holding Files but not listed here are
	// never removed, moved or changed.
	Dirs []string
	// Stamps are the times `touch -d` takes here: GNU touch takes
	// nanoseconds, busybox's only seconds.
	Stamps []string
	// Xattr tells whether perl is there to set security.capability (no
	// base has setfattr; containerd's layer writer keeps only that xattr).
	Xattr bool
}

// BaseFile is a regular file of a base image.
type BaseFile struct {
	Path string
	// Shared marks a file hard-linked to a tool (busybox's applets,
	// perl): never written to, never made non-executable.
	Shared bool
}

// Debian is the debian:bookworm-slim stand-in: GNU coreutils, perl-base.
var Debian = Base{
	Image: "debian:bookworm-slim",
	Files: []BaseFile{
		{Path: "/etc/issue"}, {Path: "/etc/issue.net"}, {Path: "/etc/debian_version"},
		{Path: "/etc/host.conf"}, {Path: "/etc/motd"},
		{Path: "/etc/skel/.bashrc"}, {Path: "/etc/skel/.profile"}, {Path: "/etc/skel/.bash_logout"},
		{Path: "/usr/share/base-files/motd"}, {Path: "/usr/share/base-files/profile"},
		{Path: "/usr/share/base-files/dot.bashrc"}, {Path: "/usr/share/base-files/info.dir"},
		{Path: "/usr/bin/perl5.36.0", Shared: true},
	},
	Dirs:   []string{"/etc/skel", "/usr/share/base-files"},
	Stamps: []string{"2020-01-01 00:00:00.123456789", "2021-06-15 12:30:45.5"},
	Xattr:  true,
}

// Busybox is the busybox stand-in: every applet a hard link of
// /bin/busybox.
var Busybox = Base{
	Image: "busybox",
	Files: []BaseFile{
		{Path: "/etc/shadow"},
		{Path: "/bin/wget", Shared: true}, {Path: "/bin/telnet", Shared: true},
		{Path: "/bin/ftpget", Shared: true}, {Path: "/bin/vi", Shared: true},
	},
	Dirs:   []string{"/var/spool", "/var/spool/mail", "/var/www", "/home"},
	Stamps: []string{"2020-01-01 00:00:00", "2021-06-15 12:30:45"},
}

// Bases are the bases Generate picks from, Debian three times in four.
var Bases = []Base{Debian, Debian, Debian, Busybox}

// ContextFile is a file of the generated build context.
type ContextFile struct {
	Data []byte
	Mode fs.FileMode
}

// Case is one generated build.
type Case struct {
	Seed int64
	// Dockerfile has no `# syntax=` line: the caller adds the one it needs.
	Dockerfile string
	// Context is the build context, by slash-separated path.
	Context map[string]ContextFile
	// Steps is the number of RUN and COPY steps.
	Steps int
	// Kinds are the operation kinds used, sorted.
	Kinds []string
}

// Options bound what Generate makes.
type Options struct {
	MinSteps, MaxSteps int    // 2 and 10 when zero
	Bases              []Base // Bases when nil
}

// Generate makes the case of one seed: the same seed, the same case.
func Generate(seed int64, o Options) Case {
	if o.MinSteps == 0 {
		o.MinSteps = 2
	}
	if o.MaxSteps == 0 {
		o.MaxSteps = 10
	}
	if o.Bases == nil {
		o.Bases = Bases
	}
	r := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	g := &gen{r: r, base: o.Bases[r.IntN(len(o.Bases))], ctx: map[string]ContextFile{}, kinds: map[string]bool{}}
	g.fs = newModel(g.base)
	n := o.MinSteps + r.IntN(o.MaxSteps-o.MinSteps+1)
	split := 0 // steps in a first stage, so that the squashed run's lower is not the base image
	if n >= 3 && r.IntN(5) < 2 {
		split = 1 + r.IntN(n-2)
	}
	var b strings.Builder
	if split > 0 {
		fmt.Fprintf(&b, "FROM %s AS pre\n", g.base.Image)
	} else {
		fmt.Fprintf(&b, "FROM %s\n", g.base.Image)
	}
	for i := range n {
		if split > 0 && i == split {
			b.WriteString("FROM pre\n")
			g.kinds["stage"] = true
		}
		b.WriteString(g.step())
		b.WriteByte('\n')
	}
	kinds := make([]string, 0, len(g.kinds))
	for k := range g.kinds {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	return Case{Seed: seed, Dockerfile: b.String(), Context: g.ctx, Steps: n, Kinds: kinds}
}
