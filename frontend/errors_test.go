package frontend

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/util/grpcerrors"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// TestKeepContext sends errors through the same conversions a gateway
// frontend's error goes through (FromGRPC on the answer it got, ToGRPC on
// what it returns) and reads the message the client would print.
func TestKeepContext(t *testing.T) {
	fromDaemon := func(code codes.Code, msg string) error {
		return grpcerrors.FromGRPC(status.Error(code, msg))
	}
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"wrapped daemon error", fmt.Errorf("nosuchstage: failed to resolve source metadata for docker.io/library/nosuchstage:latest: %w",
			fromDaemon(codes.NotFound, "docker.io/library/nosuchstage:latest: not found")),
			"nosuchstage: failed to resolve source metadata for docker.io/library/nosuchstage:latest: docker.io/library/nosuchstage:latest: not found"},
		{"wrapped unknown code", fmt.Errorf("stage: %w", fromDaemon(codes.Unknown, "boom")), "stage: boom"},
		{"daemon error as is", fromDaemon(codes.Unknown, `process "/bin/sh -c exit 3" did not complete successfully: exit code: 3`),
			`process "/bin/sh -c exit 3" did not complete successfully: exit code: 3`},
		{"no daemon error", errors.New("dockerfile parse error on line 2: unknown instruction: FROMM"),
			"dockerfile parse error on line 2: unknown instruction: FROMM"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sent := grpcerrors.ToGRPC(context.Background(), keepContext(tc.err))
			st, ok := status.FromError(sent)
			require.True(t, ok)
			require.Equal(t, tc.want, st.Message())
		})
	}
}

// TestKeepContextKeepsDetails: the failing vertex (and every other typed
// detail) still reaches the client.
func TestKeepContextKeepsDetails(t *testing.T) {
	err := fmt.Errorf("stage: %w", errdefs.WrapVertex(grpcerrors.FromGRPC(status.Error(codes.Unknown, "boom")), "sha256:abc"))
	back := grpcerrors.FromGRPC(grpcerrors.ToGRPC(context.Background(), keepContext(err)))
	var ve *errdefs.VertexError
	require.ErrorAs(t, back, &ve)
	require.Equal(t, "sha256:abc", ve.Digest)
	require.Equal(t, "stage: boom", back.Error())
}
