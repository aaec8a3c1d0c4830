package frontend

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/org/optfrontend/llbopt"
)

func TestVerifyOption(t *testing.T) {
	for _, tc := range []struct {
		value string
		want  verifyMode
		err   bool
	}{
		{"", verifyOff, false},
		{"0", verifyOff, false},
		{"off", verifyOff, false},
		{"false", verifyOff, false},
		{"1", verifyStrict, false},
		{"true", verifyStrict, false},
		{"strict", verifyStrict, false},
		{"STRICT", verifyStrict, false},
		{"warn", verifyWarn, false},
		{"maybe", verifyOff, true},
	} {
		got, err := verifyModeOf(map[string]string{"build-arg:" + BuildArgVerify: tc.value})
		if tc.err {
			require.ErrorContains(t, err, "build arg "+BuildArgVerify, tc.value)
			continue
		}
		require.NoError(t, err, tc.value)
		require.Equal(t, tc.want, got, tc.value)
	}
	got, err := verifyModeOf(nil)
	require.NoError(t, err)
	require.Equal(t, verifyOff, got)
}

func TestConfigDiff(t *testing.T) {
	base := `{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin","A=1"],"Cmd":["app"],"WorkingDir":"/app"},"history":[{"created_by":"RUN a"}]}`
	for _, tc := range []struct {
		name, after, want string
	}{
		{"the same", base, ""},
		{"another history", `{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin","A=1"],"Cmd":["app"],"WorkingDir":"/app"},"history":[{"created_by":"RUN a","empty_layer":true}]}`, ""},
		{"key order and spacing", `{"os":"linux","architecture":"amd64","config":{"WorkingDir":"/app", "Cmd":["app"],"Env":["PATH=/bin","A=1"]}}`, ""},
		{"env", `{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin","A=2"],"Cmd":["app"],"WorkingDir":"/app"}}`, `Env (stock ["PATH=/bin","A=1"], optimized ["PATH=/bin","A=2"])`},
		{"a field more", `{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/bin","A=1"],"Cmd":["app"],"WorkingDir":"/app","User":"app"}}`, `User (stock , optimized "app")`},
		{"platform", `{"architecture":"arm64","os":"linux","config":{"Env":["PATH=/bin","A=1"],"Cmd":["app"],"WorkingDir":"/app"}}`, "platform"},
	} {
		require.Equal(t, tc.want, configDiff([]byte(base), []byte(tc.after)), tc.name)
	}
	require.Contains(t, configDiff([]byte(base), []byte("{")), "cannot be read")
	require.Empty(t, configDiff(nil, []byte(base)), "no config (not an image): nothing to compare")
}

// TestAllowancesNameTheirLine turns a plan's findings into the comparer's
// allowances: only changes explain, each with its pass and report line.
func TestAllowancesNameTheirLine(t *testing.T) {
	p := plan{reports: []llbopt.Report{
		{Pass: "cachemount", Findings: []llbopt.Finding{
			{Message: "cache mount for pip at /root/.cache/pip", Changed: true, Allows: []llbopt.Allow{{Path: "/root/.cache/pip", Parents: true}}},
			{Message: "left the cache alone", Allows: []llbopt.Allow{{Path: "/nope"}}},
		}},
		{Pass: "buildtools", Findings: []llbopt.Finding{
			{Message: "left gcc out", Changed: true, Allows: []llbopt.Allow{{Package: "gcc", MissingOnly: true}}},
		}},
	}}
	got := allowances(p)
	require.Len(t, got, 2)
	require.Equal(t, "/root/.cache/pip", got[0].Pattern)
	require.True(t, got[0].Parents)
	require.Equal(t, "cachemount", got[0].Pass)
	require.Equal(t, "cache mount for pip at /root/.cache/pip", got[0].Reason)
	require.Equal(t, "gcc", got[1].Package)
	require.True(t, got[1].MissingOnly)
	require.Equal(t, "buildtools", got[1].Pass)
}
