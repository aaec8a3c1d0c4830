package frontend

import (
	"strings"
	"testing"

	"github.com/moby/sys/user"
	"github.com/stretchr/testify/require"
)

func TestPasswdLookup(t *testing.T) {
	entries, err := user.ParsePasswd(strings.NewReader("root:x:0:0:root:/root:/bin/bash\nnode:x:1000:1000::/home/node:/bin/bash\n"))
	require.NoError(t, err)
	lookup := passwdLookup(entries)
	for _, tc := range []struct {
		name     string
		uid, gid int
		home     string
		ok       bool
	}{
		{"node", 1000, 1000, "/home/node", true},
		{"1000", 1000, 1000, "/home/node", true},
		{"root", 0, 0, "/root", true},
		{"app", 0, 0, "", false},
		{"1001", 0, 0, "", false},
	} {
		uid, gid, home, ok := lookup(tc.name)
		require.Equal(t, tc.ok, ok, tc.name)
		require.Equal(t, tc.uid, uid, tc.name)
		require.Equal(t, tc.gid, gid, tc.name)
		require.Equal(t, tc.home, home, tc.name)
	}
}
