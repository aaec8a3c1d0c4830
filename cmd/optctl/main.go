// Command optctl shows what optfrontend does to a Dockerfile: `compare`
// builds it with the stock frontend and with optfrontend and reports sizes,
// times and changes; `explain` lists the changes without building; `verify`
// builds it once in the verify mode, which compares the optimized image with
// stock's in the build; `bench` compares every bundled example.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/moby/buildkit/client"

	"github.com/org/optfrontend/compare"
)

const usage = `usage:
  optctl compare [flags] CONTEXT   build with the stock frontend and optfrontend, compare
  optctl explain [flags] CONTEXT   list what the passes would change, without building
  optctl verify [flags] CONTEXT    build with BUILDKIT_OPT_VERIFY: prove the optimized image is stock's
  optctl bench [flags]             compare every example under --examples

Run "optctl COMMAND -h" for a command's flags. The builder is --addr, else
BUILDKIT_HOST, else the remote buildx builder BUILDX_BUILDER names, else the
project's test bed (make up).
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "optctl:", err)
		os.Exit(1)
	}
}

// run dispatches to a command.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	cmds := map[string]func(context.Context, []string, io.Writer, io.Writer) error{
		"compare": compareCmd,
		"explain": explainCmd,
		"verify":  verifyCmd,
		"bench":   benchCmd,
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
			fmt.Fprint(stdout, usage)
			return nil
		}
		fmt.Fprint(stderr, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
	return cmd(ctx, args[1:], stdout, stderr)
}

// parse parses flags that may come before or after the positional
// arguments, and returns the positional ones.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// listFlag is a flag that may be given many times.
type listFlag []string

// String implements flag.Value.
func (l *listFlag) String() string { return strings.Join(*l, ",") }

// Set implements flag.Value: each use of the flag adds a value.
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// connect finds the builder and checks that it answers.
func connect(ctx context.Context, addr string) (*client.Client, compare.Builder, error) {
	b, err := compare.FindBuilder(ctx, addr, compare.HostEnv())
	if err != nil {
		return nil, b, err
	}
	c, err := client.New(ctx, b.Addr)
	if err != nil {
		return nil, b, fmt.Errorf("connecting to BuildKit at %s (from %s): %w", b.Addr, b.From, err)
	}
	if _, err := c.Info(ctx); err != nil {
		c.Close()
		return nil, b, fmt.Errorf("BuildKit at %s (from %s) does not answer: %w; is it running? `make up` starts the project's own", b.Addr, b.From, err)
	}
	return c, b, nil
}

// writeFile writes a report file with fn.
func writeFile(path string, fn func(io.Writer) error) (err error) {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer func() {
		if cerr := f.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("writing %s: %w", path, cerr)
		}
	}()
	return fn(f)
}
