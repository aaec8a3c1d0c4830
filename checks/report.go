package checks

import (
	"context"
	"errors"
	"strings"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/frontend/subrequests/lint"
	"github.com/moby/buildkit/solver/pb"
)

// SourceWarnFunc sends a build warning about the Dockerfile; it is the
// signature of dockerui.Source.Warn, which fills in the Dockerfile's
// SourceInfo and sends the warning with gateway client Warn.
type SourceWarnFunc func(ctx context.Context, msg string, opts gwclient.WarnOpts)

// BuildWarn returns a warn func for Run that prints each finding as the
// stock frontend prints its own rules in a normal build (builder.Build's
// ConvertOpt.Warn): "Rule: message (line N)", level 1, the description as
// detail, the rule's URL and the instruction's range.
func BuildWarn(ctx context.Context, warn SourceWarnFunc) linter.LintWarnFunc {
	return func(rulename, description, url, msg string, location []parser.Range) {
		msg = linter.LintFormatShort(rulename, msg, startLine(location))
		opts := gwclient.WarnOpts{Level: 1, Detail: [][]byte{[]byte(description)}, URL: url}
		for _, r := range location {
			opts.Range = append(opts.Range, &pb.Range{
				Start: &pb.Position{Line: int32(r.Start.Line), Character: int32(r.Start.Character)},
				End:   &pb.Position{Line: int32(r.End.Line), Character: int32(r.End.Character)},
			})
		}
		warn(ctx, msg, opts)
	}
}

// Lint runs the checks for the lint subrequest (docker buildx build
// --check, --call=check) and adds their warnings to results, which holds
// stock's for the same Dockerfile: the source is smap, the one stock
// added, so the warnings share its index. As stock's DockerfileLint does,
// an empty Target checks every stage. A violation under error=true becomes
// results.Error, or joins the list of stock's own violation there. A
// Dockerfile stock could not lint is
// left to stock's error: Lint adds nothing and returns nil. The error is
// an ErrInput one, which the subrequest should not fail for, or ctx's.
func Lint(ctx context.Context, dt []byte, smap *llb.SourceMap, opt Options, results *lint.LintResults) error {
	idx := results.AddSource(smap)
	if opt.Target == "" {
		opt.AllStages = true
	}
	err := Run(ctx, dt, opt, func(rulename, description, url, msg string, location []parser.Range) {
		results.AddWarning(rulename, description, url, msg, idx, location)
	})
	var violation violationError
	if errors.As(err, &violation) {
		recordViolation(results, violation, idx)
	}
	if err == nil || errors.Is(err, ErrDockerfile) {
		return nil
	}
	return withoutViolation(err)
}

// violationPrefix starts linter.Error's message.
const violationPrefix = "lint violation found for rules: "

// recordViolation makes a violation the results' error, as stock's
// DockerfileLint does with its own. When stock already failed for its
// rules, the rules here join its list, so that the message names every
// rule that fired; any other error of stock's stays as it is.
func recordViolation(results *lint.LintResults, v violationError, idx int) {
	switch {
	case results.Error == nil:
		results.Error = &lint.BuildError{Message: v.Error(), Location: pb.Location{SourceIndex: int32(idx)}}
	case strings.HasPrefix(results.Error.Message, violationPrefix) && strings.HasPrefix(v.Error(), violationPrefix):
		results.Error.Message += ", " + strings.TrimPrefix(v.Error(), violationPrefix)
	}
}

// withoutViolation drops the violation from Run's joined error: Lint has
// recorded it in the results.
func withoutViolation(err error) error {
	joined, ok := err.(interface{ Unwrap() []error })
	if !ok {
		if errors.Is(err, ErrViolation) {
			return nil
		}
		return err
	}
	var rest []error
	for _, e := range joined.Unwrap() {
		if !errors.Is(e, ErrViolation) {
			rest = append(rest, e)
		}
	}
	return errors.Join(rest...)
}
