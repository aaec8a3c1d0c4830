package compare

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDepCmdAddsTheRoundsDependency(t *testing.T) {
	dir := t.TempDir()
	cmd := depCmd(`add() { echo "$1" >>deps; }; add`, "a@1", "b@2")
	run := func(round int) ([]byte, error) {
		c := exec.Command("sh", "-c", cmd)
		c.Dir = dir
		c.Env = append(os.Environ(), "OPTCTL_ROUND="+strconv.Itoa(round), "OPTCTL_NONCE=n"+strconv.Itoa(round))
		return c.CombinedOutput()
	}
	for round := 1; round <= 2; round++ {
		out, err := run(round)
		require.NoError(t, err, "%s", out)
	}
	deps, err := os.ReadFile(filepath.Join(dir, "deps"))
	require.NoError(t, err)
	require.Equal(t, "a@1\nb@2\n", string(deps))
	nonce, err := os.ReadFile(filepath.Join(dir, ".rebuild"))
	require.NoError(t, err)
	require.Equal(t, "n2\n", string(nonce))
	out, err := run(3)
	require.Error(t, err)
	require.Contains(t, string(out), "only 2 dependencies to add")
}

func TestExamplesFile(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		want       []Example
		err        string
	}{
		{name: "no file"},
		{name: "touch only", file: `{"examples": [{"name": "a", "touch": "main.go"}]}`, want: []Example{{Name: "a", Touch: "main.go"}}},
		{name: "dependencies", file: `{"examples": [{"name": "a", "addDependency": "go get", "dependencies": ["m@v1", "n@v2"]}]}`,
			want: []Example{{Name: "a", DepCmd: depCmd("go get", "m@v1", "n@v2")}}},
		{name: "unknown field", file: `{"examples": [{"name": "a", "tuoch": "main.go"}]}`, err: `unknown field "tuoch"`},
		{name: "not JSON", file: `examples: []`, err: "invalid character"},
		{name: "no name", file: `{"examples": [{"touch": "main.go"}]}`, err: `example 1: name "" is not a directory name`},
		{name: "a path", file: `{"examples": [{"name": "a/b"}]}`, err: `name "a/b" is not a directory name`},
		{name: "the parent", file: `{"examples": [{"name": ".."}]}`, err: `name ".." is not a directory name`},
		{name: "twice", file: `{"examples": [{"name": "a"}, {"name": "a"}]}`, err: "example a: listed twice"},
		{name: "command alone", file: `{"examples": [{"name": "a", "addDependency": "go get"}]}`, err: "together"},
		{name: "dependencies alone", file: `{"examples": [{"name": "a", "dependencies": ["m"]}]}`, err: "together"},
		{name: "every problem", file: `{"examples": [{"name": ""}, {"name": "b", "dependencies": ["m"]}]}`, err: "example 1: name \"\" is not a directory name\nexample b: give"},
		{name: "unquotable", file: `{"examples": [{"name": "a", "addDependency": "x", "dependencies": ["m\u0000"]}]}`, err: "cannot contain null bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			if tc.file != "" {
				require.NoError(t, os.WriteFile(filepath.Join(root, ExamplesFile), []byte(tc.file), 0o644))
			}
			got, err := Examples(root)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				require.ErrorContains(t, err, ExamplesFile)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

// TestExamplesDependenciesAreOneWordEach runs the command made from a
// file's dependencies: each round adds one of them, whatever the
// characters a shell would read.
func TestExamplesDependenciesAreOneWordEach(t *testing.T) {
	root := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(root, ExamplesFile), []byte(`{"examples": [{"name": "a",
		"addDependency": "add() { printf '%s\\n' \"$1\" >>deps; }; add", "dependencies": ["six>=1.0", "it's $HOME; a b", "x@1"]}]}`), 0o644))
	examples, err := Examples(root)
	require.NoError(t, err)
	require.Len(t, examples, 1)
	dir := t.TempDir()
	for round := 1; round <= 3; round++ {
		c := exec.Command("sh", "-c", examples[0].DepCmd)
		c.Dir = dir
		c.Env = append(os.Environ(), "OPTCTL_ROUND="+strconv.Itoa(round), "OPTCTL_NONCE=n")
		out, err := c.CombinedOutput()
		require.NoError(t, err, "%s", out)
	}
	deps, err := os.ReadFile(filepath.Join(dir, "deps"))
	require.NoError(t, err)
	require.Equal(t, "six>=1.0\nit's $HOME; a b\nx@1\n", string(deps))
	require.NoFileExists(t, filepath.Join(dir, "six"), "> is not a redirection")
}
