package e2e

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"debug/elf"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
)

// These tests drive optfrontend the way users do, with buildx on the real
// daemon through the frontend image named by each Dockerfile's syntax line,
// and check the features that must keep working unchanged.

func TestCallTargets(t *testing.T) {
	out := must(t, "", "buildx", "build", "--call=targets", "testdata/multistage")
	for _, want := range []string{"base", "has the shell and the app's files.", "test", "checks what base made.", "release (default)"} {
		require.Contains(t, out, want)
	}
}

func TestCheckReportsStockRules(t *testing.T) {
	// The project's own checks are off here (-checks): what is left is
	// stock's --check, which must be unchanged.
	out, err := run(t.Context(), "", "buildx", "build", "--check", "--build-arg", "BUILDKIT_OPT=-checks", "testdata/lint")
	require.Error(t, err, "a --check run with findings must fail:\n%s", out)
	for _, want := range []string{
		"Check complete, 5 warnings have been found!",
		"StageNameCasing", "ConsistentInstructionCasing", "MaintainerDeprecated", "LegacyKeyValueFormat", "JSONArgsRecommended",
		"Dockerfile:2", "Dockerfile:3", "Dockerfile:4", "Dockerfile:6",
	} {
		require.Contains(t, out, want)
	}
}

func TestBrokenDockerfileKeepsStockErrorAndLine(t *testing.T) {
	out, err := run(t.Context(), "", "buildx", "build", "testdata/broken")
	require.Error(t, err)
	require.Contains(t, out, "unknown instruction: COPPY")
	require.Contains(t, out, "Dockerfile:3")
}

func TestTwoPlatforms(t *testing.T) {
	r := ref("e2e/platforms:test")
	optBuild(t, "testdata/platforms", r, "--platform", "linux/amd64,linux/arm64")
	_, man := index(t, r)
	var got []string
	for _, d := range man.Manifests {
		if d.Platform != nil && d.Platform.OS != "unknown" {
			got = append(got, d.Platform.String())
		}
	}
	require.ElementsMatch(t, []string{"linux/amd64", "linux/arm64"}, got)
	for _, p := range []string{"amd64", "arm64"} {
		cfg, err := image(t, r, &v1.Platform{OS: "linux", Architecture: p}).ConfigFile()
		require.NoError(t, err)
		require.Equal(t, p, cfg.Architecture)
		require.Equal(t, "linux/"+p, cfg.Config.Labels["org.example.platform"])
	}
}

func TestNamedContexts(t *testing.T) {
	optBuild(t, "testdata/contexts", ref("e2e/contexts:test"),
		"--build-context", "base=docker-image://"+ref("library/busybox:latest"),
		"--build-context", "extra=testdata/contexts/extra")
}

func TestSecretMount(t *testing.T) {
	secret := filepath.Join(t.TempDir(), "token")
	require.NoError(t, os.WriteFile(secret, []byte("s3cr3t"), 0o600))
	out := t.TempDir()
	must(t, "", "buildx", "build", "--secret", "id=token,src="+secret, "--output", "type=local,dest="+out, "testdata/secret")
	sum, err := os.ReadFile(filepath.Join(out, "token.sum"))
	require.NoError(t, err)
	// sha256 of "s3cr3t"
	require.Equal(t, "4e738ca5563c06cfd0018299933d58db1dd8bf97f6973dc99bf6cdc64b5550bd", strings.TrimSpace(string(sum)))
	_, err = os.Stat(filepath.Join(out, "run", "secrets", "token"))
	require.True(t, os.IsNotExist(err), "the secret must not be in the image")
}

func TestBakeBuildsTheFrontendImage(t *testing.T) {
	r := ref("e2e/optfrontend-bake:test")
	must(t, bed.root, "buildx", "bake", "--file", "docker-bake.hcl",
		"--set", "image.tags="+r, "--set", "image.output=type=image,push=true", "image")
	cfg, err := image(t, r, nil).ConfigFile()
	require.NoError(t, err)
	require.Equal(t, []string{"/bin/optfrontend"}, cfg.Config.Entrypoint)
	require.Contains(t, cfg.Config.Labels["moby.buildkit.frontend.caps"], "moby.buildkit.frontend.subrequests")

	// The release target cross-compiles for both platforms.
	rel := ref("e2e/optfrontend-bake:release")
	must(t, bed.root, "buildx", "bake", "--file", "docker-bake.hcl",
		"--set", "release.tags="+rel, "--set", "release.output=type=image,push=true", "release")
	_, man := index(t, rel)
	var got []string
	for _, d := range man.Manifests {
		if d.Platform != nil && d.Platform.OS != "unknown" {
			got = append(got, d.Platform.String())
		}
	}
	require.ElementsMatch(t, []string{"linux/amd64", "linux/arm64"}, got)
	armImg := image(t, rel, &v1.Platform{OS: "linux", Architecture: "arm64"})
	arm, err := armImg.ConfigFile()
	require.NoError(t, err)
	require.Equal(t, "arm64", arm.Architecture)
	require.Equal(t, elf.EM_AARCH64, elfMachine(t, armImg, "bin/optfrontend"), "the arm64 image must carry an arm64 binary")
}

// elfMachine reads the machine an ELF file in an image was built for.
func elfMachine(t *testing.T, img v1.Image, file string) elf.Machine {
	t.Helper()
	f, err := elf.NewFile(bytes.NewReader(imageFile(t, img, file)))
	require.NoError(t, err)
	return f.Machine
}

func TestUnknownPassNamesTheOption(t *testing.T) {
	out, err := run(t.Context(), "", "buildx", "build", "--build-arg", "BUILDKIT_OPT=-nosuchpass", "testdata/multistage")
	require.Error(t, err)
	require.Contains(t, out, "build arg BUILDKIT_OPT")
	require.Contains(t, out, `unknown pass "-nosuchpass"`)
}

func TestSSHMount(t *testing.T) {
	_, key, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	block, err := ssh.MarshalPrivateKey(key, "e2e")
	require.NoError(t, err)
	keyFile := filepath.Join(t.TempDir(), "id_ed25519")
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(block), 0o600))
	out := t.TempDir()
	must(t, "", "buildx", "build", "--ssh", "default="+keyFile, "--output", "type=local,dest="+out, "testdata/ssh")
	got, err := os.ReadFile(filepath.Join(out, "ssh.txt"))
	require.NoError(t, err)
	require.Contains(t, string(got), "agent at /run/buildkit/ssh_agent.0")
}

func TestProvenanceAttestation(t *testing.T) {
	r := ref("e2e/provenance:test")
	optBuild(t, "testdata/multistage", r, "--provenance=mode=max")
	idx, man := index(t, r)
	var attestations int
	for _, d := range man.Manifests {
		if d.Annotations["vnd.docker.reference.type"] == "attestation-manifest" {
			attestations++
			img, err := idx.Image(d.Digest)
			require.NoError(t, err)
			m, err := img.Manifest()
			require.NoError(t, err)
			require.NotEmpty(t, m.Layers)
			require.Equal(t, "https://slsa.dev/provenance/v1", m.Layers[0].Annotations["in-toto.io/predicate-type"])
		}
	}
	require.Equal(t, 1, attestations, "one provenance attestation for the one platform")
}
