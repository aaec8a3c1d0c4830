package frontend

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/org/optfrontend/llbopt"
)

func TestSelectPasses(t *testing.T) {
	def, err := SelectPasses(map[string]string{})
	require.NoError(t, err)
	want, err := llbopt.Select(llbopt.Passes, "")
	require.NoError(t, err)
	require.Equal(t, want, def)

	off, err := SelectPasses(map[string]string{"build-arg:BUILDKIT_OPT": "off"})
	require.NoError(t, err)
	require.Empty(t, off)

	_, err = SelectPasses(map[string]string{"build-arg:BUILDKIT_OPT": "-nosuchpass"})
	require.ErrorIs(t, err, llbopt.ErrUnknownPass)
	require.ErrorContains(t, err, "build arg BUILDKIT_OPT")
	require.ErrorContains(t, err, `"-nosuchpass"`)
}
