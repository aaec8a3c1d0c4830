package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// secretContext writes a build context holding the Dockerfile df, an app,
// an .env file, its template, an ssh private key and AWS credentials.
func secretContext(t *testing.T, df string) string {
	t.Helper()
	dir := t.TempDir()
	for p, content := range map[string]string{
		"Dockerfile":           "# syntax=org/optfrontend\n" + df,
		"app.py":               "print('hi')\n",
		".env":                 "API_KEY=live-secret\n",
		".env.example":         "API_KEY=\n",
		"id_rsa":               "-----BEGIN OPENSSH PRIVATE KEY-----\nnot a real key\n",
		"sub/.aws/credentials": "[default]\naws_secret_access_key=not-real\n",
	} {
		full := filepath.Join(dir, p)
		require.NoError(t, os.MkdirAll(filepath.Dir(full), 0o755))
		require.NoError(t, os.WriteFile(full, []byte(content), 0o644))
	}
	return dir
}

var secretFiles = []string{"/app/.env", "/app/id_rsa", "/app/sub/.aws/credentials"}

// TestSecretFilterKeepsSecretsOut builds `COPY . /app` of a context with
// secret-looking files: the default build leaves them out of the image and
// says so at the COPY's line, naming each; with the pass off the image is
// stock's, secrets and all, and the check says they were copied.
func TestSecretFilterKeepsSecretsOut(t *testing.T) {
	dir := secretContext(t, "FROM busybox\nCOPY . /app\n")
	stockRef, optRef, offRef := ref("e2e/secretfilter:stock"), ref("e2e/secretfilter:optimized"), ref("e2e/secretfilter:off")
	stockBuild(t, dir, stockRef)
	out := optBuild(t, dir, optRef)
	require.Contains(t, out, "optfrontend secretfilter: not sending files named like secrets")
	require.Contains(t, out, "--build-arg BUILDKIT_OPT=-secretfilter sends them")
	require.Contains(t, out, "SecretFileCopied: Secret-looking files kept out of the build context by optfrontend "+
		"(--build-arg BUILDKIT_OPT=-secretfilter sends them): .env, id_rsa, sub/.aws/credentials (line 3)")

	stock := filesystem(t, image(t, stockRef, nil))
	opt := filesystem(t, image(t, optRef, nil))
	require.Equal(t, secretFiles, diffPaths(stock, opt), "the optimized image is stock's without the secrets")
	for _, p := range secretFiles {
		require.Contains(t, stock, p)
	}
	require.Contains(t, opt, "/app/.env.example")
	require.Contains(t, opt, "/app/app.py")

	out = optBuild(t, dir, offRef, "--build-arg", "BUILDKIT_OPT=-secretfilter")
	require.NotContains(t, out, "optfrontend secretfilter")
	require.Contains(t, out, "SecretFileCopied: Secret-looking files copied into a layer: .env, id_rsa, sub/.aws/credentials (line 3)")
	require.Empty(t, diffPaths(stock, filesystem(t, image(t, offRef, nil))), "with the pass off the image is stock's")
}

// TestSecretFilterSendsANamedFile: a Dockerfile that copies .env by name
// gets it, as with stock, and the report says why it was sent.
func TestSecretFilterSendsANamedFile(t *testing.T) {
	dir := secretContext(t, "FROM busybox\nCOPY .env /app/.env\nCOPY . /src\n")
	optRef := ref("e2e/secretfilter:named")
	out := optBuild(t, dir, optRef)
	require.Contains(t, out, "optfrontend secretfilter: sending .env: line 3 copies it by name")
	require.Contains(t, out, "SecretFileCopied: Secret-looking files copied into a layer: .env (line 3)")
	fs := filesystem(t, image(t, optRef, nil))
	require.Contains(t, fs, "/app/.env")
	require.Contains(t, fs, "/src/.env", "the file is sent, so every copy of the context has it")
	require.NotContains(t, fs, "/src/id_rsa")
}
