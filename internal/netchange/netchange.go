// Package netchange writes the net change of a run of build steps onto the
// state before the run, as the squash pass's in-build helper.
//
// The helper runs inside the build, as an exec whose root filesystem is the
// frontend image, on a writable mount of the state before the run (what it
// writes there becomes the squashed layer: the exec's own overlayfs
// upperdir), with the run's own layers merged (read-only: every path the
// run's layers hold, with its content and metadata) and, for Write, the
// state after the run (read-only: only its directory listings are read, to
// find the entries of the state before the run that the run deleted). No
// decision reads a timestamp or a size: what the run wrote is known from
// its layers, what it deleted from names.
package netchange

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// The commands, the first argument that selects the helper in the
// frontend binary.
const (
	// Clear removes from TARGET every entry that RUN holds, but a
	// directory over a directory: `optfrontend squash-clear TARGET RUN`.
	Clear = "squash-clear"
	// Write makes TARGET hold what AFTER holds, for the paths RUN holds
	// and the entries RUN's directories lost: `optfrontend squash-write
	// TARGET RUN AFTER`.
	Write = "squash-write"
)

// IsCommand tells whether name is one of the helper's commands.
func IsCommand(name string) bool { return name == Clear || name == Write }

// Main runs the helper command name with its arguments.
func Main(name string, args []string) error {
	switch {
	case name == Clear && len(args) == 2:
		return ClearRewritten(args[0], args[1])
	case name == Write && len(args) == 3:
		if err := Apply(args[0], args[1], args[2]); err != nil {
			return err
		}
		n, err := count(args[1])
		fmt.Fprintf(os.Stderr, "%s: wrote %d entries of the run's layers\n", Write, n)
		return err
	}
	return fmt.Errorf("usage: %s TARGET RUN | %s TARGET RUN AFTER", Clear, Write)
}

// count counts the entries under dir.
func count(dir string) (int, error) {
	n := -1
	err := filepath.WalkDir(dir, func(string, fs.DirEntry, error) error { n++; return nil })
	return n, err
}
