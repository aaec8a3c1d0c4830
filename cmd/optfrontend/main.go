// Command optfrontend is the optfrontend gateway frontend: the binary in the
// org/optfrontend image that BuildKit runs for `# syntax=org/optfrontend`.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/moby/buildkit/frontend/gateway/grpcclient"
	"github.com/moby/buildkit/util/appcontext"
	_ "github.com/moby/buildkit/util/grpcutil/encoding/proto"

	"github.com/org/optfrontend/frontend"
	"github.com/org/optfrontend/internal/fstree"
	"github.com/org/optfrontend/internal/netchange"
)

// version is set at link time by the image build.
var version = "dev"

func main() {
	// The squash pass runs this binary inside the build to write a run's
	// net change (package netchange).
	if len(os.Args) > 1 && netchange.IsCommand(os.Args[1]) {
		if err := netchange.Main(os.Args[1], os.Args[2:]); err != nil {
			fmt.Fprintf(os.Stderr, "optfrontend %s: %v\n", os.Args[1], err)
			os.Exit(1)
		}
		return
	}
	// The verify mode runs it to compare the optimized image with stock's
	// (package fstree); differences are its result, not a failure.
	if len(os.Args) > 1 && fstree.IsCommand(os.Args[1]) {
		if err := fstree.Main(os.Args[1], os.Args[2:]); err != nil {
			fmt.Fprintf(os.Stderr, "optfrontend %s: %v\n", os.Args[1], err)
			os.Exit(1)
		}
		return
	}
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.Parse()
	if *showVersion {
		fmt.Println("optfrontend", version)
		return
	}
	if err := grpcclient.RunFromEnvironment(appcontext.Context(), frontend.Build); err != nil {
		fmt.Fprintf(os.Stderr, "optfrontend: %+v\n", err)
		os.Exit(1)
	}
}
