package checks

import (
	"bytes"
	"path"
	"strings"

	"github.com/org/optfrontend/internal/secretname"
)

// isSecret tells whether a context file looks like it holds a secret, by
// its name (secretname.Match: .env files, ssh private keys, key stores,
// credential files) and, where the name is not enough and read can tell,
// its content. read returns false when the content is unknown.
func isSecret(p string, read func(string) ([]byte, bool)) bool {
	base := path.Base(p)
	ext := strings.ToLower(path.Ext(base))
	switch {
	case secretname.Match(p):
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
