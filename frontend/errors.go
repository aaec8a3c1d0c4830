package frontend

import (
	"errors"
	"strings"

	"google.golang.org/grpc/status"
)

// keepContext gives an error back the words its wrapping added. The stock
// builder wraps what the daemon answers ("nosuchstage: failed to resolve
// source metadata for ...: not found"); built into the daemon it returns
// that whole text, but a frontend in a gateway container returns it over
// gRPC, where BuildKit keeps the daemon's own status message and drops the
// wrapping when the status came from the daemon in the first place
// (grpcerrors.ToGRPC). The user would read a shorter error than stock's.
// keepContext returns an error whose status carries the whole message, and
// which unwraps to the original, so typed details (Dockerfile locations,
// the failing vertex) still travel.
func keepContext(err error) error {
	if err == nil {
		return nil
	}
	inner := statusError(err)
	if inner == nil {
		return err
	}
	st := inner.GRPCStatus()
	// The daemon's error prints its code before its message when it is not
	// Unknown; the status keeps the message alone, as stock's text does.
	msg := strings.TrimSuffix(err.Error(), inner.Error()) + st.Message()
	if msg == st.Message() {
		return err
	}
	p := st.Proto()
	p.Message = msg
	return &contextError{error: err, st: status.FromProto(p)}
}

// grpcStatusError is an error that carries a gRPC status.
type grpcStatusError interface {
	error
	GRPCStatus() *status.Status
}

// statusError is the first error in err's chain that carries a gRPC status,
// when it ends err's message (the wrapping is a prefix).
func statusError(err error) grpcStatusError {
	var se grpcStatusError
	if !errors.As(err, &se) || se.GRPCStatus() == nil || !strings.HasSuffix(err.Error(), se.Error()) {
		return nil
	}
	return se
}

// contextError is an error whose gRPC status carries its whole message.
type contextError struct {
	error
	st *status.Status
}

// Error is the whole message, as the status carries it.
func (e *contextError) Error() string { return e.st.Message() }

// GRPCStatus is the status BuildKit sends to the client.
func (e *contextError) GRPCStatus() *status.Status { return e.st }

// Unwrap is the original error, so that its typed details are found.
func (e *contextError) Unwrap() error { return e.error }
