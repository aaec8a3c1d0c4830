package frontend

import (
	"errors"
	"strconv"
	"strings"

	"github.com/moby/buildkit/util/grpcerrors"
	"google.golang.org/grpc/status"

	"github.com/org/optfrontend/llbopt"
)

// asWritten gives the error of an optimized solve the words of the
// Dockerfile's own command. BuildKit names a failed exec by its argv
// (`process "/bin/sh -c pip install  nonexistent-pkg" did not complete
// successfully`); where a pass rewrote that argv (a --no-cache-dir it
// dropped, a clean-up it turned into true), the user would read a command
// they never wrote. The failed vertex is the one errdefs.VertexError
// names; the graph knows its op as the passes left it and as the
// definition held it. Only that command's text changes: the error still
// unwraps to the daemon's, so its details (the vertex, the Dockerfile
// location, the failed op with its mounts, for a debugger to rerun) reach
// the client as they were. Any other error is returned as it is.
func asWritten(err error, g *llbopt.Graph) error {
	failed := failedVertex(err)
	if err == nil || g == nil || failed == "" {
		return err
	}
	for _, n := range g.Nodes() {
		if n.Digest() != failed {
			continue
		}
		now, was := n.Op.GetExec(), n.Decoded().GetExec()
		if now == nil || was == nil {
			return err
		}
		return replaceText(err, processText(now.GetMeta().GetArgs()), processText(was.GetMeta().GetArgs()))
	}
	return err
}

// processText is how BuildKit's exec op names a process in its errors
// (solver/llbsolver/ops/exec.go: "process %q did not complete
// successfully", of the argv joined by spaces).
func processText(args []string) string {
	return "process " + strconv.Quote(strings.Join(args, " "))
}

// replaceText returns err with every from in its message read as to,
// keeping its gRPC status code and details; err itself when its message
// does not hold from.
func replaceText(err error, from, to string) error {
	if from == to || !strings.Contains(err.Error(), from) {
		return err
	}
	msg := strings.ReplaceAll(err.Error(), from, to)
	st := status.New(grpcerrors.Code(err), msg)
	var se grpcStatusError
	if errors.As(err, &se) && se.GRPCStatus() != nil {
		// The daemon's status, whose unknown details are kept, with the
		// message as written.
		p := se.GRPCStatus().Proto()
		p.Message = strings.ReplaceAll(p.Message, from, to)
		st = status.FromProto(p)
	}
	return &writtenError{error: err, msg: msg, st: st}
}

// writtenError is an error whose message names the command as the
// Dockerfile wrote it.
type writtenError struct {
	error
	msg string
	st  *status.Status
}

// Error is the message with the command as written.
func (e *writtenError) Error() string { return e.msg }

// GRPCStatus is the status BuildKit sends on: the daemon's, with the
// command as written, since BuildKit prefers a status's own message to
// the wrapping error's.
func (e *writtenError) GRPCStatus() *status.Status { return e.st }

// Unwrap is the daemon's error, whose typed details still travel.
func (e *writtenError) Unwrap() error { return e.error }
