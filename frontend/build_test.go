package frontend

import (
	"slices"
	"testing"

	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/util/apicaps"
	"github.com/stretchr/testify/require"

	"github.com/org/optfrontend/llbopt"
)

func TestSelectPasses(t *testing.T) {
	def, err := SelectPasses(gwclient.BuildOpts{})
	require.NoError(t, err)
	want, err := llbopt.Select(llbopt.Passes(llbopt.Config{LLBCaps: &apicaps.CapSet{}}), "")
	require.NoError(t, err)
	require.Equal(t, want, def)

	ns, err := SelectPasses(gwclient.BuildOpts{Opts: map[string]string{"build-arg:BUILDKIT_CACHE_MOUNT_NS": "proj"}})
	require.NoError(t, err)
	require.Contains(t, ns, llbopt.CacheMount{Namespace: "proj"})

	off, err := SelectPasses(gwclient.BuildOpts{Opts: map[string]string{"build-arg:BUILDKIT_OPT": "off"}})
	require.NoError(t, err)
	require.Empty(t, off)

	_, err = SelectPasses(gwclient.BuildOpts{Opts: map[string]string{"build-arg:BUILDKIT_OPT": "-nosuchpass"}})
	require.ErrorIs(t, err, llbopt.ErrUnknownPass)
	require.ErrorContains(t, err, "build arg BUILDKIT_OPT")
	require.ErrorContains(t, err, `"-nosuchpass"`)

	all, err := SelectPasses(gwclient.BuildOpts{Opts: map[string]string{"build-arg:BUILDKIT_OPT_SQUASH": "true"}})
	require.NoError(t, err)
	require.True(t, slices.ContainsFunc(all, func(p llbopt.Pass) bool { s, ok := p.(llbopt.Squash); return ok && s.All }))

	_, err = SelectPasses(gwclient.BuildOpts{Opts: map[string]string{"build-arg:BUILDKIT_OPT_SQUASH": "yes please"}})
	require.ErrorContains(t, err, "build arg BUILDKIT_OPT_SQUASH")
}

func TestChecksWord(t *testing.T) {
	for _, tc := range []struct {
		spec, passes string
		on           bool
	}{
		{"", "", true},
		{"off", "off", false},
		{"none", "none", false},
		{"off,+checks", "off", true},
		{"-checks", "", false},
		{"-cachemount checks", "-cachemount", true},
		{"off,all", "off,all", true},
		{"-checks,default", "default", true},
	} {
		passes, on := splitChecks(tc.spec)
		require.Equal(t, tc.passes, passes, tc.spec)
		require.Equal(t, tc.on, on, tc.spec)
		require.Equal(t, tc.on, ChecksEnabled(map[string]string{"build-arg:BUILDKIT_OPT": tc.spec}), tc.spec)
		_, err := SelectPasses(gwclient.BuildOpts{Opts: map[string]string{"build-arg:BUILDKIT_OPT": tc.spec}})
		require.NoError(t, err, "the checks word is not a pass name")
	}
}

func TestFixesAreOptIn(t *testing.T) {
	has := func(passes []llbopt.Pass, name string) bool {
		return slices.ContainsFunc(passes, func(p llbopt.Pass) bool { return p.Name() == name })
	}
	def, err := SelectPasses(gwclient.BuildOpts{})
	require.NoError(t, err)
	// Every fix that is a pass changes what the image holds: never on by
	// default, on when BUILDKIT_OPT_FIX names it.
	for _, name := range []string{"norecommends", "nodevdeps", "buildtools"} {
		require.False(t, has(def, name), "%s is on by default", name)
		fix, err := SelectPasses(gwclient.BuildOpts{Opts: map[string]string{"build-arg:BUILDKIT_OPT_FIX": name}})
		require.NoError(t, err)
		require.True(t, has(fix, name), name)
	}
	slim, err := SelectPasses(gwclient.BuildOpts{Opts: map[string]string{"build-arg:BUILDKIT_OPT_FIX": "slim"}})
	require.NoError(t, err, "slim is a fix the frontend applies, not a pass")
	require.False(t, has(slim, "slim"))
	_, err = SelectPasses(gwclient.BuildOpts{Opts: map[string]string{"build-arg:BUILDKIT_OPT_FIX": "slim,pin"}})
	require.NoError(t, err)
	_, err = SelectPasses(gwclient.BuildOpts{Opts: map[string]string{"build-arg:BUILDKIT_OPT_FIX": "pinned"}})
	require.ErrorContains(t, err, `build arg BUILDKIT_OPT_FIX: unknown fix "pinned"; known fixes: norecommends, nodevdeps, buildtools, slim, pin`)
}

func TestFallbackOption(t *testing.T) {
	for _, tc := range []struct {
		value string
		on    bool
		err   string
	}{
		{"", true, ""},
		{"on", true, ""},
		{"1", true, ""},
		{"off", false, ""},
		{"OFF", false, ""},
		{"false", false, ""},
		{"0", false, ""},
		{"maybe", false, `build arg BUILDKIT_OPT_FALLBACK: "maybe" is neither on nor off`},
	} {
		on, err := fallbackEnabled(map[string]string{"build-arg:" + BuildArgFallback: tc.value})
		if tc.err != "" {
			require.EqualError(t, err, tc.err)
			continue
		}
		require.NoError(t, err, tc.value)
		require.Equal(t, tc.on, on, tc.value)
	}
}
