package checks

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/stretchr/testify/require"
)

// FuzzRun checks that no Dockerfile text makes Run panic, that it fails
// only for a Dockerfile it cannot read, and that every warning is one of
// Rules at a line of the file.
func FuzzRun(f *testing.F) {
	seeds, err := filepath.Glob("testdata/seeds/*.Dockerfile")
	require.NoError(f, err)
	for _, s := range seeds {
		dt, err := os.ReadFile(s)
		require.NoError(f, err)
		f.Add(string(dt))
	}
	for _, cases := range ruleCases {
		for _, tc := range cases {
			f.Add(tc.df)
		}
	}
	f.Add("# check=skip=all;error=true\nFROM a AS b\nFROM b\nCOPY --from=0 . .\nRUN --mount=from=b,target=/x sh -c \"$(echo)\"\nONBUILD RUN apt-get install x\n")
	known := map[string]bool{}
	for _, r := range Rules() {
		known[r.RuleName()] = true
	}
	f.Fuzz(func(t *testing.T, df string) {
		opt := options()
		opt.AllStages = len(df)%2 == 0
		got, err := check(t, df, opt)
		if err != nil {
			require.True(t, errors.Is(err, ErrDockerfile) || errors.Is(err, ErrViolation), "unexpected error: %v", err)
		}
		n := strings.Count(df, "\n") + 1
		for _, w := range got {
			require.True(t, known[w.Rule], w.Rule)
			require.True(t, w.Line >= 1 && w.Line <= n, "line %d of %d", w.Line, n)
			require.NotEmpty(t, w.Msg)
		}
	})
}

// FuzzRunCalls checks that no script makes the shell reading panic, in the
// shell form, a heredoc and sh -c.
func FuzzRunCalls(f *testing.F) {
	for _, s := range []string{
		"apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*",
		"sudo -E env -u HOME apt-get install -y --no-install-recommends x",
		`bash -o pipefail -c "sh -c 'apk add --virtual .d gcc && apk del .d'"`,
		"f() { apt install x; }; f | tee log; echo $(apk add y)",
		"bash <<'EOF'\napt-get install x\nEOF",
		"if [ ; then",
		"timeout -k 1 2 nice -n 3 command exec -a x apt-get install",
		`echo 'APT::Install-Recommends "false";' > /etc/apt/apt.conf.d/1`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, script string) {
		run := &instructions.RunCommand{ShellDependantCmdLine: instructions.ShellDependantCmdLine{CmdLine: []string{script}, PrependShell: true}}
		calls, ok := runCalls(run, []string{"/bin/sh", "-c"})
		if !ok {
			return
		}
		for _, c := range calls {
			require.NotEmpty(t, c.name)
			packageOp(c)
		}
		aptConfigNoRecommends(calls)
		exec := &instructions.RunCommand{ShellDependantCmdLine: instructions.ShellDependantCmdLine{CmdLine: []string{"sh", "-c", script}}}
		_, _ = runCalls(exec, nil)
	})
}
