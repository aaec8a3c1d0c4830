package compare

import (
	"bytes"
	"testing"

	"github.com/org/optfrontend/internal/testbed"
	"github.com/stretchr/testify/require"
)

// TestVerifyFlask runs optctl verify's build on the flask example: it
// passes, the changes it accepted are report lines at Dockerfile lines, and the printed verdict says so.
func TestVerifyFlask(t *testing.T) {
	c, _, reg := needTestbed(t)
	img := testbed.FrontendImage(t, "..", reg)
	v, err := Verify(t.Context(), c, VerifyOptions{Context: "../examples/flask", FrontendImage: img, Quiet: true})
	require.NoError(t, err)
	require.Empty(t, v.Warnings, "no unexplained difference, no fallback")
	atLine := 0
	for _, f := range v.Findings {
		if f.Changed && f.Line > 0 {
			atLine++
		}
	}
	require.NotZero(t, atLine, "the passes change the flask example, at its lines")
	var out bytes.Buffer
	require.NoError(t, WriteVerification(&out, v))
	require.Contains(t, out.String(), "verified: the optimized image equals stock's")

	_, err = Verify(t.Context(), c, VerifyOptions{Context: "../examples/nonexistent", FrontendImage: img, Quiet: true})
	require.ErrorContains(t, err, "reading the Dockerfile")
}
