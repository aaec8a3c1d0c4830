package frontend

import (
	"encoding/json"
	"testing"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/stretchr/testify/require"

	"github.com/org/optfrontend/llbopt"
)

// TestRunsOnlyUserCommands: the slim fix keeps the build on the full image
// only for a stage whose RUNs it reads, none of them the system's package
// manager.
func TestRunsOnlyUserCommands(t *testing.T) {
	for _, tc := range []struct {
		name, df, target string
		want             bool
	}{
		{name: "pip", df: "FROM python:3.12\nCOPY . .\nRUN pip install -r requirements.txt\n", want: true},
		{name: "exec form", df: "FROM python:3.12\nRUN [\"pip\", \"install\", \"flask\"]\n", want: true},
		{name: "no RUN", df: "FROM python:3.12\nCOPY app.py /app/\n"},
		{name: "apt-get", df: "FROM python:3.12\nRUN apt-get update && apt-get install -y libpq5\nRUN pip install psycopg2\n"},
		{name: "apk", df: "FROM node:22-alpine\nRUN apk add --no-cache git\n"},
		{name: "a heredoc", df: "# syntax=docker/dockerfile:1\nFROM python:3.12\nRUN <<EOF\npip install flask\nEOF\n"},
		{name: "the target's RUNs only", df: "FROM debian AS tools\nRUN apt-get update\nFROM python:3.12 AS app\nRUN pip install flask\n", target: "app", want: true},
		{name: "an unknown target", df: "FROM python:3.12\nRUN pip install flask\n", target: "nope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, runsOnlyUserCommands([]byte(tc.df), tc.target))
		})
	}
}

// TestSameRuntime: the image keeps the full base's config, so the two
// bases must start a container alike.
func TestSameRuntime(t *testing.T) {
	base := dockerspec.DockerOCIImageConfig{}
	base.Env = []string{"PATH=/usr/local/bin:/usr/bin", "LANG=C.UTF-8"}
	base.Cmd = []string{"python3"}
	same := base
	same.Env = []string{"LANG=C.UTF-8", "PATH=/usr/local/bin:/usr/bin"}
	require.True(t, sameRuntime(base, same), "the order of env does not matter")
	other := base
	other.Env = append([]string{"EXTRA=1"}, base.Env...)
	require.False(t, sameRuntime(base, other))
	user := base
	user.User = "nobody"
	require.False(t, sameRuntime(base, user))
	cmd := base
	cmd.Cmd = []string{"bash"}
	require.False(t, sameRuntime(base, cmd))
}

// TestPatchHistorySwapsTheBase: the slim fix's edit replaces the full
// base's own history entries with the slim base's and keeps the stage's;
// a history that does not start with the full base's is refused.
func TestPatchHistorySwapsTheBase(t *testing.T) {
	cfg := []byte(`{"architecture":"amd64","history":[{"created_by":"debian"},{"created_by":"full tools"},{"created_by":"RUN /bin/sh -c pip install flask"},{"created_by":"CMD [\"python\"]","empty_layer":true}]}`)
	edit := llbopt.LayerEdit{Base: &llbopt.BaseEdit{
		From: []byte(`[{"created_by":"debian"},{"created_by":"full tools"}]`),
		To:   []byte(`[{"created_by":"debian"}]`),
	}}
	out, err := patchHistory(cfg, []llbopt.LayerEdit{edit})
	require.NoError(t, err)
	var img dockerspec.DockerOCIImage
	require.NoError(t, json.Unmarshal(out, &img))
	var got []string
	for _, h := range img.History {
		got = append(got, h.CreatedBy)
	}
	require.Equal(t, []string{"debian", "RUN /bin/sh -c pip install flask", `CMD ["python"]`}, got)
	require.Equal(t, "amd64", img.Architecture)

	other := llbopt.LayerEdit{Base: &llbopt.BaseEdit{From: []byte(`[{"created_by":"alpine"}]`), To: []byte(`[]`)}}
	_, err = patchHistory(cfg, []llbopt.LayerEdit{other})
	require.ErrorContains(t, err, `history entry 0 ("debian") is not the base image's ("alpine")`)
}
