package frontend

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/org/optfrontend/llbopt"
)

func TestSelectPasses(t *testing.T) {
	def, err := SelectPasses(map[string]string{})
	require.NoError(t, err)
	want, err := llbopt.Select(llbopt.Passes(llbopt.Config{}), "")
	require.NoError(t, err)
	require.Equal(t, want, def)

	ns, err := SelectPasses(map[string]string{"build-arg:BUILDKIT_CACHE_MOUNT_NS": "proj"})
	require.NoError(t, err)
	require.Contains(t, ns, llbopt.CacheMount{Namespace: "proj"})

	off, err := SelectPasses(map[string]string{"build-arg:BUILDKIT_OPT": "off"})
	require.NoError(t, err)
	require.Empty(t, off)

	_, err = SelectPasses(map[string]string{"build-arg:BUILDKIT_OPT": "-nosuchpass"})
	require.ErrorIs(t, err, llbopt.ErrUnknownPass)
	require.ErrorContains(t, err, "build arg BUILDKIT_OPT")
	require.ErrorContains(t, err, `"-nosuchpass"`)
}
