package pkgcache

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNeutralize(t *testing.T) {
	e := Exec{Args: []string{"a", "bcdef", "g"}, Env: []string{"X=1", "Y=2", "X=3"}, User: "u", Cwd: "/w"}
	for _, tc := range []struct {
		name    string
		defeats []Defeat
		want    Exec
		err     bool
	}{
		{"nothing", nil, e, false},
		{"edits right to left", []Defeat{
			{Fix: Fix{Edits: []Edit{{Arg: 1, Start: 0, End: 1, Text: "B"}}}},
			{Fix: Fix{Edits: []Edit{{Arg: 1, Start: 3, End: 5, Text: ""}}}},
		}, Exec{Args: []string{"a", "Bcd", "g"}, Env: e.Env, User: "u", Cwd: "/w"}, false},
		{"identical edits once", []Defeat{
			{Fix: Fix{Edits: []Edit{{Arg: 1, Start: 1, End: 2, Text: "X"}}}},
			{Fix: Fix{Edits: []Edit{{Arg: 1, Start: 1, End: 2, Text: "X"}}}},
		}, Exec{Args: []string{"a", "bXdef", "g"}, Env: e.Env, User: "u", Cwd: "/w"}, false},
		{"emptied argument removed", []Defeat{
			{Fix: Fix{Edits: []Edit{{Arg: 0, Start: 0, End: 1}}}},
		}, Exec{Args: []string{"bcdef", "g"}, Env: e.Env, User: "u", Cwd: "/w"}, false},
		{"unset every occurrence", []Defeat{{Fix: Fix{UnsetEnv: "X"}}},
			Exec{Args: e.Args, Env: []string{"Y=2"}, User: "u", Cwd: "/w"}, false},
		{"mount is left to the caller", []Defeat{{Fix: Fix{Mount: &FileMount{Path: "/p"}}}}, e, false},
		{"overlap", []Defeat{
			{Fix: Fix{Edits: []Edit{{Arg: 1, Start: 0, End: 3}}}},
			{Fix: Fix{Edits: []Edit{{Arg: 1, Start: 2, End: 4}}}},
		}, Exec{}, true},
		{"out of range arg", []Defeat{{Fix: Fix{Edits: []Edit{{Arg: 3}}}}}, Exec{}, true},
		{"out of range end", []Defeat{{Fix: Fix{Edits: []Edit{{Arg: 0, Start: 0, End: 2}}}}}, Exec{}, true},
		{"backwards", []Defeat{{Fix: Fix{Edits: []Edit{{Arg: 1, Start: 2, End: 1}}}}}, Exec{}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Neutralize(e, tc.defeats)
			if tc.err {
				require.Error(t, err)
				require.Equal(t, e, got)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
			require.Equal(t, []string{"a", "bcdef", "g"}, e.Args, "the input is not modified")
		})
	}
}
