package checks

import (
	"fmt"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/linter"
)

// DocsURL is where every rule is documented; a rule's URL is DocsURL
// followed by "#" and its name in lower case, the anchor GitHub gives the
// rule's heading.
const DocsURL = "https://github.com/org/optfrontend/blob/main/docs/checks.md"

// The rules are BuildKit's own linter.LinterRule values, as in its
// frontend/dockerfile/linter/ruleset.go, so that a *linter.Linter built from
// the Dockerfile's "# check=" directive skips them, and turns them into an
// error, exactly as it does the stock rules.
var (
	// RuleFullBaseImage fires on the final stage's base image when a -slim
	// variant of the same tag exists in its registry.
	RuleFullBaseImage = linter.LinterRule[func(image, slim string) string]{
		Name:        "FullBaseImage",
		Description: "A -slim variant of the final stage's base image exists",
		URL:         ruleURL("FullBaseImage"),
		Format: func(image, slim string) string {
			return fmt.Sprintf("Base image %s has a slim variant, %s", image, slim)
		},
	}
	// RuleUnpinnedBaseImage fires on a FROM that names no tag and no digest,
	// or the latest tag.
	RuleUnpinnedBaseImage = linter.LinterRule[func(image string, latest bool) string]{
		Name:        "UnpinnedBaseImage",
		Description: "Base images should name a version tag or a digest, not latest",
		URL:         ruleURL("UnpinnedBaseImage"),
		Format: func(image string, latest bool) string {
			if latest {
				return fmt.Sprintf("Base image %s uses the latest tag", image)
			}
			return fmt.Sprintf("Base image %s names no tag or digest, which means latest", image)
		},
	}
	// RuleRunAsRoot fires when the final stage's user is root.
	RuleRunAsRoot = linter.LinterRule[func(user string) string]{
		Name:        "RunAsRoot",
		Description: "The final stage should set a non-root USER",
		URL:         ruleURL("RunAsRoot"),
		Format: func(user string) string {
			if user == "" {
				return "The final stage runs as root: no USER sets another user"
			}
			return fmt.Sprintf("The final stage runs as root (USER %s)", user)
		},
	}
	// RuleAddLocalFile fires on an ADD of a local file that ADD would not
	// unpack.
	RuleAddLocalFile = linter.LinterRule[func(src string) string]{
		Name:        "AddLocalFile",
		Description: "COPY should be used instead of ADD for local files",
		URL:         ruleURL("AddLocalFile"),
		Format: func(src string) string {
			return fmt.Sprintf("ADD of the local file %s; use COPY", src)
		},
	}
	// RuleAptInstallRecommends fires on an apt-get or apt install without
	// --no-install-recommends.
	RuleAptInstallRecommends = linter.LinterRule[func(command string) string]{
		Name:        "AptInstallRecommends",
		Description: "apt-get install should use --no-install-recommends",
		URL:         ruleURL("AptInstallRecommends"),
		Format: func(command string) string {
			return fmt.Sprintf("%q installs recommended packages too; add --no-install-recommends", command)
		},
	}
	// RuleNoDockerignore fires on the first COPY or ADD that takes a whole
	// directory of the build context when the context has no .dockerignore.
	RuleNoDockerignore = linter.LinterRule[func(instruction string) string]{
		Name:        "NoDockerignore",
		Description: "A build context copied by directory should have a .dockerignore",
		URL:         ruleURL("NoDockerignore"),
		Format: func(instruction string) string {
			return fmt.Sprintf("%s copies from a build context that has no .dockerignore", instruction)
		},
	}
	// RuleBuildToolsInFinalStage fires where a package manager or compiler
	// enters the final stage and is not removed.
	RuleBuildToolsInFinalStage = linter.LinterRule[func(tools []string, from string) string]{
		Name:        "BuildToolsInFinalStage",
		Description: "Package managers and compilers should stay out of the final stage",
		URL:         ruleURL("BuildToolsInFinalStage"),
		Format: func(tools []string, from string) string {
			return fmt.Sprintf("Final stage keeps %s (%s)", strings.Join(tools, ", "), from)
		},
	}
	// RuleSecretFileCopied fires on a COPY or ADD that copies a file that
	// looks like a secret from the build context, or would copy it but for
	// the secretfilter pass, which keeps it out of the context: the user
	// still learns what the line takes and how to have it sent.
	RuleSecretFileCopied = linter.LinterRule[func(copied, keptOut []string) string]{
		Name:        "SecretFileCopied",
		Description: "Secret-looking files should not be copied into a layer",
		URL:         ruleURL("SecretFileCopied"),
		Format: func(copied, keptOut []string) string {
			var parts []string
			if len(copied) > 0 {
				parts = append(parts, "copied into a layer: "+shortList(copied))
			}
			if len(keptOut) > 0 {
				parts = append(parts, "kept out of the build context by optfrontend (--build-arg BUILDKIT_OPT=-secretfilter sends them): "+shortList(keptOut))
			}
			return "Secret-looking files " + strings.Join(parts, "; ")
		},
	}
)

// Rules lists every rule of the package, in the order docs/checks.md
// documents them. It returns a new slice each time, so that no caller can
// add, drop or reorder the rules another caller sees.
func Rules() []linter.LinterRuleI {
	return []linter.LinterRuleI{
		&RuleFullBaseImage,
		&RuleUnpinnedBaseImage,
		&RuleRunAsRoot,
		&RuleAddLocalFile,
		&RuleAptInstallRecommends,
		&RuleNoDockerignore,
		&RuleBuildToolsInFinalStage,
		&RuleSecretFileCopied,
	}
}

// shortList names the first few files and counts the rest.
func shortList(files []string) string {
	const shown = 3
	if len(files) > shown {
		return fmt.Sprintf("%s and %d more", strings.Join(files[:shown], ", "), len(files)-shown)
	}
	return strings.Join(files, ", ")
}

func ruleURL(name string) string {
	return DocsURL + "#" + strings.ToLower(name)
}
