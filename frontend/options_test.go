package frontend

import (
	"errors"
	"slices"
	"testing"

	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/solver/pb"
	"github.com/stretchr/testify/require"

	"github.com/org/optfrontend/llbopt"
)

// testClient is a gateway client with only build options: opts, and every
// LLB capability.
type testClient struct {
	gwclient.Client
	opts map[string]string
}

func (c testClient) BuildOpts() gwclient.BuildOpts {
	return gwclient.BuildOpts{Opts: c.opts, LLBCaps: pb.Caps.CapSet(pb.Caps.All())}
}

func TestSelectPasses(t *testing.T) {
	def, err := SelectPasses(testClient{})
	require.NoError(t, err)
	caps := pb.Caps.CapSet(pb.Caps.All())
	var want []llbopt.Pass
	for _, e := range llbopt.Passes(llbopt.Config{LLBCaps: &caps}) {
		if e.Default {
			want = append(want, e.Pass)
		}
	}
	require.Equal(t, want, def)

	ns, err := SelectPasses(testClient{opts: map[string]string{"build-arg:BUILDKIT_CACHE_MOUNT_NS": "proj"}})
	require.NoError(t, err)
	require.Contains(t, ns, llbopt.CacheMount{Namespace: "proj"})

	off, err := SelectPasses(testClient{opts: map[string]string{"build-arg:BUILDKIT_OPT": "off"}})
	require.NoError(t, err)
	require.Empty(t, off)

	_, err = SelectPasses(testClient{opts: map[string]string{"build-arg:BUILDKIT_OPT": "-nosuchpass"}})
	require.ErrorIs(t, err, ErrUnknownPass)
	require.ErrorContains(t, err, "build arg BUILDKIT_OPT")
	require.ErrorContains(t, err, `"-nosuchpass"`)

	all, err := SelectPasses(testClient{opts: map[string]string{"build-arg:BUILDKIT_OPT_SQUASH": "true"}})
	require.NoError(t, err)
	require.True(t, slices.ContainsFunc(all, func(p llbopt.Pass) bool { s, ok := p.(llbopt.Squash); return ok && s.All }))

	_, err = SelectPasses(testClient{opts: map[string]string{"build-arg:BUILDKIT_OPT_SQUASH": "yes please"}})
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
		// The checks word switches the checks and leaves the passes as the
		// spec's other words make them.
		o, err := ParseOptions(map[string]string{"build-arg:BUILDKIT_OPT": tc.spec})
		require.NoError(t, err, tc.spec)
		require.Equal(t, tc.on, o.Checks, tc.spec)
		without, err := ParseOptions(map[string]string{"build-arg:BUILDKIT_OPT": tc.passes})
		require.NoError(t, err, tc.passes)
		require.Equal(t, without.Passes, o.Passes, tc.spec)
		_, err = SelectPasses(testClient{opts: map[string]string{"build-arg:BUILDKIT_OPT": tc.spec}})
		require.NoError(t, err, "the checks word is not a pass name")
	}
}

func TestFixesAreOptIn(t *testing.T) {
	has := func(passes []llbopt.Pass, name string) bool {
		return slices.ContainsFunc(passes, func(p llbopt.Pass) bool { return p.Name() == name })
	}
	def, err := SelectPasses(testClient{})
	require.NoError(t, err)
	// Every fix that is a pass changes what the image holds: never on by
	// default, on when BUILDKIT_OPT_FIX names it.
	for _, name := range []string{"vcsdirs", "norecommends", "nodevdeps", "slim", "buildtools"} {
		require.False(t, has(def, name), "%s is on by default", name)
		fix, err := SelectPasses(testClient{opts: map[string]string{"build-arg:BUILDKIT_OPT_FIX": name}})
		require.NoError(t, err)
		require.True(t, has(fix, name), name)
	}
	// slim is a pass (llbopt.SlimBase) and, where the frontend builds the
	// stage on the -slim image itself, named contexts.
	o, err := ParseOptions(map[string]string{"build-arg:BUILDKIT_OPT_FIX": "slim"})
	require.NoError(t, err)
	require.True(t, o.Slim)
	_, err = SelectPasses(testClient{opts: map[string]string{"build-arg:BUILDKIT_OPT_FIX": "slim,pin"}})
	require.NoError(t, err)
	_, err = SelectPasses(testClient{opts: map[string]string{"build-arg:BUILDKIT_OPT_FIX": "pinned"}})
	require.ErrorContains(t, err, `build arg BUILDKIT_OPT_FIX: unknown fix "pinned"; known fixes: vcsdirs, norecommends, nodevdeps, slim, buildtools, pin`)
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

// testKnown is a registry of made-up passes, for the selection grammar.
var testKnown = []switchable{
	{name: "cachemount", on: true, pass: true},
	{name: "squash", on: true, pass: true},
	{name: "devdeps", pass: true, fix: true},
}

// selected lists the passes of testKnown that spec switches on, in
// registry order.
func selected(t *testing.T, spec string) ([]string, error) {
	t.Helper()
	on, err := switchWords(testKnown, spec, "")
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, s := range testKnown {
		if on[s.name] {
			out = append(out, s.name)
		}
	}
	return out, nil
}

func TestSelect(t *testing.T) {
	for _, tc := range []struct {
		spec string
		want []string
	}{
		{"", []string{"cachemount", "squash"}},
		{"off", []string{}},
		{"none", []string{}},
		{"OFF", []string{}},
		{"all", []string{"cachemount", "squash", "devdeps"}},
		{"-squash", []string{"cachemount"}},
		{"-Squash", []string{"cachemount"}}, // names, like keywords, in any case
		{"+devdeps", []string{"cachemount", "squash", "devdeps"}},
		{"devdeps", []string{"cachemount", "squash", "devdeps"}},
		{"off,squash", []string{"squash"}},
		{"off squash", []string{"squash"}},
		{"all,-cachemount", []string{"squash", "devdeps"}},
		{"off,default", []string{"cachemount", "squash"}},
		{"squash,off", []string{}},
		{" , ,", []string{"cachemount", "squash"}},
		{"devdeps,cachemount", []string{"cachemount", "squash", "devdeps"}}, // pipeline order, not spec order
	} {
		t.Run(tc.spec, func(t *testing.T) {
			got, err := selected(t, tc.spec)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestSelectUnknownNamesTheKnownPasses(t *testing.T) {
	for _, spec := range []string{"sqush", "-nope", "+", "-", "off,--squash"} {
		t.Run(spec, func(t *testing.T) {
			_, err := selected(t, spec)
			require.True(t, errors.Is(err, ErrUnknownPass))
			require.ErrorContains(t, err, "known passes: cachemount, squash, devdeps")
			require.ErrorContains(t, err, spec)
		})
	}
	_, err := switchWords(nil, "squash", "")
	require.ErrorContains(t, err, "known passes: (none yet)")
}

func FuzzSelect(f *testing.F) {
	for _, s := range []string{"", "off", "all,-squash", "+devdeps", "x,y", "-,+", "off squash"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		on, err := switchWords(testKnown, spec, "")
		if err != nil {
			require.ErrorIs(t, err, ErrUnknownPass)
			return
		}
		// Whatever is switched on is known.
		for name, v := range on {
			require.True(t, !v || slices.ContainsFunc(testKnown, func(s switchable) bool { return s.name == name }), name)
		}
	})
}
