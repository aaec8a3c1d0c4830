// Package fstree reads the flattened filesystem of an image, from a
// directory or from its layer tars, and compares two of them for the verify
// mode: every difference a program could see between stock's image and the
// optimized one, and which report line of the build explains each.
//
// What is compared is what a program sees at run time: the set of paths,
// and for each path its type, permission bits (with setuid, setgid and
// sticky), owner, the content of a regular file (by sha256), the target of
// a symlink, the numbers of a device, its extended attributes (every
// namespace the kernel lists: security.capability, user.*, ACLs) and which
// paths share an inode (hard links).
//
// What is not compared: modification, access and change times, because the
// two images are built at different times, BuildKit's differ and
// SOURCE_DATE_EPOCH rewrite them, and a program's behaviour does not
// depend on them; the size of a directory, which is the filesystem's
// bookkeeping; the permission bits of a symlink, which Linux ignores
// (always 0777); and the device and inode numbers themselves, of which only
// the grouping into hard links is visible.
package fstree
