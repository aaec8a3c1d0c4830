package checks

import (
	"bytes"
	"path"
	"regexp"
	"slices"
	"strings"

	"github.com/org/optfrontend/internal/secretname"
)

// isSecret tells whether a context file looks like it holds a secret, by
// its name (secretname.Match: .env files, ssh private keys, key stores,
// credential files) and, where the name is not enough and read can tell,
// its content: a private key under any name (deploy_key), a cloud
// service-account key (JSON with "private_key"), a registry login (a
// Docker config's "auths"), an npm token. read returns false when the
// content is unknown: a *.pem or *.key then counts, any other file not.
func isSecret(p string, read func(string) ([]byte, bool)) bool {
	if secretname.Match(p) {
		return true
	}
	if !sniffable(p) {
		return false
	}
	dt, ok := read(p)
	if !ok {
		return keyFile(p)
	}
	return secretContent(p, dt)
}

// keyFile tells the names certificates and private keys share.
func keyFile(p string) bool {
	ext := strings.ToLower(path.Ext(p))
	return ext == ".pem" || ext == ".key"
}

// alwaysSniffed are files whose content the check reads whatever its
// budget: the names keys and tokens share with harmless files.
func alwaysSniffed(p string) bool {
	return keyFile(p) || path.Base(p) == ".npmrc"
}

// sniffExts are the extensions of text files a credential is kept in.
var sniffExts = []string{".json", ".yaml", ".yml", ".cfg", ".conf", ".ini", ".toml", ".txt", ".asc", ".gpg"}

// sniffHints are words of a file name that suggest a credential.
var sniffHints = []string{"key", "cred", "secret", "token", "auth", "account", "passw", "config"}

// sniffSkip are directories of installed packages, whose files are not
// the project's own and too many to read.
var sniffSkip = []string{"node_modules", ".git", "vendor", "site-packages", "dist-packages", "__pycache__", ".venv"}

// sniffable tells whether the check reads a file's content to tell: a key
// or token file, a text configuration, a dotfile, or a name that hints at
// a credential (deploy_key); never a file of an installed package.
func sniffable(p string) bool {
	for _, el := range strings.Split(path.Dir(p), "/") {
		if slices.Contains(sniffSkip, el) {
			return false
		}
	}
	base := strings.ToLower(path.Base(p))
	ext := path.Ext(base)
	if alwaysSniffed(p) || strings.HasPrefix(base, ".") && strings.Count(base, ".") == 1 || slices.Contains(sniffExts, ext) {
		return true
	}
	for _, h := range sniffHints {
		if strings.Contains(strings.TrimSuffix(base, ext), h) {
			return true
		}
	}
	return false
}

var (
	privateKey     = regexp.MustCompile(`-----BEGIN [A-Z0-9 ]*PRIVATE KEY( BLOCK)?-----`)
	serviceAccount = regexp.MustCompile(`"private_key"\s*:\s*"`)
	registryAuths  = regexp.MustCompile(`"auths"\s*:\s*\{`)
	registryLogin  = regexp.MustCompile(`"(auth|identitytoken|registrytoken)"\s*:\s*"[^"]+"`)
	awsSecret      = regexp.MustCompile(`(?i)aws_secret_access_key\s*=\s*\S`)
	kubeKey        = regexp.MustCompile(`(?m)^\s*(client-key-data|token)\s*:\s*\S`)
	kubeConfig     = regexp.MustCompile(`(?m)^kind:\s*Config\s*$`)
)

// secretContent tells whether a file's content holds a credential.
func secretContent(p string, dt []byte) bool {
	switch {
	case keyFile(p):
		// A certificate is a .pem too: only a private key is a secret.
		return bytes.Contains(dt, []byte("PRIVATE KEY"))
	case path.Base(p) == ".npmrc":
		// An .npmrc usually only names a registry; a token makes it secret.
		return bytes.Contains(dt, []byte("_authToken")) || bytes.Contains(dt, []byte("_auth=")) || bytes.Contains(dt, []byte("_password"))
	}
	return privateKey.Match(dt) || serviceAccount.Match(dt) ||
		registryAuths.Match(dt) && registryLogin.Match(dt) || awsSecret.Match(dt) ||
		kubeConfig.Match(dt) && kubeKey.Match(dt)
}

// maxSniffed bounds how many files the check reads for their content in
// one build, beside the *.pem, *.key and .npmrc files it always reads: a
// context of thousands of files is not read whole to warn.
const maxSniffed = 200

// sniffer reads files for isSecret, each once, within maxSniffed.
type sniffer struct {
	read func(string) ([]byte, bool)
	seen map[string][]byte
	ok   map[string]bool
	n    int
}

func newSniffer(read func(string) ([]byte, bool)) *sniffer {
	return &sniffer{read: read, seen: map[string][]byte{}, ok: map[string]bool{}}
}

// prefetch reads at once, readAtOnce at a time, the files that isSecret
// calls on paths in this order would have the sniffer read, within the
// same budget, so that those calls find them read: one round trip to the
// daemon each, 200 of them 0.1 s one after the other. readMany returns
// what read would for each path.
func (s *sniffer) prefetch(paths []string, readMany func([]string) ([][]byte, []bool)) {
	var want []string
	n := s.n
	queued := map[string]bool{}
	for _, p := range paths {
		if _, done := s.seen[p]; done || queued[p] || secretname.Match(p) || !sniffable(p) {
			continue
		}
		if !alwaysSniffed(p) {
			if n >= maxSniffed {
				continue
			}
			n++
		}
		queued[p] = true
		want = append(want, p)
	}
	if len(want) == 0 {
		return
	}
	dts, oks := readMany(want)
	for i, p := range want {
		s.seen[p], s.ok[p] = dts[i], oks[i]
	}
	s.n = n
}

func (s *sniffer) readFile(p string) ([]byte, bool) {
	if dt, done := s.seen[p]; done {
		return dt, s.ok[p]
	}
	if !alwaysSniffed(p) {
		if s.n >= maxSniffed {
			return nil, false
		}
		s.n++
	}
	dt, ok := s.read(p)
	s.seen[p], s.ok[p] = dt, ok
	return dt, ok
}
