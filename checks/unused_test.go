package checks

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestUnusedStages(t *testing.T) {
	df := "FROM busybox AS base\nRUN true\nFROM base AS test\nRUN exit 1\nFROM busybox\nRUN true\nFROM base AS release\nCOPY --from=2 /x /x\n"
	for _, tc := range []struct {
		target string
		unused []string
		lines  []int
	}{
		{"", []string{"test"}, []int{3}},
		{"test", []string{"2", "release"}, []int{5, 7}},
		{"base", []string{"test", "2", "release"}, []int{3, 5, 7}},
	} {
		got, err := UnusedStages([]byte(df), Options{Target: tc.target})
		require.NoError(t, err)
		var names []string
		var lines []int
		for _, s := range got {
			names = append(names, s.Name)
			lines = append(lines, s.Location[0].Start.Line)
		}
		require.Equal(t, tc.unused, names, "target %q", tc.target)
		require.Equal(t, tc.lines, lines, "target %q", tc.target)
	}
	_, err := UnusedStages([]byte(df), Options{Target: "nope"})
	require.ErrorIs(t, err, ErrDockerfile)
}
