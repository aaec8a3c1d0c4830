// Package netchange writes the net change of a run of build steps onto the
// state before the run, as the squash pass's in-build helper.
//
// The helper runs inside the build, as an exec whose root filesystem is the
// frontend image, with three mounts: the state before the run (writable:
// what the helper writes there is the squashed layer, the exec's own
// overlayfs upperdir), the run's own layers merged (read-only: every path
// the run left, with its final content and metadata) and the state after
// the run (read-only: only its directory listings are read, to find the
// files of the state before the run that the run deleted). No decision
// reads a timestamp or a size: what the run wrote is known from its layers,
// what it deleted from names.
package netchange

import "fmt"

// Command is the first argument that selects the helper in the frontend
// binary: `optfrontend squash-apply TARGET RUN AFTER`.
const Command = "squash-apply"

// Main runs the helper with the arguments after Command.
func Main(args []string) error {
	if len(args) != 3 {
		return fmt.Errorf("usage: %s TARGET RUN AFTER", Command)
	}
	return Apply(args[0], args[1], args[2])
}
