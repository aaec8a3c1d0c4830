// Package checks reports, as BuildKit build checks, the Dockerfile
// choices that make an image bigger, slower to build or less safe but that
// no optimizer may undo silently, since undoing them changes the image.
//
// # Rules
//
// The rules are data: BuildKit's own linter.LinterRule values (Rules lists
// them), each with a name, a one-line description, a URL to its section of
// docs/checks.md and a message format, as in BuildKit's
// frontend/dockerfile/linter/ruleset.go. They report through the same
// *linter.Linter that stock builds, from the Dockerfile's "# check="
// directive or the BUILDKIT_DOCKERFILE_CHECK build arg (Options.Config), so
// skip=Name, skip=all, error=true and a "# check=" comment right above an
// instruction behave for them as for the stock rules.
//
// Like stock, Run checks only the stages the target uses (FROM, COPY
// --from, RUN --mount=from), or all with Options.AllStages; the rules
// about the shipped image (FullBaseImage, RunAsRoot,
// BuildToolsInFinalStage) look at the target and the stages it is built
// FROM. What a RUN runs is read by parsing its script with
// mvdan.cc/sh/v3/syntax, never by matching its text: echo apt-get install
// is echo. Facts the Dockerfile does not hold (the context's files and
// .dockerignore, whether a tag exists, an image's user) come through
// Options; a rule whose fact is unknown does not fire.
//
// # Calling it from the frontend
//
// Normal build, before the stock builder.Build: read the Dockerfile with
// dockerui (bc, _ := dockerui.NewClient(c); src, _ :=
// bc.ReadEntrypoint(ctx, "Dockerfile")), fill Options from bc.Config
// (Target, BuildArgs, LinterConfig) and the gateway client, and call
//
//	err := checks.Run(ctx, src.Data, opt, checks.BuildWarn(ctx, src.Warn))
//
// Each finding is then a build warning with the Dockerfile's SourceInfo,
// the instruction's range, the rule's URL and the message
// "Rule: message (line N)", exactly as stock sends its own. Fail the build
// when errors.Is(err, checks.ErrViolation) (error=true); ignore ErrDockerfile
// (stock reports the same problem at its line) and ErrInput (an input the
// checks could not get; the build must not fail for it).
//
// Lint subrequest (opts["requestid"] == lint.SubrequestLintDefinition.Name,
// from docker buildx build --check): let builder.Build answer, decode its
// result's "result.json" metadata into a lint.LintResults, call
//
//	err := checks.Lint(ctx, src.Data, src.SourceMap, opt, &results)
//
// and return results.ToResult(nil) in place of stock's result, so that
// buildx lists stock's warnings and these together, with file, line and
// link, and a non-zero status when any fired.
package checks
