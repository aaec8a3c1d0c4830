package main

import (
	"testing"

	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/solver/pb"
	"github.com/stretchr/testify/require"

	"github.com/org/optfrontend/frontend"
)

type optsClient struct {
	gwclient.Client
	opts map[string]string
}

// BuildOpts has every LLB capability, as a real gateway's has the builder's.
func (c optsClient) BuildOpts() gwclient.BuildOpts {
	return gwclient.BuildOpts{Opts: c.opts, LLBCaps: pb.Caps.CapSet(pb.Caps.All())}
}

func TestOffByDefault(t *testing.T) {
	passes, err := frontend.SelectPasses(offClient{optsClient{}})
	require.NoError(t, err)
	require.Empty(t, passes)

	orig := map[string]string{"build-arg:FOO": "bar"}
	opts := offClient{optsClient{opts: orig}}.BuildOpts().Opts
	require.Equal(t, map[string]string{"build-arg:FOO": "bar", optKey: "off"}, opts)
	require.NotContains(t, orig, optKey, "the client's own map is left alone")

	explicit := map[string]string{optKey: ""}
	passes, err = frontend.SelectPasses(offClient{optsClient{opts: explicit}})
	require.NoError(t, err)
	require.NotEmpty(t, passes, "an explicit BUILDKIT_OPT wins over the default off")
}
