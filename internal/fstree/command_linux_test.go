package fstree

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(root, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
	}
}

func TestCommand(t *testing.T) {
	stock, optimized, tmp := t.TempDir(), t.TempDir(), t.TempDir()
	writeFiles(t, stock, map[string]string{
		"app/main":                        "v1",
		"app/.git/HEAD":                   "ref",
		"usr/bin/gcc":                     "cc",
		"var/lib/dpkg/info/gcc.list":      "/.\n/usr\n/usr/bin\n/usr/bin/gcc\n",
		"var/lib/dpkg/status":             "Package: gcc\n",
		"var/lib/dpkg/info/other.list":    "/usr/bin/other\n",
		"etc/unexplained-in-stock-only":   "x",
		"etc/conf":                        "same",
		"var/lib/dpkg/info/gcc.md5sums":   "sums",
		"var/lib/apt/extended_states":     "",
		"var/log/apt/history.log":         "",
		"var/cache/debconf/config.dat":    "",
		"var/log/dpkg.log":                "",
		"var/lib/dpkg/status-old":         "",
		"var/lib/dpkg/info/other.md5sums": "",
	})
	writeFiles(t, optimized, map[string]string{
		"app/main":                        "v2",
		"usr/bin/.keep":                   "",
		"etc/conf":                        "same",
		"var/lib/dpkg/status":             "",
		"var/lib/dpkg/info/other.list":    "/usr/bin/other\n",
		"var/lib/dpkg/info/other.md5sums": "",
		"var/lib/apt/extended_states":     "",
		"var/log/apt/history.log":         "changed",
		"var/cache/debconf/config.dat":    "",
		"var/log/dpkg.log":                "changed",
		"var/lib/dpkg/status-old":         "",
	})
	allowFile := filepath.Join(tmp, "allow.json")
	allow, err := json.Marshal([]Allowance{
		{Pattern: "/app/.git", MissingOnly: true, Pass: "contextfilter", Line: 2, Reason: "the .git dir is not copied"},
		{Package: "gcc", MissingOnly: true, Pass: "buildtools", Line: 5, Reason: "gcc only builds"},
	})
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(allowFile, allow, 0o644))
	out := filepath.Join(tmp, "result.json")

	var log bytes.Buffer
	require.NoError(t, run(Command, []string{"--stock", stock, "--optimized", optimized, "--allow", allowFile, "--out", out}, &log))
	require.Equal(t, "verify-compare: 30 and 25 entries, 11 differences, 8 explained, 3 unexplained\n", log.String())

	data, err := os.ReadFile(out)
	require.NoError(t, err)
	var r Result
	require.NoError(t, json.Unmarshal(data, &r))
	require.Equal(t, []string{
		"/app/main content " + content("v1") + " | " + content("v2"),
		"/etc/unexplained-in-stock-only missing file | ",
		"/usr/bin/.keep added  | file",
	}, showDiffs(r.FirstUnexplained))
	require.Equal(t, []string{
		"/app/.git missing dir | ",
		"/app/.git/HEAD missing file | ",
		"/usr/bin/gcc missing file | ",
		"/var/lib/dpkg/info/gcc.list missing file | ",
		"/var/lib/dpkg/info/gcc.md5sums missing file | ",
		"/var/lib/dpkg/status content " + content("Package: gcc\n") + " | " + content(""),
		"/var/log/apt/history.log content " + content("") + " | " + content("changed"),
		"/var/log/dpkg.log content " + content("") + " | " + content("changed"),
	}, showDiffs(r.FirstExplained))
	require.Equal(t, 2, r.Allowances[0].Explained)
	require.Equal(t, 6, r.Allowances[1].Explained)
	require.Equal(t, "buildtools", r.FirstExplained[2].Allowance.Pass)
	require.Equal(t, 5, r.FirstExplained[2].Allowance.Line)
}

func TestCommandFails(t *testing.T) {
	dir, tmp := t.TempDir(), t.TempDir()
	badAllow := filepath.Join(tmp, "bad.json")
	require.NoError(t, os.WriteFile(badAllow, []byte(`{"pattern": "/x"}`), 0o644))
	relAllow := filepath.Join(tmp, "rel.json")
	require.NoError(t, os.WriteFile(relAllow, []byte(`[{"pattern": "x"}]`), 0o644))
	out := filepath.Join(tmp, "out.json")
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no arguments", nil, "usage"},
		{"no out", []string{"--stock", dir, "--optimized", dir}, "usage"},
		{"extra argument", []string{"--stock", dir, "--optimized", dir, "--out", out, "x"}, "usage"},
		{"unknown flag", []string{"--nope"}, "not defined"},
		{"missing stock", []string{"--stock", filepath.Join(tmp, "none"), "--optimized", dir, "--out", out}, "reading stock's tree"},
		{"missing optimized", []string{"--stock", dir, "--optimized", filepath.Join(tmp, "none"), "--out", out}, "reading the optimized tree"},
		{"missing allow file", []string{"--stock", dir, "--optimized", dir, "--allow", filepath.Join(tmp, "none"), "--out", out}, "reading the allowances"},
		{"allow file not an array", []string{"--stock", dir, "--optimized", dir, "--allow", badAllow, "--out", out}, "reading the allowances"},
		{"relative pattern", []string{"--stock", dir, "--optimized", dir, "--allow", relAllow, "--out", out}, "not absolute"},
		{"out not writable", []string{"--stock", dir, "--optimized", dir, "--out", filepath.Join(tmp, "none", "out.json")}, "writing the result"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var log bytes.Buffer
			require.ErrorContains(t, run(Command, tc.args, &log), tc.want)
			_, err := os.Stat(out)
			require.ErrorIs(t, err, os.ErrNotExist)
		})
	}
	require.True(t, IsCommand("verify-compare"))
	require.False(t, IsCommand("squash-clear"))
}
