package checks

import (
	"fmt"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/stretchr/testify/require"
)

// parseRun parses one RUN instruction.
func parseRun(t testing.TB, run string) *instructions.RunCommand {
	t.Helper()
	res, err := parser.Parse(strings.NewReader("FROM scratch\n" + run + "\n"))
	require.NoError(t, err)
	stages, _, err := instructions.Parse(res.AST, nil)
	require.NoError(t, err)
	return stages[0].Commands[0].(*instructions.RunCommand)
}

// callNames runs runCalls on a RUN and returns "name arg..." per command,
// with non-literal words in angle brackets.
func callNames(t testing.TB, run string, shell []string) ([]string, bool) {
	t.Helper()
	calls, ok := runCalls(parseRun(t, run), shell)
	var out []string
	for _, c := range calls {
		words := []string{c.name}
		for _, a := range c.args {
			if a.lit {
				words = append(words, a.val)
			} else {
				words = append(words, "<"+a.val+">")
			}
		}
		out = append(out, strings.Join(words, " "))
	}
	return out, ok
}

func TestRunCalls(t *testing.T) {
	sh := []string{"/bin/sh", "-c"}
	for _, tc := range []struct {
		name  string
		run   string
		shell []string
		want  []string
		bad   bool
	}{
		{name: "chain", run: "RUN apt-get update && apt-get install -y curl; rm -rf /x", want: []string{"apt-get update", "apt-get install -y curl", "rm -rf /x"}},
		{name: "quotes", run: `RUN "apt-get" 'install' "-y" cu\rl`, want: []string{"apt-get install -y curl"}},
		{name: "directory dropped", run: "RUN /usr/bin/apt-get install x", want: []string{"apt-get install x"}},
		{name: "assignments", run: "RUN DEBIAN_FRONTEND=noninteractive apt-get install x", want: []string{"apt-get install x"}},
		{name: "variable word", run: "RUN apt-get install $PKGS", want: []string{"apt-get install <$PKGS>"}},
		{name: "echo", run: "RUN echo apt-get install x", want: []string{"echo apt-get install x"}},
		{name: "wrappers", run: "RUN sudo -u root env -i A=1 nice -n 5 timeout -s KILL 60 apt-get install x", want: []string{"apt-get install x"}},
		{name: "command -v is a lookup", run: "RUN command -v apt-get", want: nil},
		{name: "sh -c", run: `RUN sh -ec "apt-get install x && echo done"`, want: []string{"apt-get install x", "echo done"}},
		{name: "nested sh -c", run: `RUN bash -c "sh -c 'apk add gcc'"`, want: []string{"apk add gcc"}},
		{name: "sh runs a file", run: "RUN sh ./install.sh", want: []string{"sh ./install.sh"}},
		{name: "substitution", run: "RUN echo $(apt-get install -y x)", want: []string{"echo <$(apt-get install -y x)>", "apt-get install -y x"}},
		{name: "pipeline and subshell", run: "RUN (cd /x && make) | tee log", want: []string{"cd /x", "make", "tee log"}},
		{name: "function body", run: "RUN f() { apk add gcc; }; f", want: []string{"apk add gcc", "f"}},
		{name: "heredoc script", run: "RUN <<EOF\napk add gcc\napk del gcc\nEOF", want: []string{"apk add gcc", "apk del gcc"}},
		{name: "heredoc with shebang", run: "RUN <<EOF\n#!/bin/bash\napk add gcc\nEOF", want: []string{"apk add gcc"}},
		{name: "python heredoc", run: "RUN <<EOF\n#!/usr/bin/env python3\nprint(1)\nEOF", bad: true},
		{name: "heredoc fed to a shell", run: "RUN bash <<'EOF'\napk add gcc\nEOF", want: []string{"apk add gcc"}},
		{name: "here-string", run: "RUN bash <<< 'apk add gcc'", want: []string{"apk add gcc"}},
		{name: "redirect", run: "RUN echo x > /etc/apt/apt.conf.d/a", want: []string{"echo x"}},
		{name: "exec form", run: `RUN ["apk", "add", "gcc"]`, want: []string{"apk add gcc"}},
		{name: "exec form sh -c", run: `RUN ["/bin/sh", "-c", "apk add gcc"]`, want: []string{"apk add gcc"}},
		{name: "bash SHELL", run: "RUN [[ -f x ]] && apk add gcc", shell: []string{"/bin/bash", "-o", "pipefail", "-c"}, want: []string{"apk add gcc"}},
		{name: "powershell SHELL", run: "RUN apk add gcc", shell: []string{"pwsh", "-c"}, bad: true},
		{name: "does not parse", run: "RUN apk add gcc; if then", bad: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			shell := tc.shell
			if shell == nil {
				shell = sh
			}
			got, ok := callNames(t, tc.run, shell)
			require.Equal(t, !tc.bad, ok)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestOutputs(t *testing.T) {
	calls, ok := runCalls(parseRun(t, `RUN echo 'APT::Install-Recommends "0";' >> /etc/apt/apt.conf.d/00x 2>/dev/null`), []string{"/bin/sh", "-c"})
	require.True(t, ok)
	require.Len(t, calls, 1)
	require.Equal(t, []string{"/etc/apt/apt.conf.d/00x"}, calls[0].outputs)
	require.True(t, aptConfigNoRecommends(calls))
}

func TestPackageOp(t *testing.T) {
	for _, tc := range []struct {
		cmd  string
		want pkgOp
		ok   bool
	}{
		{cmd: "apt-get install -y gcc=4:12 libc6-dev:amd64 git/bookworm", want: pkgOp{install: true, apt: true, pkgs: []string{"gcc", "libc6-dev", "git"}}, ok: true},
		{cmd: "apt-get -o Dpkg::Options::=--force-confold -t bookworm install x", want: pkgOp{install: true, apt: true, pkgs: []string{"x"}}, ok: true},
		{cmd: "apt-get install -oAPT::Install-Recommends=0 x", want: pkgOp{install: true, apt: true, noRecommends: true, pkgs: []string{"x"}}, ok: true},
		{cmd: "apt-get purge -y --auto-remove gcc", want: pkgOp{remove: true, apt: true, pkgs: []string{"gcc"}}, ok: true},
		{cmd: "apk add --no-cache -t .deps gcc~12", want: pkgOp{install: true, group: ".deps", pkgs: []string{"gcc"}}, ok: true},
		{cmd: "apk --no-cache add --virtual=.deps gcc", want: pkgOp{install: true, group: ".deps", pkgs: []string{"gcc"}}, ok: true},
		{cmd: "dnf install -y --setopt=install_weak_deps=False gcc-c++", want: pkgOp{install: true, pkgs: []string{"gcc-c++"}}, ok: true},
		{cmd: "apt-get update", ok: false},
		{cmd: "pip install gcc", ok: false},
	} {
		t.Run(tc.cmd, func(t *testing.T) {
			calls, ok := runCalls(parseRun(t, "RUN "+tc.cmd), []string{"/bin/sh", "-c"})
			require.True(t, ok)
			require.Len(t, calls, 1)
			got, ok := packageOp(calls[0])
			require.Equal(t, tc.ok, ok)
			if tc.ok {
				require.Equal(t, tc.want, got)
			}
		})
	}
}

func TestIsBuildTool(t *testing.T) {
	for _, p := range []string{"gcc", "g++-12", "clang-15", "build-essential", "build-base", "openjdk-17-jdk-headless", "openjdk17", "python3-pip", "python3.11-pip", "py3-pip", "golang-1.21-go", "java-17-openjdk-devel"} {
		require.True(t, isBuildTool(p), p)
	}
	for _, p := range []string{"curl", "libgcc-s1", "gcc-12-base", "openjdk-17-jre", "openjdk17-jre", "python3", "ca-certificates", "makedev"} {
		require.False(t, isBuildTool(p), p)
	}
}

func TestIsSecret(t *testing.T) {
	files := map[string]string{"k.pem": "-----BEGIN RSA PRIVATE KEY-----", "c.pem": "-----BEGIN CERTIFICATE-----", ".npmrc": "//r/:_authToken=x"}
	read := func(p string) ([]byte, bool) { dt, ok := files[p]; return []byte(dt), ok }
	unknown := func(string) ([]byte, bool) { return nil, false }
	for _, p := range []string{".env", "app/.env.production", "id_rsa", "home/me/.ssh/id_ed25519", "k.pem", "tls.key", "keystore.p12", ".aws/credentials", "x/.aws/credentials", ".git-credentials", ".netrc", ".npmrc"} {
		require.True(t, isSecret(p, read), p)
	}
	for _, p := range []string{".env.example", "env.py", "id_rsa.pub", "c.pem", "credentials", "aws/credentials.go", ".envrc"} {
		require.False(t, isSecret(p, read), p)
	}
	require.True(t, isSecret("c.pem", unknown), "a .pem whose content is unknown counts")
	require.False(t, isSecret("deploy_key", unknown), "another file whose content is unknown does not")
	require.False(t, isSecret(".npmrc", unknown), "an .npmrc whose content is unknown does not")
}

// TestSecretContent is the table of files only their content marks as
// secret, and of look-alikes that are not.
func TestSecretContent(t *testing.T) {
	for _, tc := range []struct {
		path, body string
		secret     bool
	}{
		{"deploy_key", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----\n", true},
		{"keys/github.txt", "-----BEGIN EC PRIVATE KEY-----\n", true},
		{"signing.asc", "-----BEGIN PGP PRIVATE KEY BLOCK-----\n", true},
		{"my-project-1a2b3c.json", `{"type": "service_account", "project_id": "p", "private_key_id": "1", "private_key": "-----BEGIN PRIVATE KEY-----\\n..."}`, true},
		{"ci/docker-config.json", `{"auths": {"registry.example.com": {"auth": "dXNlcjpwYXNz"}}}`, true},
		{"deploy/kubeconfig.yaml", "apiVersion: v1\nkind: Config\nusers:\n- name: ci\n  user:\n    token: abc\n", true},
		{"config/aws.ini", "[default]\naws_access_key_id = AKIA\naws_secret_access_key = x\n", true},
		{"public.pem", "-----BEGIN PUBLIC KEY-----\n", false},
		{"deploy_key.pub", "ssh-ed25519 AAAA ci\n", false},
		{"package.json", `{"name": "a", "scripts": {"auth": "node auth.js"}}`, false},
		{"docker-config.json", `{"auths": {}, "credsStore": "desktop"}`, false},
		{"k8s/deployment.yaml", "apiVersion: apps/v1\nkind: Deployment\n", false},
		{"docs/setup.md", "-----BEGIN OPENSSH PRIVATE KEY-----\n", false}, // not read: no name hints at a key
		{"node_modules/x/key.json", `{"private_key": "x"}`, false},
	} {
		t.Run(tc.path, func(t *testing.T) {
			read := func(p string) ([]byte, bool) { return []byte(tc.body), p == tc.path }
			require.Equal(t, tc.secret, isSecret(tc.path, read))
		})
	}
}

// TestSnifferBudget reads each file once, and no more than maxSniffed
// files besides keys and .npmrc.
func TestSnifferBudget(t *testing.T) {
	reads := 0
	s := newSniffer(func(string) ([]byte, bool) { reads++; return nil, true })
	for i := 0; i < maxSniffed+50; i++ {
		s.readFile(fmt.Sprintf("c%d.json", i))
		s.readFile(fmt.Sprintf("c%d.json", i))
	}
	_, ok := s.readFile("last.pem")
	require.True(t, ok)
	require.Equal(t, maxSniffed+1, reads)
}

// TestSnifferPrefetch reads, all at once, exactly the files that isSecret
// called in the same order reads one by one (the budget, keys past it, no
// names that tell alone, no files of installed packages), and the calls
// afterwards read nothing more and give the same verdicts.
func TestSnifferPrefetch(t *testing.T) {
	var paths []string
	for i := 0; i < maxSniffed+20; i++ {
		paths = append(paths, fmt.Sprintf("conf/c%03d.json", i))
		if i%50 == 0 {
			paths = append(paths, fmt.Sprintf("conf/c%03d.json", i)) // twice
		}
	}
	paths = append(paths, ".env", "README.md", "node_modules/x/key.json", "deploy/id.pem", "conf/c000.json", "secrets/token.yaml")
	content := func(p string) []byte {
		if p == "deploy/id.pem" || p == "conf/c007.json" {
			return []byte("-----BEGIN RSA PRIVATE KEY-----")
		}
		return []byte("{}")
	}

	var oneByOne []string
	seq := newSniffer(func(p string) ([]byte, bool) { oneByOne = append(oneByOne, p); return content(p), true })
	var want []bool
	for _, p := range paths {
		want = append(want, isSecret(p, seq.readFile))
	}

	var atOnce []string
	pre := newSniffer(func(p string) ([]byte, bool) { t.Errorf("read %s after the prefetch", p); return nil, false })
	pre.prefetch(paths, func(ps []string) ([][]byte, []bool) {
		atOnce = append(atOnce, ps...)
		dts, oks := make([][]byte, len(ps)), make([]bool, len(ps))
		for i, p := range ps {
			dts[i], oks[i] = content(p), true
		}
		return dts, oks
	})
	var got []bool
	for _, p := range paths {
		got = append(got, isSecret(p, pre.readFile))
	}
	require.Equal(t, oneByOne, atOnce)
	require.Equal(t, want, got)
	require.Contains(t, atOnce, "deploy/id.pem", "a key past the budget is still read")
	require.NotContains(t, atOnce, "secrets/token.yaml", "past the budget")
}
