package compare

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestWriteJSONRoundTrips(t *testing.T) {
	want := sampleReport()
	var buf bytes.Buffer
	require.NoError(t, WriteJSON(&buf, want))
	var got Report
	require.NoError(t, json.Unmarshal(buf.Bytes(), &got))
	// What JSON does not carry: how a scenario prepares its builds.
	for i := range want.Scenarios {
		want.Scenarios[i].NoCache, want.Scenarios[i].change, want.Scenarios[i].skipped = false, nil, ""
	}
	require.Equal(t, *want, got)

	var fields map[string]any
	require.NoError(t, json.Unmarshal(buf.Bytes(), &fields))
	for _, k := range []string{"stock", "optimized", "scenarios", "changes", "builds", "notes"} {
		require.Contains(t, fields, k)
	}
	require.Equal(t, 50_812_648.0, fields["stock"].(map[string]any)["size"])
}
