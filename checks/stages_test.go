package checks

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseImageRef(t *testing.T) {
	const dgst = "sha256:0000000000000000000000000000000000000000000000000000000000000000"
	for _, tc := range []struct {
		ref  string
		want imageRef
	}{
		{"python", imageRef{name: "python"}},
		{"python:3.12-slim", imageRef{name: "python", tag: "3.12-slim"}},
		{"docker.io/library/python:3.12", imageRef{name: "docker.io/library/python", tag: "3.12"}},
		{"localhost:5000/app", imageRef{name: "localhost:5000/app"}},
		{"localhost:5000/app:1", imageRef{name: "localhost:5000/app", tag: "1"}},
		{"gcr.io/distroless/static-debian12:nonroot", imageRef{name: "gcr.io/distroless/static-debian12", tag: "nonroot"}},
		{"ubuntu@" + dgst, imageRef{name: "ubuntu", digest: dgst}},
		{"ubuntu:22.04@" + dgst, imageRef{name: "ubuntu", tag: "22.04", digest: dgst}},
		{"scratch", imageRef{name: "scratch"}},
		// What dockerfile2llb cannot pull is unknown, not guessed at.
		{"", imageRef{}},
		{"Ubuntu:22.04", imageRef{}},
		{"ubuntu@sha256:00", imageRef{}},
		{"ubuntu:", imageRef{}},
		{"0000000000000000000000000000000000000000000000000000000000000000", imageRef{}},
	} {
		t.Run(tc.ref, func(t *testing.T) {
			got := parseImageRef(tc.ref)
			require.Equal(t, tc.want, got)
			if got.known() {
				require.Equal(t, tc.ref, got.String(), "the reference as the Dockerfile wrote it")
			}
		})
	}
}
