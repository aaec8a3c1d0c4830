// Package secretname tells, by its name alone, whether a build-context file
// looks like it holds a secret: the one list that the secretfilter pass
// keeps out of the context and the SecretFileCopied check names.
package secretname

import (
	"path"
	"slices"
	"strings"
)

// EnvTemplates are the suffixes of .env files meant to be committed
// (.env.example), which hold no secret and which some tools read at run
// time (dotenv-safe).
var EnvTemplates = []string{".example", ".sample", ".template", ".dist", ".defaults", ".tpl"}

// SSHKeys are the names ssh-keygen gives private keys.
var SSHKeys = []string{"id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk", "id_ed25519_sk"}

// KeystoreExts are the extensions of binary key stores, secret whatever
// their content.
var KeystoreExts = []string{".p12", ".pfx", ".jks", ".keystore"}

// CredentialFiles are files whose whole purpose is to hold a credential,
// matched as a path suffix so that they count wherever the home directory
// sits in the context.
var CredentialFiles = []string{
	".aws/credentials",
	".config/gcloud/application_default_credentials.json",
	".config/gcloud/credentials.db",
	".azure/accessTokens.json",
	".git-credentials",
	".netrc",
	".pgpass",
	".pypirc",
	".docker/config.json",
	".dockercfg",
	".kube/config",
	".cargo/credentials",
	".cargo/credentials.toml",
	".gem/credentials",
	".terraform.d/credentials.tfrc.json",
	".vault-token",
}

// Match tells whether the file at p, a slash-separated path relative to
// the context root, is named like a secret. Names that certificates or
// harmless configuration share (*.pem, *.key, .npmrc) are not: only their
// content tells.
func Match(p string) bool {
	base := path.Base(p)
	return isEnvFile(base) || slices.Contains(SSHKeys, base) ||
		slices.Contains(KeystoreExts, strings.ToLower(path.Ext(base))) || isCredentialFile(p)
}

func isEnvFile(base string) bool {
	if base != ".env" && !strings.HasPrefix(base, ".env.") {
		return false
	}
	for _, t := range EnvTemplates {
		if strings.HasSuffix(base, t) {
			return false
		}
	}
	return true
}

func isCredentialFile(p string) bool {
	for _, c := range CredentialFiles {
		if p == c || strings.HasSuffix(p, "/"+c) {
			return true
		}
	}
	return false
}

// Patterns are .dockerignore patterns that leave out every file Match
// names (key stores by their lower-case extension), wherever it sits, in
// a fixed order: the .env templates come back in with "!" lines right
// after the .env lines.
func Patterns() []string {
	out := []string{"**/.env", "**/.env.*"}
	for _, t := range EnvTemplates {
		out = append(out, "!**/.env*"+t)
	}
	for _, k := range SSHKeys {
		out = append(out, "**/"+k)
	}
	for _, e := range KeystoreExts {
		out = append(out, "**/*"+e)
	}
	for _, c := range CredentialFiles {
		out = append(out, "**/"+c)
	}
	return out
}

// probes are names Match takes, one of each kind, against which Names
// tries a pattern.
var probes = append(append([]string{".env", ".env.local", "store.p12", "store.pfx", "store.jks", "store.keystore"},
	SSHKeys...), ".netrc", ".pgpass", ".git-credentials", "credentials", ".pypirc", ".dockercfg", ".vault-token")

// Names tells whether a source that a COPY, ADD or bind mount names (a
// clean path relative to the context root, or a pattern) names files that
// look like secrets by their own name, not through a directory that holds
// them: the user asked for those files. A pattern counts when it has a
// literal character in its last element and takes a secret's name
// (.env*, *.p12); a bare * does not.
func Names(src string) bool {
	base := path.Base(src)
	if !strings.ContainsAny(base, "*?[") {
		return Match(src)
	}
	if strings.Trim(base, "*?") == "" {
		return false
	}
	for _, p := range probes {
		if ok, _ := path.Match(base, p); ok {
			return true
		}
	}
	return false
}

// Mentioned lists the secret-looking files a RUN's script names by a path
// (cp .pypirc ~/, cat /src/.env, twine upload --config-file .pypirc), each
// as the name or credential-file suffix MentionMatches takes: the script
// reads them, so they must be sent, wherever they sit. A word that is a
// glob or holds a variable counts only by its literal last element.
func Mentioned(script string) []string {
	var out []string
	add := func(m string) {
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	for _, w := range strings.FieldsFunc(script, func(r rune) bool { return strings.ContainsRune(" \t\r\n'\"`;&|<>()=,{}", r) }) {
		w = strings.TrimRight(w, "/")
		if w == "" {
			continue
		}
		for _, c := range CredentialFiles {
			if w == c || strings.HasSuffix(w, "/"+c) {
				add(c)
			}
		}
		if base := path.Base(w); !strings.ContainsAny(base, "*?[$") && Match(base) {
			add(base)
		}
	}
	return out
}

// MentionMatches tells whether the context file f is one a mention from
// Mentioned names: the same name, or the same credential-file suffix.
func MentionMatches(m, f string) bool {
	return f == m || strings.HasSuffix(f, "/"+m)
}

// MentionPattern is the .dockerignore pattern that takes the files a
// mention names, wherever they sit.
func MentionPattern(m string) string {
	return "**/" + m
}
