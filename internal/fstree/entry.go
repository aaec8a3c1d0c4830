package fstree

import (
	"encoding/hex"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Type is the kind of a filesystem entry.
type Type string

// The types of entries, as the words a difference shows.
const (
	Regular  Type = "file"
	Dir      Type = "dir"
	Symlink  Type = "symlink"
	CharDev  Type = "char"
	BlockDev Type = "block"
	Fifo     Type = "fifo"
	Socket   Type = "socket"
)

const (
	// modeMask keeps the permission bits with setuid, setgid and sticky.
	modeMask = 0o7777
	rootPath = "/"
	// noneValue describes the side of a difference that has nothing.
	noneValue = "none"
)

// Entry is one path of a flattened filesystem and what a program sees of
// it. Times are not kept: they are not compared (see the package doc).
type Entry struct {
	// Path is slash-separated and absolute; "/" is the root.
	Path string
	Type Type
	// Mode holds the permission bits with setuid (04000), setgid (02000)
	// and sticky (01000).
	Mode     uint32
	UID, GID int
	// Size and Digest ("sha256:<hex>") are those of a regular file's
	// content; zero for other types.
	Size   int64
	Digest string
	// Link is a symlink's target, as written.
	Link string
	// Major and Minor are a char or block device's numbers.
	Major, Minor uint32
	// Xattrs are the extended attributes, name to raw value; nil for none.
	Xattrs map[string]string
	// HardLink is, for an entry that shares its inode with other paths of
	// the same tree, the first of those paths in tree order (see Tree);
	// empty when the inode has only this path.
	HardLink string
}

// describeXattrs shows the attributes of x named in names, sorted, or
// "none" when x has none of them.
func describeXattrs(x map[string]string, names []string) string {
	var parts []string
	for _, n := range names {
		if v, ok := x[n]; ok {
			parts = append(parts, n+"="+describeValue(v))
		}
	}
	if len(parts) == 0 {
		return noneValue
	}
	return strings.Join(parts, ", ")
}

// describeValue quotes a printable value and shows any other in hex: a
// capability or an ACL is binary.
func describeValue(v string) string {
	if utf8.ValidString(v) && strings.IndexFunc(v, func(r rune) bool { return !unicode.IsPrint(r) }) < 0 {
		return strconv.Quote(v)
	}
	return "0x" + hex.EncodeToString([]byte(v))
}

// differingXattrs names, sorted, the attributes that a and b do not hold
// alike.
func differingXattrs(a, b map[string]string) []string {
	var names []string
	for n, v := range a {
		if w, ok := b[n]; !ok || w != v {
			names = append(names, n)
		}
	}
	for n := range b {
		if _, ok := a[n]; !ok {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	return names
}

func describeMode(m uint32) string { return fmt.Sprintf("%04o", m) }

func describeOwner(e Entry) string { return fmt.Sprintf("%d:%d", e.UID, e.GID) }

func describeContent(e Entry) string { return fmt.Sprintf("%s (%d bytes)", e.Digest, e.Size) }

func describeDevice(e Entry) string { return fmt.Sprintf("%d:%d", e.Major, e.Minor) }
