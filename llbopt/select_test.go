package llbopt

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// namedPass is a pass that does nothing, for testing selection by name.
type namedPass string

func (p namedPass) Name() string                                  { return string(p) }
func (p namedPass) Apply(context.Context, *Graph) (Report, error) { return Report{}, nil }

var testKnown = []Entry{
	{Pass: namedPass("cachemount"), Default: true},
	{Pass: namedPass("squash"), Default: true},
	{Pass: namedPass("devdeps"), Default: false},
}

func names(ps []Pass) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.Name())
	}
	return out
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
			got, err := Select(testKnown, tc.spec)
			require.NoError(t, err)
			require.Equal(t, tc.want, names(got))
		})
	}
}

func TestSelectUnknownNamesTheKnownPasses(t *testing.T) {
	for _, spec := range []string{"sqush", "-nope", "+", "-", "off,--squash"} {
		t.Run(spec, func(t *testing.T) {
			_, err := Select(testKnown, spec)
			require.True(t, errors.Is(err, ErrUnknownPass))
			require.ErrorContains(t, err, "known passes: cachemount, squash, devdeps")
			require.ErrorContains(t, err, spec)
		})
	}
	_, err := Select(nil, "squash")
	require.ErrorContains(t, err, "known passes: (none yet)")
}

func FuzzSelect(f *testing.F) {
	for _, s := range []string{"", "off", "all,-squash", "+devdeps", "x,y", "-,+", "off squash"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		got, err := Select(testKnown, spec)
		if err != nil {
			require.ErrorIs(t, err, ErrUnknownPass)
			return
		}
		// Whatever is selected is known, unique and in pipeline order.
		last := -1
		for _, p := range got {
			i := -1
			for j, e := range testKnown {
				if e.Pass.Name() == p.Name() {
					i = j
				}
			}
			require.Greater(t, i, last)
			last = i
		}
	})
}
