package fstree

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// pyc is a timestamp-based compiled Python file: magic, flags 0, the
// source's mtime and size, then code.
func pyc(mtime byte, code string) string {
	return string([]byte{0xa7, 0x0d, 0x0d, 0x0a, 0, 0, 0, 0, mtime, 1, 2, 3, 9, 0, 0, 0}) + code
}

// TestCommandNoise: the comparer explains what a step that runs again
// records about when it ran, and nothing more.
func TestCommandNoise(t *testing.T) {
	hashed := string([]byte{0xa7, 0x0d, 0x0d, 0x0a, 1, 0, 0, 0, 5, 1, 2, 3, 9, 0, 0, 0}) + "code"
	hashedOther := string([]byte{0xa7, 0x0d, 0x0d, 0x0a, 1, 0, 0, 0, 6, 1, 2, 3, 9, 0, 0, 0}) + "code"
	stock, optimized, tmp := t.TempDir(), t.TempDir(), t.TempDir()
	writeFiles(t, stock, map[string]string{
		"app/__pycache__/stamp.cpython-312.pyc":                pyc(1, "code"),
		"app/__pycache__/code.cpython-312.pyc":                 pyc(1, "code"),
		"app/__pycache__/hashed.cpython-312.pyc":               hashed,
		"var/log/dpkg.log":                                     "2026-12-01 install gcc",
		"var/log/gone.log":                                     "x",
		"root/.npm/_logs/2026-12-01T22_18_15_559Z-debug-0.log": "a",
		"root/.npm/_cacache/index-v5/17/b4/46a3":               `{"time":1}`,
		"var/cache/ldconfig/aux-cache":                         "t1",
		"tmp/v8-compile-cache-0/11.3/yarn.js.MAP":              "m1",
		"root/.config/go/telemetry/local/go@go1.26.8-go1.26.8-linux-amd64-2026-12-02.v1.count": "1",
		"etc/shadow":  "root:*:20424:0:99999:7:::\nappuser:!:20424:0:99999:7:::\n",
		"etc/shadow-": "root:*:20424:0:99999:7:::\napp:!:20424::::::\n",
	})
	writeFiles(t, optimized, map[string]string{
		"app/__pycache__/stamp.cpython-312.pyc":                                                pyc(2, "code"),
		"app/__pycache__/code.cpython-312.pyc":                                                 pyc(2, "edoc"),
		"app/__pycache__/hashed.cpython-312.pyc":                                               hashedOther,
		"var/log/dpkg.log":                                                                     "2026-12-02 install gcc",
		"root/.npm/_logs/2026-12-02T01_08_50_933Z-debug-0.log":                                 "b",
		"root/.npm/_cacache/index-v5/17/b4/46a3":                                               `{"time":2}`,
		"var/cache/ldconfig/aux-cache":                                                         "t2",
		"tmp/v8-compile-cache-0/11.3/yarn.js.MAP":                                              "m2",
		"root/.config/go/telemetry/local/go@go1.26.8-go1.26.8-linux-amd64-2026-12-02.v1.count": "2",
		"etc/shadow":  "root:*:20424:0:99999:7:::\nappuser:!:20425:0:99999:7:::\n",
		"etc/shadow-": "root:*:20424:0:99999:7:::\napp:$6$x:20425::::::\n",
	})
	out := filepath.Join(tmp, "result.json")
	var log bytes.Buffer
	require.NoError(t, run(Command, []string{"--stock", stock, "--optimized", optimized, "--out", out}, &log))
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	var r Result
	require.NoError(t, json.Unmarshal(data, &r))
	require.Equal(t, []string{
		"/app/__pycache__/code.cpython-312.pyc content " + content(pyc(1, "code")) + " | " + content(pyc(2, "edoc")),
		"/app/__pycache__/hashed.cpython-312.pyc content " + content(hashed) + " | " + content(hashedOther),
		"/etc/shadow- content " + content("root:*:20424:0:99999:7:::\napp:!:20424::::::\n") + " | " + content("root:*:20424:0:99999:7:::\napp:$6$x:20425::::::\n"),
		"/var/log/gone.log missing file | ",
	}, showDiffs(r.FirstUnexplained), "a pyc that differs in its code or is checked by hash, a shadow file whose password changed, and a log that went missing, are not noise")
	explained := map[string]string{}
	for _, d := range r.FirstExplained {
		explained[d.Path] = d.Allowance.Pass + ": " + d.Allowance.Reason
	}
	require.Len(t, explained, 9)
	require.Contains(t, explained["/tmp/v8-compile-cache-0/11.3/yarn.js.MAP"], "v8-compile-cache")
	require.Contains(t, explained["/etc/shadow"], "verify: /etc/shadow records the day")
	require.Contains(t, explained["/app/__pycache__/stamp.cpython-312.pyc"], "verify: a compiled Python file records the mtime")
	require.Contains(t, explained["/var/log/dpkg.log"], "verify: logs record")
	require.Contains(t, explained["/root/.npm/_logs/2026-12-01T22_18_15_559Z-debug-0.log"], "npm names its debug log")
	require.Contains(t, explained["/root/.npm/_logs/2026-12-02T01_08_50_933Z-debug-0.log"], "npm names its debug log")
	require.Contains(t, explained["/root/.npm/_cacache/index-v5/17/b4/46a3"], "npm's cache index")
	require.Contains(t, explained["/var/cache/ldconfig/aux-cache"], "ldconfig")
	require.Contains(t, explained["/root/.config/go/telemetry/local/go@go1.26.8-go1.26.8-linux-amd64-2026-12-02.v1.count"], "telemetry")
}

// TestCommandAgain: where stock's own build varies between two runs, the
// same kind of difference of the optimized tree is explained; any other
// difference, at that path or elsewhere, is not.
func TestCommandAgain(t *testing.T) {
	stock, again, optimized, tmp := t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir()
	writeFiles(t, stock, map[string]string{"ext.so": "build-dir-1", "RECORD": "hash-1", "app.py": "v1", "same": "s"})
	writeFiles(t, again, map[string]string{"ext.so": "build-dir-2", "RECORD": "hash-2", "app.py": "v1", "same": "s"})
	writeFiles(t, optimized, map[string]string{"ext.so": "build-dir-3", "RECORD": "hash-3", "app.py": "v2", "same": "s"})
	require.NoError(t, os.Chmod(filepath.Join(optimized, "RECORD"), 0o600))
	out := filepath.Join(tmp, "result.json")
	var log bytes.Buffer
	require.NoError(t, run(Command, []string{"--stock", stock, "--again", again, "--optimized", optimized, "--out", out}, &log))
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	var r Result
	require.NoError(t, json.Unmarshal(data, &r))
	require.Equal(t, []string{
		"/RECORD mode 0644 | 0600",
		"/app.py content " + content("v1") + " | " + content("v2"),
	}, showDiffs(r.FirstUnexplained))
	require.Len(t, r.FirstExplained, 2)
	for _, d := range r.FirstExplained {
		require.Contains(t, []string{"/ext.so", "/RECORD"}, d.Path)
		require.Equal(t, "verify", d.Allowance.Pass)
		require.Contains(t, d.Allowance.Reason, "stock's own build")
	}

	require.ErrorContains(t, run(Command, []string{"--stock", stock, "--again", filepath.Join(tmp, "none"), "--optimized", optimized, "--out", out}, &log),
		"reading stock's tree of the second run")
}

// TestCommandAgainNamesOfARun: a name stock's build makes anew each run
// (yarn's /tmp/yarn--<ms>-<random> script shims) stands for its shape: the
// optimized run's third name is explained, added or missing; a name of
// another shape, and a digitless name only one tree has, are not.
func TestCommandAgainNamesOfARun(t *testing.T) {
	stock, again, optimized, tmp := t.TempDir(), t.TempDir(), t.TempDir(), t.TempDir()
	writeFiles(t, stock, map[string]string{"tmp/yarn--1796314300001-0.11/node": "x", "app.js": "a"})
	writeFiles(t, again, map[string]string{"tmp/yarn--1796314300777-0.52/node": "x", "app.js": "a"})
	writeFiles(t, optimized, map[string]string{"tmp/yarn--1796314309999-0.93/node": "x", "tmp/other-12/x": "y", "tmp/extra": "z", "app.js": "a"})
	out := filepath.Join(tmp, "result.json")
	var log bytes.Buffer
	require.NoError(t, run(Command, []string{"--stock", stock, "--again", again, "--optimized", optimized, "--out", out}, &log))
	data, err := os.ReadFile(out)
	require.NoError(t, err)
	var r Result
	require.NoError(t, json.Unmarshal(data, &r))
	var unexplained []string
	for _, d := range r.FirstUnexplained {
		unexplained = append(unexplained, d.Path)
	}
	slices.Sort(unexplained)
	require.Equal(t, []string{"/tmp/extra", "/tmp/other-12", "/tmp/other-12/x"}, unexplained)
	var explained []string
	for _, d := range r.FirstExplained {
		explained = append(explained, d.Path+" "+d.What)
	}
	require.Contains(t, explained, "/tmp/yarn--1796314309999-0.93 added")
	require.Contains(t, explained, "/tmp/yarn--1796314300001-0.11/node missing")
}
