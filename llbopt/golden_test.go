package llbopt

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/buildkit/client/llb"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// goldenInput is a case's input.json: one RUN on an image.
type goldenInput struct {
	Script string   `json:"script"`
	User   string   `json:"user"`
	Env    []string `json:"env"`
	Mount  string   `json:"mount"` // a cache mount the user declared
}

// TestCacheMountGolden applies the pass to each case under
// testdata/cachemount/ and compares the graph's dump with want.txt.
func TestCacheMountGolden(t *testing.T) {
	eachGolden(t, "cachemount", func(t *testing.T, dir string) {
		dt, err := os.ReadFile(filepath.Join(dir, "input.json"))
		require.NoError(t, err)
		var in goldenInput
		require.NoError(t, json.Unmarshal(dt, &in))
		var opts []llb.RunOption
		if in.User != "" {
			opts = append(opts, llb.User(in.User))
		}
		for _, kv := range in.Env {
			k, v, _ := strings.Cut(kv, "=")
			opts = append(opts, llb.AddEnv(k, v))
		}
		if in.Mount != "" {
			opts = append(opts, llb.AddMount(in.Mount, llb.Scratch(), llb.AsPersistentCacheDir("mine", llb.CacheMountShared)))
		}
		g, err := Decode(runDef(t, in.Script, opts...))
		require.NoError(t, err)
		rep, err := CacheMount{}.Apply(context.Background(), g)
		require.NoError(t, err)
		var got bytes.Buffer
		require.NoError(t, g.Dump(&got))
		for _, f := range rep.Findings {
			got.WriteString("# " + f.Message + "\n")
		}
		golden(t, filepath.Join(dir, "want.txt"), got.Bytes())
	})
}

// eachGolden runs check on every case directory under testdata/<name>/,
// each as a subtest named after its directory.
func eachGolden(t *testing.T, name string, check func(t *testing.T, dir string)) {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join("testdata", name, "*"))
	require.NoError(t, err)
	require.NotEmpty(t, dirs)
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) { check(t, dir) })
	}
}

// requireStable encodes the graph apply returns ten times and requires
// the same bytes every time: the same input must give the same digests, or
// remote caches miss.
func requireStable(t *testing.T, apply func() *Graph) {
	t.Helper()
	var first []byte
	for range 10 {
		out, err := apply().Encode()
		require.NoError(t, err)
		dt, err := proto.MarshalOptions{Deterministic: true}.Marshal(out)
		require.NoError(t, err)
		if first == nil {
			first = dt
		}
		require.Equal(t, first, dt)
	}
}

// golden compares got with the file want, or rewrites it under -update.
func golden(t *testing.T, want string, got []byte) {
	t.Helper()
	if *update {
		require.NoError(t, os.WriteFile(want, got, 0o644))
	}
	exp, err := os.ReadFile(want)
	require.NoError(t, err, "run with -update to create it")
	require.Equal(t, string(exp), string(got))
}
