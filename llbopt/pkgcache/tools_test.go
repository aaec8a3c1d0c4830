package pkgcache

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestToolTable checks that the table refers only to known kinds, that
// every kind is used and that each has a rule that always applies.
func TestToolTable(t *testing.T) {
	used := map[string]bool{}
	for _, tl := range tools {
		t.Run(tl.names[0], func(t *testing.T) {
			require.NotEmpty(t, tl.uses)
			for _, u := range tl.uses {
				for _, k := range u.caches {
					require.Contains(t, kinds, k)
					used[k] = true
				}
			}
			for _, f := range tl.flags {
				require.Contains(t, kinds, f.cache)
			}
			for _, e := range tl.envs {
				require.Contains(t, kinds, e.cache)
			}
			for _, c := range tl.cmds {
				require.Contains(t, kinds, c.cache)
			}
		})
	}
	for name, k := range kinds {
		t.Run(name, func(t *testing.T) {
			require.Equal(t, name, k.tool)
			require.True(t, used[name], "no tool uses it")
			require.Contains(t, []string{SharingShared, SharingLocked}, k.sharing)
			last := k.rules[len(k.rules)-1]
			if k.noDefault != "" {
				require.False(t, last.home || last.fixed != "", "a kind without a default has no rule that always applies")
				return
			}
			require.True(t, last.home || last.fixed != "", "the last rule must always apply")
		})
	}
}

func TestToolNamed(t *testing.T) {
	for _, tc := range []struct {
		name string
		want *tool
	}{
		{"pip", pipTool}, {"pip3", pipTool}, {"pip3.12", pipTool}, {"pipx", nil}, {"pip-compile", nil},
		{"npm", npmTool}, {"npx", nil}, {"apt-get", aptTool}, {"apt", aptTool}, {"apt-cache", nil},
		{"gradlew", gradlewTool}, {"mvnw", mvnwTool}, {"go", goTool}, {"gofmt", nil}, {"", nil},
		{"bundle", bundlerTool}, {"bundler", bundlerTool}, {"gem", nil}, {"composer", composerTool},
		{"dotnet", dotnetTool}, {"dnf", dnfTool}, {"yum", dnfTool}, {"dnf-3", dnfTool}, {"dnf5", dnf5Tool},
		{"microdnf", nil}, {"zypper", nil}, {"conda", nil}, {"mamba", nil}, {"micromamba", nil},
		{"bun", bunTool}, {"bunx", nil}, {"sbt", sbtTool}, {"sbtn", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Same(t, tc.want, toolNamed(tc.name))
		})
	}
}

func TestEnvCond(t *testing.T) {
	require.True(t, envCond{}.holds("0"))
	require.False(t, envCond{}.holds(""))
	require.True(t, envCond{truthy: true}.holds("TRUE"))
	require.False(t, envCond{truthy: true}.holds("0"))
	require.True(t, envCond{equals: "off"}.holds("off"))
	require.False(t, envCond{equals: "off"}.holds("direct"))
}
