package checks

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSlimBase(t *testing.T) {
	exists := func(have ...string) func(context.Context, string) (bool, error) {
		return func(_ context.Context, ref string) (bool, error) {
			for _, h := range have {
				if h == ref {
					return true, nil
				}
			}
			return false, nil
		}
	}
	for _, tc := range []struct {
		dockerfile, base, slim string
		line                   int
	}{
		{"FROM python:3.12\nCOPY . /app\n", "python:3.12", "python:3.12-slim", 1},
		{"FROM python:3.12 AS build\nRUN true\nFROM build\nCOPY . /app\n", "python:3.12", "python:3.12-slim", 1},
		{"FROM golang:1.26 AS build\nRUN true\nFROM python:3.12-bookworm\nCOPY --from=build /x /x\n", "python:3.12-bookworm", "python:3.12-slim-bookworm", 3},
		{"FROM python:3.12-slim\n", "", "", 0},
		{"FROM node:22\n", "", "", 0}, // no such variant in this registry
		{"FROM python:3.12@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n", "", "", 0},
	} {
		base, slim, loc, err := SlimBase(context.Background(), []byte(tc.dockerfile), Options{ImageExists: exists("python:3.12-slim", "python:3.12-slim-bookworm")})
		require.NoError(t, err, tc.dockerfile)
		require.Equal(t, tc.base, base, tc.dockerfile)
		require.Equal(t, tc.slim, slim, tc.dockerfile)
		if tc.line > 0 {
			require.Equal(t, tc.line, loc[0].Start.Line)
		}
	}
}

func TestFinalBase(t *testing.T) {
	for df, want := range map[string]string{
		"FROM python:3.12 AS build\nFROM build\n":           "python:3.12",
		"FROM golang AS b\nFROM busybox\nCOPY --from=b / /": "busybox",
		"ARG V=3.12\nFROM python:$V\n":                      "python:3.12",
		"FROM scratch\n":                                    "",
		"FROM python@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n": "",
	} {
		base, _, err := FinalBase([]byte(df), Options{})
		require.NoError(t, err, df)
		require.Equal(t, want, base, df)
	}
}
