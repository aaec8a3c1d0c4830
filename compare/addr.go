package compare

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// ErrNoBuilder is returned by FindBuilder when no BuildKit is configured.
var ErrNoBuilder = errors.New("no BuildKit to build on: pass --addr, set BUILDKIT_HOST, or name a remote-driver buildx builder in BUILDX_BUILDER; " +
	"to start the project's own BuildKit, run `make up` in the optfrontend checkout (internal/testbed/up), then `source ~/.cache/optfrontend/env`")

// Env is where FindBuilder and FindRegistry look: the process environment,
// buildx, and the files the test bed writes. Its zero value is not usable;
// start from HostEnv.
type Env struct {
	// Getenv reads an environment variable.
	Getenv func(string) string
	// Buildx runs buildx with the arguments and returns its output.
	Buildx func(ctx context.Context, args ...string) ([]byte, error)
	// ReadFile reads a file.
	ReadFile func(string) ([]byte, error)
	// Exists tells whether a path exists.
	Exists func(string) bool
}

// HostEnv is the environment of this process.
func HostEnv() Env {
	return Env{
		Getenv: os.Getenv,
		Buildx: func(ctx context.Context, args ...string) ([]byte, error) {
			return exec.CommandContext(ctx, "buildx", args...).CombinedOutput()
		},
		ReadFile: os.ReadFile,
		Exists: func(p string) bool {
			_, err := os.Stat(p)
			return err == nil
		},
	}
}

// Builder is the BuildKit the builds run on.
type Builder struct {
	// Addr is the address for client.New, such as unix:///run/buildkit.sock.
	Addr string
	// From says where Addr came from, for the report.
	From string
}

// FindBuilder picks the BuildKit to build on: the --addr flag, else
// BUILDKIT_HOST, else the buildx builder BUILDX_BUILDER names when it uses
// the remote driver, else the project's test bed when it is up.
func FindBuilder(ctx context.Context, flagAddr string, env Env) (Builder, error) {
	if flagAddr != "" {
		return Builder{Addr: flagAddr, From: "--addr"}, nil
	}
	if v := env.Getenv("BUILDKIT_HOST"); v != "" {
		return Builder{Addr: v, From: "BUILDKIT_HOST"}, nil
	}
	if name := env.Getenv("BUILDX_BUILDER"); name != "" {
		out, err := env.Buildx(ctx, "inspect", name)
		if err != nil {
			return Builder{}, fmt.Errorf("inspecting buildx builder %q (BUILDX_BUILDER): %w: %s", name, err, bytes.TrimSpace(out))
		}
		driver, endpoint := parseInspect(out)
		if driver != "remote" || endpoint == "" {
			return Builder{}, fmt.Errorf("buildx builder %q (BUILDX_BUILDER) uses the %q driver; only a remote-driver builder gives an address to connect to: pass --addr or set BUILDKIT_HOST", name, driver)
		}
		return Builder{Addr: endpoint, From: "buildx builder " + name}, nil
	}
	if tb := testbedEnv(env); tb["BUILDKIT_HOST"] != "" {
		addr := tb["BUILDKIT_HOST"]
		if sock, ok := strings.CutPrefix(addr, "unix://"); !ok || env.Exists(sock) {
			return Builder{Addr: addr, From: "the test bed's " + testbedEnvPath(env)}, nil
		}
	}
	return Builder{}, ErrNoBuilder
}

// FindRegistry returns the registry the images are pushed to when no
// --repo flag names one: OPTFRONTEND_REGISTRY, else the test bed's.
func FindRegistry(env Env) string {
	if v := env.Getenv("OPTFRONTEND_REGISTRY"); v != "" {
		return v
	}
	return testbedEnv(env)["OPTFRONTEND_REGISTRY"]
}

// parseInspect reads the driver and the first node's endpoint from the
// output of `buildx inspect`.
func parseInspect(out []byte) (driver, endpoint string) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		val = strings.TrimSpace(val)
		switch strings.TrimSpace(key) {
		case "Driver":
			if driver == "" {
				driver = val
			}
		case "Endpoint":
			if endpoint == "" {
				endpoint = val
			}
		}
	}
	return driver, endpoint
}

// testbedEnvPath is the env file internal/testbed/up writes.
func testbedEnvPath(env Env) string {
	if dir := env.Getenv("OPTFRONTEND_CACHE"); dir != "" {
		return filepath.Join(dir, "env")
	}
	return filepath.Join(env.Getenv("HOME"), ".cache", "optfrontend", "env")
}

// testbedEnv reads the variables the test bed's env file exports; none
// when the test bed was never set up.
func testbedEnv(env Env) map[string]string {
	vars := map[string]string{}
	dt, err := env.ReadFile(testbedEnvPath(env))
	if err != nil {
		return vars
	}
	for line := range strings.Lines(string(dt)) {
		kv, ok := strings.CutPrefix(strings.TrimSpace(line), "export ")
		if !ok {
			continue
		}
		if k, v, ok := strings.Cut(kv, "="); ok && !strings.Contains(v, "$") {
			vars[k] = strings.Trim(v, `"'`)
		}
	}
	return vars
}
