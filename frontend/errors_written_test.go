package frontend

import (
	"context"
	"errors"
	"testing"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/solver/errdefs"
	"github.com/moby/buildkit/solver/pb"
	"github.com/moby/buildkit/util/grpcerrors"
	digest "github.com/opencontainers/go-digest"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/org/optfrontend/llbopt"
)

// rewrittenGraph is a graph with one exec of args, which a pass then
// rewrote to rewritten (nil: left alone), encoded as the daemon gets it.
func rewrittenGraph(t *testing.T, args, rewritten []string) (*llbopt.Graph, *llbopt.Node) {
	t.Helper()
	st := llb.Image("docker.io/library/python:3.12-slim").Run(llb.Args(args)).Root()
	def, err := st.Marshal(context.Background(), llb.LinuxAmd64)
	require.NoError(t, err)
	g, err := llbopt.Decode(def.ToPB())
	require.NoError(t, err)
	var exec *llbopt.Node
	for _, n := range g.Nodes() {
		if n.Op.GetExec() != nil {
			exec = n
		}
	}
	require.NotNil(t, exec)
	if rewritten != nil {
		exec.Op.GetExec().Meta.Args = rewritten
	}
	_, err = g.Encode()
	require.NoError(t, err)
	return g, exec
}

// daemonError is an exec's failure as a frontend receives it from the
// daemon: BuildKit's message and typed details, through gRPC.
func daemonError(msg string, vertex digest.Digest) error {
	err := errdefs.WrapVertex(errors.New(msg), vertex)
	err = errdefs.WithSource(err, &errdefs.Source{Info: &pb.SourceInfo{Filename: "Dockerfile", Data: []byte("FROM python\nRUN x\n")},
		Ranges: []*pb.Range{{Start: &pb.Position{Line: 2}, End: &pb.Position{Line: 2}}}})
	err = errdefs.WithSolveError(errdefs.WithOp(err, &pb.Op{}, nil), nil, []string{"in"}, []string{"mount"})
	return grpcerrors.FromGRPC(grpcerrors.ToGRPC(context.Background(), err))
}

// TestAsWritten: an error of an exec a pass rewrote names the command as
// the Dockerfile wrote it, and keeps the vertex, the source location and
// the failed op; any other error is left as it is (issue 16 item 5).
func TestAsWritten(t *testing.T) {
	shell := func(s string) []string { return []string{"/bin/sh", "-c", s} }
	for _, tc := range []struct {
		name            string
		args, rewritten []string
		msg             string // the daemon's message; "" for an exec's failure
		other           bool   // the error names another vertex
		want            string
	}{
		{name: "a dropped flag",
			args: shell("pip install --no-cache-dir --no-index nonexistent-pkg"), rewritten: shell("pip install  --no-index nonexistent-pkg"),
			want: `process "/bin/sh -c pip install --no-cache-dir --no-index nonexistent-pkg" did not complete successfully: exit code: 1`},
		{name: "a clean-up turned into true",
			args: shell("pip install x && pip cache purge"), rewritten: shell("pip install x && true"),
			want: `process "/bin/sh -c pip install x && pip cache purge" did not complete successfully: exit code: 1`},
		{name: "exec form with an argument removed",
			args: []string{"pip", "install", "--no-cache-dir", "x"}, rewritten: []string{"pip", "install", "x"},
			want: `process "pip install --no-cache-dir x" did not complete successfully: exit code: 1`},
		{name: "quotes in the command",
			args: shell(`pip install --no-cache-dir "x>1"`), rewritten: shell(`pip install  "x>1"`),
			want: `process "/bin/sh -c pip install --no-cache-dir \"x>1\"" did not complete successfully: exit code: 1`},
		{name: "an exec no pass changed",
			args: shell("exit 3"),
			want: `process "/bin/sh -c exit 3" did not complete successfully: exit code: 1`},
		{name: "a message without the command",
			args: shell("pip install --no-cache-dir x"), rewritten: shell("pip install  x"),
			msg:  "failed to compute cache key: not found",
			want: "failed to compute cache key: not found"},
		{name: "another vertex",
			args: shell("pip install --no-cache-dir x"), rewritten: shell("pip install  x"), other: true,
			want: `process "/bin/sh -c pip install  x" did not complete successfully: exit code: 1`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, n := rewrittenGraph(t, tc.args, tc.rewritten)
			vertex := n.Digest()
			if tc.other {
				vertex = digest.FromString("another op")
			}
			msg := tc.msg
			if msg == "" {
				msg = processText(n.Op.GetExec().Meta.Args) + " did not complete successfully: exit code: 1"
			}
			got := asWritten(daemonError(msg, vertex), g)

			// What the client gets: the frontend's error through gRPC.
			sent := grpcerrors.ToGRPC(context.Background(), keepContext(got))
			back := grpcerrors.FromGRPC(sent)
			st, ok := status.FromError(sent)
			require.True(t, ok)
			require.Equal(t, tc.want, st.Message())
			require.Equal(t, codes.Unknown, st.Code())
			require.Equal(t, tc.want, back.Error())
			var ve *errdefs.VertexError
			require.ErrorAs(t, back, &ve)
			require.Equal(t, vertex.String(), ve.Digest)
			srcs := errdefs.Sources(back)
			require.Len(t, srcs, 1)
			require.Equal(t, int32(2), srcs[0].Ranges[0].Start.Line)
			var se *errdefs.SolveError
			require.ErrorAs(t, back, &se)
			require.Equal(t, []string{"mount"}, se.MountIDs)
		})
	}
}
