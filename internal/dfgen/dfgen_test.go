package dfgen

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/stretchr/testify/require"
)

func TestGenerateIsDeterministic(t *testing.T) {
	for seed := range int64(50) {
		a, b := Generate(seed, Options{}), Generate(seed, Options{})
		require.Equal(t, a, b, "seed %d", seed)
	}
	require.NotEqual(t, Generate(1, Options{}).Dockerfile, Generate(2, Options{}).Dockerfile)
}

func TestGenerateParses(t *testing.T) {
	for seed := range int64(300) {
		c := Generate(seed, Options{})
		res, err := parser.Parse(bytes.NewReader([]byte(c.Dockerfile)))
		require.NoError(t, err, "seed %d:\n%s", seed, c.Dockerfile)
		steps := 0
		for _, n := range res.AST.Children {
			switch strings.ToLower(n.Value) {
			case "run", "copy":
				steps++
			case "from":
			default:
				t.Fatalf("seed %d: unexpected %s", seed, n.Value)
			}
		}
		require.Equal(t, c.Steps, steps, "seed %d", seed)
		require.GreaterOrEqual(t, steps, 2)
		require.LessOrEqual(t, steps, 10)
		for _, n := range res.AST.Children {
			if strings.EqualFold(n.Value, "copy") {
				src := n.Next.Value
				require.True(t, hasContext(c, src), "seed %d: COPY %s without a context file", seed, src)
			}
		}
	}
}

func hasContext(c Case, src string) bool {
	for p := range c.Context {
		if p == src || strings.HasPrefix(p, src+"/") {
			return true
		}
	}
	return false
}

// TestGenerateCoversGrammar: a few hundred seeds use every kind, on both
// bases.
func TestGenerateCoversGrammar(t *testing.T) {
	seen := map[string]bool{}
	images := map[string]bool{}
	for seed := range int64(300) {
		c := Generate(seed, Options{})
		for _, k := range c.Kinds {
			seen[k] = true
		}
		images[strings.Fields(c.Dockerfile)[1]] = true
	}
	for _, o := range ops {
		require.True(t, seen[o.name], "kind %s never generated", o.name)
	}
	for _, k := range []string{"copy", "copy-dir", "stage"} {
		require.True(t, seen[k], "%s never generated", k)
	}
	require.True(t, images[Debian.Image] && images[Busybox.Image], "%v", images)
}

// TestGenerateNoXattrWithoutPerl: busybox has neither setfattr nor perl.
func TestGenerateNoXattrWithoutPerl(t *testing.T) {
	for seed := range int64(100) {
		c := Generate(seed, Options{Bases: []Base{Busybox}})
		require.False(t, slices.Contains(c.Kinds, "xattr"), "seed %d", seed)
		require.NotContains(t, c.Dockerfile, "perl", "seed %d", seed)
	}
}

// TestGenerateKeepsTools: no command removes, moves or writes a tool the
// later commands run.
func TestGenerateKeepsTools(t *testing.T) {
	tools := []string{"/bin/busybox", "/bin/sh", "/usr/bin/perl ", "/tmp ", "/bin ", "/usr/bin ", "/etc "}
	for seed := range int64(300) {
		c := Generate(seed, Options{})
		for _, line := range strings.Split(c.Dockerfile, "\n") {
			for _, tool := range tools {
				for _, verb := range []string{"rm -r ", "rm ", "mv ", "chmod 600 ", "> "} {
					require.NotContains(t, line+" ", verb+tool, "seed %d", seed)
				}
			}
		}
	}
}

func ExampleGenerate() {
	c := Generate(7, Options{})
	fmt.Println(c.Steps >= 2 && c.Steps <= 10)
	// Output: true
}
