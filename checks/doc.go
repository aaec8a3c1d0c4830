// Package checks reports, as BuildKit build checks, the Dockerfile
// choices that make an image bigger, slower to build or less safe but that
// no optimizer may undo silently, since undoing them changes the image.
//
// # Rules
//
// The rules are data: BuildKit's own linter.LinterRule values (Rules lists
// them), each with a name, a one-line description, a URL to its section of
// docs/checks.md and a message format, as in BuildKit's
// frontend/dockerfile/linter/ruleset.go. They report through a
// *linter.Linter built as stock builds its own, from the configuration of
// the BUILDKIT_DOCKERFILE_CHECK build arg (Options.Config) or else the
// Dockerfile's "# check=" directive, so skip=Name, skip=all, error=true and
// a "# check=" comment right above an instruction behave for them as for
// the stock rules.
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
// Both paths read the Dockerfile as stock does, bc, _ :=
// dockerui.NewClient(c) and src, _ := bc.ReadEntrypoint(ctx, "Dockerfile"),
// and fill Options from bc.Config and the gateway client c:
//
//   - Target, BuildArgs, Config: bc.Target, bc.BuildArgs, bc.LinterConfig.
//   - Dockerignore: len(bc.DockerIgnorePatterns(ctx)) > 0.
//   - ContextFiles: solve bc.MainContext(ctx, llb.FollowPaths(paths)),
//     which applies .dockerignore and shares stock's transfer, and walk the
//     result with Reference.ReadDir; ReadFile: Reference.ReadFile on it.
//   - ImageExists: c.ResolveImageConfig (or ResolveSourceMetadata) of the
//     reference, false when the registry says it is not found.
//   - ImageUser: the Config.User of the config the same call returns.
//
// Normal build, in frontend.Build before builder.Build:
//
//	err := checks.Run(ctx, src.Data, opt, checks.BuildWarn(ctx, src.Warn))
//
// Each finding is a build warning with the Dockerfile's SourceInfo, the
// instruction's ranges, the rule's URL and "Rule: message (line N)", as
// stock sends its own. Fail the build when errors.Is(err,
// checks.ErrViolation) (error=true); carry on for ErrDockerfile (stock
// reports the same problem at its line) and ErrInput (an input that could
// not be had; the build must not fail for it).
//
// Lint subrequest (opts["requestid"] == lint.SubrequestLintDefinition.Name,
// from docker buildx build --check): let builder.Build answer, decode its
// result's "result.json" metadata into a lint.LintResults, then
//
//	err := checks.Lint(ctx, src.Data, src.SourceMap, opt, &results)
//	res, err := results.ToResult(nil)
//
// and return res in place of stock's result: buildx then lists stock's
// warnings and these together, with file, line and link, and a non-zero
// status when any fired. Lint checks every stage when no target is given,
// as stock's DockerfileLint does, and records an error=true violation in
// results.Error.
package checks
