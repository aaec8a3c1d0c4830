package frontend

import (
	"context"
	"encoding/json"
	"testing"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/stretchr/testify/require"

	"github.com/org/optfrontend/internal/dftest"
	"github.com/org/optfrontend/llbopt"
)

// squashedHistory converts a Dockerfile as stock does, runs the squash
// pass over its graph and applies the pass's layer edits to the history
// stock made for it.
func squashedHistory(t *testing.T, dockerfile string) (*dockerspec.DockerOCIImage, error) {
	t.Helper()
	def, img := dftest.Convert(t, dockerfile, "")
	_, _, reports, err := llbopt.NewPipeline(llbopt.Squash{Caps: dftest.AllCaps(), Helper: "org/optfrontend"}).Run(context.Background(), def)
	require.NoError(t, err)
	var edits []llbopt.LayerEdit
	for _, r := range reports {
		edits = append(edits, r.Layers...)
	}
	require.NotEmpty(t, edits)
	dt, err := json.Marshal(img)
	require.NoError(t, err)
	out, err := patchHistory(dt, edits)
	if err != nil {
		return nil, err
	}
	var patched dockerspec.DockerOCIImage
	require.NoError(t, json.Unmarshal(out, &patched))
	return &patched, nil
}

func TestPatchHistoryFollowsTheLayers(t *testing.T) {
	img, err := squashedHistory(t, "FROM debian\nRUN apt-get update\nRUN apt-get install -y curl\nRUN rm -rf /var/lib/apt/lists/*\nWORKDIR /app\nCOPY . .\nCMD [\"app\"]\n")
	require.NoError(t, err)
	type entry struct {
		createdBy string
		empty     bool
		comment   string
	}
	var got []entry
	for _, h := range img.History {
		got = append(got, entry{h.CreatedBy, h.EmptyLayer, h.Comment})
	}
	require.Equal(t, []entry{
		{"base docker.io/library/debian:latest", false, ""},
		{"RUN /bin/sh -c apt-get update # buildkit", true, "buildkit.dockerfile.v0; optfrontend: in the layer of Dockerfile:2-4"},
		{"RUN /bin/sh -c apt-get install -y curl # buildkit", true, "buildkit.dockerfile.v0; optfrontend: in the layer of Dockerfile:2-4"},
		{"RUN /bin/sh -c rm -rf /var/lib/apt/lists/* # buildkit", false, "buildkit.dockerfile.v0; optfrontend: one layer for Dockerfile:2-4"},
		{"WORKDIR /app", false, "buildkit.dockerfile.v0"},
		{"COPY . . # buildkit", false, "buildkit.dockerfile.v0"},
		{"CMD [\"app\"]", true, "buildkit.dockerfile.v0"},
	}, got)
}

func TestPatchHistoryRefusesAHistoryThatDoesNotMatch(t *testing.T) {
	edits := []llbopt.LayerEdit{{Kinds: []string{"RUN", "RUN", "COPY"}, Merged: 2, Lines: llbopt.Location{File: "Dockerfile", Start: 2, End: 3}}}
	for name, history := range map[string]string{
		"too few layers": `[{"created_by":"RUN a"},{"created_by":"COPY b"}]`,
		"other steps":    `[{"created_by":"RUN a"},{"created_by":"COPY x"},{"created_by":"COPY b"}]`,
		// A field that is not a string was once read as an empty one.
		"created_by not a string": `[{"created_by":"RUN a"},{"created_by":7},{"created_by":"COPY b"}]`,
		"comment not a string":    `[{"created_by":"RUN a","comment":{}},{"created_by":"RUN b"},{"created_by":"COPY c"}]`,
	} {
		t.Run(name, func(t *testing.T) {
			_, err := patchHistory([]byte(`{"history":`+history+`}`), edits)
			require.Error(t, err)
		})
	}
	_, err := patchHistory([]byte(`{"history":[{"created_by":"RUN a"},{"created_by":"RUN b"},{"created_by":"COPY c"}]}`), edits)
	require.NoError(t, err)
}
