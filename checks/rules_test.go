package checks

import (
	"context"
	"errors"
	"testing"

	"github.com/moby/patternmatcher"
	"github.com/stretchr/testify/require"

	"github.com/org/optfrontend/internal/secretname"
)

// ruleCase is a Dockerfile and the lines where one rule must fire: none
// means it must not.
type ruleCase struct {
	name string
	df   string
	opt  func(*Options)
	want []int
}

func withContext(p project) func(*Options) {
	return func(o *Options) { o.ContextFiles, o.ReadFile = p.files, p.read }
}

// ruleCases holds, for every rule, cases where it fires at an exact line and
// cases where it must not.
var ruleCases = map[string][]ruleCase{
	"FullBaseImage": {
		{name: "full tag", df: "FROM python:3.12\n", want: []int{1}},
		{name: "codename tag", df: "FROM python:3.12-bookworm\n", want: []int{1}},
		{name: "codename tag, slim last", df: "FROM node:22-bookworm\n", want: []int{1}},
		{name: "through a stage", df: "FROM python:3.12 AS base\nRUN true\nFROM base\nUSER app\n", want: []int{1}},
		{name: "expanded from ARG", df: "ARG V=3.12\nFROM python:${V}\n", want: []int{2}},
		{name: "already slim", df: "FROM python:3.12-slim\n"},
		{name: "alpine", df: "FROM python:3.12-alpine\n"},
		{name: "no slim tag in the registry", df: "FROM ubuntu:22.04\n"},
		{name: "registry unknown", df: "FROM python:3.12\n", opt: func(o *Options) { o.ImageExists = nil }},
		{name: "builder stage", df: "FROM python:3.12 AS build\nRUN make\nFROM python:3.12-slim\nCOPY --from=build /out /out\n"},
		{name: "digest only", df: "FROM python@sha256:0000000000000000000000000000000000000000000000000000000000000000\n"},
	},
	"UnpinnedBaseImage": {
		{name: "no tag", df: "FROM ubuntu\n", want: []int{1}},
		{name: "latest", df: "FROM ubuntu:latest\n", want: []int{1}},
		{name: "registry with port", df: "FROM localhost:5000/app\n", want: []int{1}},
		{name: "latest from ARG", df: "ARG TAG=latest\nFROM ubuntu:${TAG}\n", want: []int{2}},
		{name: "every used stage", df: "FROM golang AS build\nFROM alpine:3.19\nCOPY --from=build /x /x\n", want: []int{1}},
		{name: "all stages for lint", df: "FROM ubuntu AS unused\nFROM alpine:3.19\n", opt: func(o *Options) { o.AllStages = true }, want: []int{1}},
		{name: "version tag", df: "FROM ubuntu:22.04\n"},
		{name: "digest", df: "FROM ubuntu@sha256:0000000000000000000000000000000000000000000000000000000000000000\n"},
		{name: "scratch", df: "FROM scratch\n"},
		{name: "stage", df: "FROM alpine:3.19 AS base\nFROM base\n"},
		{name: "unused stage", df: "FROM ubuntu AS unused\nFROM alpine:3.19\n"},
		{name: "build arg pins it", df: "ARG TAG=latest\nFROM ubuntu:${TAG}\n", opt: func(o *Options) { o.BuildArgs = map[string]string{"TAG": "22.04"} }},
		{name: "unknown variable", df: "FROM ubuntu:${TAG}\n"},
	},
	"RunAsRoot": {
		{name: "no USER", df: "FROM alpine:3.19\nCMD [\"sh\"]\n", want: []int{1}},
		{name: "USER root last", df: "FROM alpine:3.19\nUSER app\nUSER root\n", want: []int{3}},
		{name: "USER 0:0", df: "FROM alpine:3.19\nUSER 0:0\n", want: []int{2}},
		{name: "scratch", df: "FROM scratch\nCOPY app /app\n", want: []int{1}},
		{name: "root from ARG", df: "FROM alpine:3.19\nARG U=root\nUSER $U\n", want: []int{3}},
		{name: "builder's USER does not count", df: "FROM alpine:3.19 AS build\nUSER app\nFROM alpine:3.19\nCOPY --from=build /x /x\n", want: []int{3}},
		{name: "image config says root", df: "FROM app/base:1\n", opt: func(o *Options) {
			o.ImageUser = func(context.Context, string) (string, error) { return "root", nil }
		}, want: []int{1}},
		{name: "USER app", df: "FROM alpine:3.19\nUSER app\n"},
		{name: "root then app", df: "FROM alpine:3.19\nUSER root\nRUN apk add x\nUSER 1000:1000\n"},
		{name: "inherited from a stage", df: "FROM alpine:3.19 AS base\nUSER app\nFROM base\nRUN true\n"},
		{name: "nonroot tag", df: "FROM gcr.io/distroless/static-debian12:nonroot\n"},
		{name: "image config says nonroot", df: "FROM node:22-slim\n", opt: func(o *Options) {
			o.ImageUser = func(context.Context, string) (string, error) { return "node", nil }
		}},
		{name: "unknown variable", df: "FROM alpine:3.19\nUSER $APP_USER\n"},
		{name: "target is not the last stage", df: "FROM alpine:3.19 AS app\nUSER app\nFROM alpine:3.19 AS debug\n", opt: func(o *Options) { o.Target = "app" }},
	},
	"AddLocalFile": {
		{name: "local file", df: "FROM alpine:3.19\nUSER app\nADD app.py /app/\n", want: []int{3}},
		{name: "archive not unpacked", df: "FROM alpine:3.19\nUSER app\nADD --unpack=false dist.tar.gz /x/\n", want: []int{3}},
		{name: "directory", df: "FROM alpine:3.19\nUSER app\nADD src /src\n", want: []int{3}},
		{name: "URL", df: "FROM alpine:3.19\nADD https://example.com/x.txt /x\n"},
		{name: "git", df: "FROM alpine:3.19\nADD git@github.com:org/repo.git /src\n"},
		{name: "archive unpacked", df: "FROM alpine:3.19\nADD dist.tar.gz /x/\n"},
		{name: "COPY", df: "FROM alpine:3.19\nCOPY app.py /app/\n"},
		{name: "unused stage", df: "FROM alpine:3.19 AS unused\nADD app.py /app/\nFROM alpine:3.19\n"},
	},
	"AptInstallRecommends": {
		{name: "install", df: "FROM debian:12\nRUN apt-get update && apt-get install -y curl\n", want: []int{2}},
		{name: "apt", df: "FROM debian:12\nRUN apt install -y curl\n", want: []int{2}},
		{name: "continued lines, at the RUN", df: "FROM debian:12\nRUN apt-get update \\\n && apt-get install -y \\\n    curl\n", want: []int{2}},
		{name: "options before the subcommand", df: "FROM debian:12\nRUN DEBIAN_FRONTEND=noninteractive apt-get -qq -y install curl\n", want: []int{2}},
		{name: "sudo", df: "FROM debian:12\nRUN sudo -E -u root apt-get install -y curl\n", want: []int{2}},
		{name: "sh -c", df: "FROM debian:12\nRUN bash -o pipefail -c 'apt-get install -y curl'\n", want: []int{2}},
		{name: "if", df: "FROM debian:12\nRUN if true; then apt-get install -y curl; fi\n", want: []int{2}},
		{name: "heredoc", df: "FROM debian:12\nRUN <<EOF\nset -e\napt-get install -y curl\nEOF\n", want: []int{2}},
		{name: "heredoc to bash", df: "FROM debian:12\nRUN bash <<'EOF'\napt-get install -y curl\nEOF\n", want: []int{2}},
		{name: "exec form", df: "FROM debian:12\nRUN [\"apt-get\", \"install\", \"-y\", \"curl\"]\n", want: []int{2}},
		{name: "one per RUN", df: "FROM debian:12\nRUN apt-get install -y curl && apt-get install -y git\nRUN apt-get install -y wget\n", want: []int{2, 3}},
		{name: "builder stage too", df: "FROM debian:12 AS build\nRUN apt-get install -y gcc\nFROM debian:12\nCOPY --from=build /x /x\n", want: []int{2}},
		{name: "echo", df: "FROM debian:12\nRUN echo apt-get install -y curl\n"},
		{name: "printf and quotes", df: "FROM debian:12\nRUN printf '%s\\n' \"apt-get install curl\"\n"},
		{name: "comment", df: "FROM debian:12\nRUN true # apt-get install curl\n"},
		{name: "flag", df: "FROM debian:12\nRUN apt-get install -y --no-install-recommends curl\n"},
		{name: "option", df: "FROM debian:12\nRUN apt-get install -y -o APT::Install-Recommends=false curl\n"},
		{name: "apt.conf written earlier", df: "FROM debian:12\nRUN echo 'APT::Install-Recommends \"false\";' > /etc/apt/apt.conf.d/99norecommends\nRUN apt-get install -y curl\n"},
		{name: "update only", df: "FROM debian:12\nRUN apt-get update\n"},
		{name: "no package", df: "FROM debian:12\nRUN apt-get install -f\n"},
		{name: "options in a variable", df: "FROM debian:12\nRUN apt-get install $APT_OPTS curl\n"},
		{name: "not a shell", df: "FROM debian:12\nSHELL [\"pwsh\", \"-c\"]\nRUN apt-get install -y curl\n"},
		{name: "unused stage", df: "FROM debian:12 AS unused\nRUN apt-get install -y curl\nFROM debian:12\n"},
		{name: "does not parse", df: "FROM debian:12\nRUN apt-get install -y curl; if then\n"},
	},
	"NoDockerignore": {
		{name: "whole context", df: "FROM alpine:3.19\nCOPY . .\n", want: []int{2}},
		{name: "first only", df: "FROM alpine:3.19\nCOPY requirements.txt .\nCOPY . /app\nCOPY . /b\n", want: []int{3}},
		{name: "directory", df: "FROM alpine:3.19\nCOPY src /src\n", want: []int{2}},
		{name: "pattern", df: "FROM alpine:3.19\nCOPY *.py /app/\n", want: []int{2}},
		{name: "ADD of a directory", df: "FROM alpine:3.19\nADD . /app\n", want: []int{2}},
		{name: "has .dockerignore", df: "FROM alpine:3.19\nCOPY . .\n", opt: func(o *Options) {
			o.Dockerignore = func(context.Context) (bool, error) { return true, nil }
		}},
		{name: "unknown", df: "FROM alpine:3.19\nCOPY . .\n", opt: func(o *Options) { o.Dockerignore = nil }},
		{name: "named files", df: "FROM alpine:3.19\nCOPY app.py requirements.txt /app/\n"},
		{name: "from a stage", df: "FROM alpine:3.19 AS build\nFROM alpine:3.19\nCOPY --from=build / /\n"},
	},
	"BuildToolsInFinalStage": {
		{name: "apt-get gcc", df: "FROM debian:12\nRUN apt-get install -y --no-install-recommends gcc libc6-dev\n", want: []int{2}},
		{name: "compiler image", df: "FROM golang:1.22\nCOPY . .\nRUN go build -o /app\n", want: []int{1}},
		{name: "apk pip", df: "FROM alpine:3.19\nRUN apk add --no-cache python3 py3-pip\n", want: []int{2}},
		{name: "versioned", df: "FROM debian:12\nRUN apt-get install -y --no-install-recommends gcc-12=12.2.0-14\n", want: []int{2}},
		{name: "through a stage", df: "FROM debian:12 AS base\nRUN apt-get install -y --no-install-recommends make\nFROM base\n", want: []int{2}},
		{name: "partly removed", df: "FROM debian:12\nRUN apt-get install -y --no-install-recommends gcc make\nRUN apt-get purge -y gcc\n", want: []int{2}},
		{name: "removed later", df: "FROM alpine:3.19\nRUN apk add --no-cache python3 py3-pip\nRUN apk del py3-pip\n"},
		{name: "virtual group", df: "FROM alpine:3.19\nRUN apk add --no-cache --virtual .build-deps gcc musl-dev && pip install x && apk del .build-deps\n"},
		{name: "not a tool", df: "FROM debian:12\nRUN apt-get install -y --no-install-recommends curl\n"},
		{name: "echo", df: "FROM debian:12\nRUN echo apt-get install -y gcc\n"},
		{name: "builder stage", df: "FROM golang:1.22 AS build\nRUN apt-get install -y --no-install-recommends gcc\nFROM alpine:3.19\nCOPY --from=build /x /x\n"},
		{name: "runtime variant", df: "FROM openjdk:17-jre\n"},
	},
	"SecretFileCopied": {
		{name: ".env in the context", df: "FROM alpine:3.19\nCOPY . /app\n", want: []int{2}},
		{name: "named", df: "FROM alpine:3.19\nCOPY .env /app/\n", want: []int{2}},
		{name: "pattern", df: "FROM alpine:3.19\nCOPY .env* /app/\n", want: []int{2}},
		{name: "ssh key in a directory", df: "FROM alpine:3.19\nCOPY deploy /deploy\n", opt: withContext(project{"deploy/keys/id_ed25519": "k", "deploy/keys/id_ed25519.pub": "p"}), want: []int{2}},
		{name: "private key pem", df: "FROM alpine:3.19\nCOPY certs /certs\n", opt: withContext(project{"certs/server.pem": "-----BEGIN PRIVATE KEY-----\n"}), want: []int{2}},
		{name: "aws credentials", df: "FROM alpine:3.19\nCOPY . /\n", opt: withContext(project{"home/.aws/credentials": "[default]\n"}), want: []int{2}},
		{name: ".npmrc with a token", df: "FROM node:22-slim\nCOPY .npmrc package.json ./\n", opt: withContext(project{".npmrc": "//registry.npmjs.org/:_authToken=abc\n", "package.json": "{}"}), want: []int{2}},
		{name: "every stage used", df: "FROM alpine:3.19 AS build\nCOPY . /src\nFROM alpine:3.19\nCOPY --from=build /src/app /app\n", want: []int{2}},
		{name: "code only", df: "FROM alpine:3.19\nCOPY app.py requirements.txt /app/\n"},
		{name: "env template", df: "FROM alpine:3.19\nCOPY . /app\n", opt: withContext(project{".env.example": "A=", "app.py": ""})},
		{name: "certificate pem", df: "FROM alpine:3.19\nCOPY certs /certs\n", opt: withContext(project{"certs/ca.pem": "-----BEGIN CERTIFICATE-----\n"})},
		{name: ".npmrc without a token", df: "FROM node:22-slim\nCOPY .npmrc ./\n", opt: withContext(project{".npmrc": "registry=https://r.example/\n"})},
		{name: ".npmrc unread", df: "FROM node:22-slim\nCOPY .npmrc ./\n", opt: func(o *Options) {
			o.ContextFiles, o.ReadFile = project{".npmrc": "_authToken=x"}.files, nil
		}},
		{name: "excluded", df: "# syntax=docker/dockerfile:1-labs\nFROM alpine:3.19\nCOPY --exclude=.env . /app\n"},
		{name: "context unknown", df: "FROM alpine:3.19\nCOPY . /app\n", opt: func(o *Options) { o.ContextFiles = nil }},
		{name: "from a stage", df: "FROM alpine:3.19 AS build\nFROM alpine:3.19\nCOPY --from=build / /\n"},
		{name: "kept out by the frontend", df: "FROM alpine:3.19\nCOPY . /app\n", opt: keptOut, want: []int{2}},
	},
}

// keptOut is a frontend running the secretfilter pass on a context without
// .dockerignore.
func keptOut(o *Options) {
	pm, err := patternmatcher.New(secretname.Patterns())
	if err != nil {
		panic(err)
	}
	o.KeptOut = func(p string) bool { out, err := pm.MatchesOrParentMatches(p); return err == nil && out }
}

// TestSecretMessages pins what SecretFileCopied says when the frontend
// keeps some secret-looking files out: those, and how to send them, apart
// from what a step still copies (named files, and files only content marks).
func TestSecretMessages(t *testing.T) {
	ctx := project{".env": "A=1\n", "id_rsa": "k", "k.pem": "-----BEGIN PRIVATE KEY-----\n", ".npmrc": "//r/:_authToken=x\n", "app.py": ""}
	const kept = "kept out of the build context by optfrontend (--build-arg BUILDKIT_OPT=-secretfilter sends them): "
	for _, tc := range []struct {
		name, df string
		opt      func(*Options)
		want     []warning
	}{
		{"pass off", "FROM alpine:3.19\nCOPY . /app\n", nil, []warning{
			{"SecretFileCopied", 2, "Secret-looking files copied into a layer: .env, .npmrc, id_rsa and 1 more"},
		}},
		{"pass on", "FROM alpine:3.19\nCOPY . /app\n", keptOut, []warning{
			{"SecretFileCopied", 2, "Secret-looking files copied into a layer: .npmrc, k.pem; " + kept + ".env, id_rsa"},
		}},
		{"named by a COPY", "FROM alpine:3.19\nCOPY . /app\nCOPY .env /x/\n", keptOut, []warning{
			{"SecretFileCopied", 2, "Secret-looking files copied into a layer: .env, .npmrc, k.pem; " + kept + "id_rsa"},
			{"SecretFileCopied", 3, "Secret-looking files copied into a layer: .env"},
		}},
		{"named by a bind mount", "FROM alpine:3.19\nRUN --mount=type=bind,source=id_rsa,target=/k true\nCOPY app.py id_rsa .env /app/\n", keptOut, []warning{
			{"SecretFileCopied", 3, "Secret-looking files copied into a layer: id_rsa, .env"},
		}},
		{"named by a pattern", "FROM alpine:3.19\nCOPY .[e]nv /app/\n", keptOut, []warning{
			{"SecretFileCopied", 2, "Secret-looking files copied into a layer: .env"},
		}},
		{"only kept out", "FROM alpine:3.19\nCOPY . /app\n", func(o *Options) {
			keptOut(o)
			o.ContextFiles = project{".env": "A=1\n", "app.py": ""}.files
		}, []warning{
			{"SecretFileCopied", 2, "Secret-looking files " + kept + ".env"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opt := options()
			opt.ContextFiles, opt.ReadFile = ctx.files, ctx.read
			if tc.opt != nil {
				tc.opt(&opt)
			}
			got, err := check(t, tc.df, opt)
			require.NoError(t, err)
			require.Equal(t, tc.want, only(got, "SecretFileCopied"))
		})
	}
}

func TestRules(t *testing.T) {
	for _, rule := range Rules() {
		name := rule.RuleName()
		cases := ruleCases[name]
		t.Run(name, func(t *testing.T) {
			var fires, silent bool
			for _, tc := range cases {
				fires = fires || len(tc.want) > 0
				silent = silent || len(tc.want) == 0
				t.Run(tc.name, func(t *testing.T) {
					opt := options()
					if tc.opt != nil {
						tc.opt(&opt)
					}
					got, err := check(t, tc.df, opt)
					require.NoError(t, err)
					want := tc.want
					if want == nil {
						want = []int{}
					}
					require.Equal(t, want, lines(only(got, name)), "all warnings:\n%s", dump(got))
				})
			}
			require.True(t, fires, "no case where %s fires", name)
			require.True(t, silent, "no case where %s must not fire", name)
		})
	}
	require.Len(t, ruleCases, len(Rules()), "cases for a rule that is not in Rules")
}

// TestMessages pins one message per rule, as buildx shows it.
func TestMessages(t *testing.T) {
	df := `FROM python:3.12
COPY . /app
ADD app.py /app/
RUN apt-get update && apt-get install -y gcc
`
	got, err := check(t, df, options())
	require.NoError(t, err)
	require.Equal(t, []warning{
		{"FullBaseImage", 1, "Base image python:3.12 has a slim variant, python:3.12-slim"},
		{"RunAsRoot", 1, "The final stage runs as root: no USER sets another user"},
		{"NoDockerignore", 2, "COPY . /app copies from a build context that has no .dockerignore"},
		{"SecretFileCopied", 2, "Secret-looking files copied into a layer: .env"},
		{"AddLocalFile", 3, "ADD of the local file app.py; use COPY"},
		{"AptInstallRecommends", 4, `"apt-get install -y gcc" installs recommended packages too; add --no-install-recommends`},
		{"BuildToolsInFinalStage", 4, "Final stage keeps gcc (installed by apt-get install -y gcc)"},
	}, got)

	got, err = check(t, "FROM ubuntu:latest\nUSER root\n", options())
	require.NoError(t, err)
	require.Equal(t, []warning{
		{"UnpinnedBaseImage", 1, "Base image ubuntu:latest uses the latest tag"},
		{"RunAsRoot", 2, "The final stage runs as root (USER root)"},
	}, got)
}

// TestInputErrors checks that an input that fails silences its rule only,
// and that Run says so with ErrInput.
func TestInputErrors(t *testing.T) {
	opt := options()
	opt.ImageExists = func(context.Context, string) (bool, error) { return false, errors.New("registry down") }
	opt.ContextFiles = func(context.Context, []string) ([]string, error) { return nil, errors.New("context gone") }
	got, err := check(t, "FROM python:3.12\nCOPY . .\n", opt)
	require.ErrorIs(t, err, ErrInput)
	require.NotErrorIs(t, err, ErrViolation)
	require.ErrorContains(t, err, "registry down")
	require.ErrorContains(t, err, "context gone")
	require.Equal(t, []string{"NoDockerignore", "RunAsRoot"}, rules(got))
}

// TestDockerfileErrors checks that what stock fails on is ErrDockerfile,
// with nothing reported.
func TestDockerfileErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		df  string
		opt Options
	}{
		"empty":           {df: ""},
		"no stage":        {df: "ARG A=1\n"},
		"bad instruction": {df: "FROM alpine:3.19\nFROBNICATE x\n"},
		"bad directive":   {df: "# check=nonsense\nFROM alpine:3.19\n"},
		"unknown target":  {df: "FROM alpine:3.19 AS a\n", opt: Options{Target: "b"}},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := check(t, tc.df, tc.opt)
			require.ErrorIs(t, err, ErrDockerfile)
			require.Empty(t, got)
		})
	}
}

func TestCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Run(ctx, []byte("FROM alpine\n"), Options{}, nil)
	require.ErrorIs(t, err, context.Canceled)
}

// TestContextPaths checks what the checks ask of the context: only the
// paths the used stages' COPY and ADD name, once.
func TestContextPaths(t *testing.T) {
	var asked [][]string
	opt := options()
	opt.ContextFiles = func(ctx context.Context, paths []string) ([]string, error) {
		asked = append(asked, paths)
		return appProject.files(ctx, paths)
	}
	df := "FROM alpine:3.19 AS build\nCOPY ./src/ requirements.txt /x/\nFROM alpine:3.19 AS unused\nCOPY secrets /s\n" +
		"FROM alpine:3.19\nCOPY . /app\nCOPY *.py /y/\nADD https://example.com/a /a\nCOPY --from=build /x /x\nCOPY requirements.txt /r\n"
	_, err := check(t, df, opt)
	require.NoError(t, err)
	require.Equal(t, [][]string{{"src", "requirements.txt", ".", "*.py"}}, asked)

	asked = nil
	_, err = check(t, "FROM alpine:3.19\nCOPY --from=build /x /x\n", opt)
	require.NoError(t, err)
	require.Empty(t, asked, "no copy from the context, nothing to list")
}
