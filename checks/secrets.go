package checks

import (
	"bytes"
	"path"
	"strings"
)

// sshKeys are the names ssh-keygen gives private keys.
var sshKeys = map[string]bool{
	"id_rsa": true, "id_dsa": true, "id_ecdsa": true, "id_ed25519": true,
	"id_ecdsa_sk": true, "id_ed25519_sk": true,
}

// credentialFiles are files whose whole purpose is to hold a credential,
// matched as a path suffix so that they count wherever the home directory
// sits in the context.
var credentialFiles = []string{
	".aws/credentials",
	".config/gcloud/application_default_credentials.json",
	".config/gcloud/credentials.db",
	".azure/accessTokens.json",
	".git-credentials",
	".netrc",
	".pgpass",
}

// keystoreExts are binary key stores, secret whatever their content.
var keystoreExts = map[string]bool{".p12": true, ".pfx": true, ".jks": true, ".keystore": true}

// envTemplates are the suffixes of .env files meant to be committed.
var envTemplates = []string{".example", ".sample", ".template", ".dist", ".defaults", ".tpl"}

// isSecret tells whether a context file looks like it holds a secret, by
// its name and, where the name is not enough and read can tell, its
// content. read returns false when the content is unknown.
func isSecret(p string, read func(string) ([]byte, bool)) bool {
	base := path.Base(p)
	ext := strings.ToLower(path.Ext(base))
	switch {
	case isEnvFile(base), sshKeys[base], keystoreExts[ext], isCredentialFile(p):
		return true
	case ext == ".pem" || ext == ".key":
		// A certificate is a .pem too: only a private key is a secret.
		dt, ok := read(p)
		return !ok || bytes.Contains(dt, []byte("PRIVATE KEY"))
	case base == ".npmrc":
		// An .npmrc usually only names a registry; a token makes it secret.
		dt, ok := read(p)
		return ok && (bytes.Contains(dt, []byte("_authToken")) || bytes.Contains(dt, []byte("_auth=")) || bytes.Contains(dt, []byte("_password")))
	}
	return false
}

func isEnvFile(base string) bool {
	if base != ".env" && !strings.HasPrefix(base, ".env.") {
		return false
	}
	for _, t := range envTemplates {
		if strings.HasSuffix(base, t) {
			return false
		}
	}
	return true
}

func isCredentialFile(p string) bool {
	for _, c := range credentialFiles {
		if p == c || strings.HasSuffix(p, "/"+c) {
			return true
		}
	}
	return false
}
