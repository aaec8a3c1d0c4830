// Command offfrontend is optfrontend with a default BUILDKIT_OPT of its
// own: off (no pass, no check) for the conformance runner's "off" mode, or,
// built with -ldflags "-X main.defaultSpec=-checks", the default passes
// without the project's build checks for its "default" mode (see
// ../README.md).
//
// BuildKit's Dockerfile test suite cannot pass a build arg to every test, so
// this binary hands optfrontend's Build a client whose BuildOpts carry
// build-arg:BUILDKIT_OPT=<defaultSpec> unless the build already sets
// BUILDKIT_OPT. That is what `--build-arg BUILDKIT_OPT=...` does to the
// frontend; only the solver's own record of the request (provenance) does
// not show it.
package main

import (
	"context"
	"fmt"
	"maps"
	"os"

	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/frontend/gateway/grpcclient"
	"github.com/moby/buildkit/util/appcontext"
	_ "github.com/moby/buildkit/util/grpcutil/encoding/proto"

	"github.com/org/optfrontend/frontend"
)

const optKey = "build-arg:" + frontend.BuildArgOpt

// defaultSpec is the BUILDKIT_OPT a build gets when it sets none.
var defaultSpec = "off"

type offClient struct{ gwclient.Client }

func (c offClient) BuildOpts() gwclient.BuildOpts {
	o := c.Client.BuildOpts()
	if _, ok := o.Opts[optKey]; !ok {
		opts := maps.Clone(o.Opts)
		if opts == nil {
			opts = map[string]string{}
		}
		opts[optKey] = defaultSpec
		o.Opts = opts
	}
	return o
}

func main() {
	build := func(ctx context.Context, c gwclient.Client) (*gwclient.Result, error) {
		return frontend.Build(ctx, offClient{c})
	}
	if err := grpcclient.RunFromEnvironment(appcontext.Context(), build); err != nil {
		fmt.Fprintf(os.Stderr, "optfrontend (BUILDKIT_OPT=%s): %+v\n", defaultSpec, err)
		os.Exit(1)
	}
}
