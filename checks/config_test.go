package checks

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/frontend/subrequests/lint"
	"github.com/stretchr/testify/require"
)

// firing returns the first case where rule fires.
func firing(t *testing.T, rule string) ruleCase {
	t.Helper()
	for _, tc := range ruleCases[rule] {
		if len(tc.want) > 0 {
			return tc
		}
	}
	t.Fatalf("no firing case for %s", rule)
	return ruleCase{}
}

// withDirective puts a check directive on top of df, after a syntax line
// if df has one, as BuildKit reads directives only there.
func withDirective(df, directive string) string {
	if strings.HasPrefix(df, "# syntax=") {
		first, rest, _ := strings.Cut(df, "\n")
		return first + "\n" + directive + "\n" + rest
	}
	return directive + "\n" + df
}

// TestCheckDirective checks, for every rule, that skip=Rule and skip=all
// silence it, that skipping another rule does not, and that error=true
// fails with stock's message once it fires and not when it is skipped.
func TestCheckDirective(t *testing.T) {
	for _, rule := range Rules() {
		name := rule.RuleName()
		tc := firing(t, name)
		opt := options()
		if tc.opt != nil {
			tc.opt(&opt)
		}
		for _, d := range []struct {
			directive string
			fires     bool
			violation bool
			clean     bool // nothing may fire, so no error either
		}{
			{directive: "# check=skip=" + name},
			{directive: "# check=skip=all", clean: true},
			{directive: "# check=skip=StageNameCasing," + name + ";error=true"},
			{directive: "# check=skip=all;error=true", clean: true},
			{directive: "# check=skip=StageNameCasing", fires: true},
			{directive: "# check=error=true", fires: true, violation: true},
			{directive: "# check=error=false", fires: true},
		} {
			t.Run(name+"/"+d.directive, func(t *testing.T) {
				got, err := check(t, withDirective(tc.df, d.directive), opt)
				require.Equal(t, d.fires, len(only(got, name)) > 0, "warnings:\n%s", dump(got))
				if d.clean {
					require.Empty(t, got)
					require.NoError(t, err)
				}
				if !d.violation {
					// Other rules may fire and fail the check; this one must
					// not be among them.
					if err != nil {
						require.ErrorIs(t, err, ErrViolation)
						require.NotContains(t, err.Error(), name)
					}
					return
				}
				require.ErrorIs(t, err, ErrViolation)
				require.ErrorContains(t, err, "lint violation found for rules: ")
				require.ErrorContains(t, err, name)
			})
		}
	}
}

// TestCheckConfig checks the build arg's configuration (Options.Config),
// which replaces the directive as BUILDKIT_DOCKERFILE_CHECK does for stock,
// and a check comment right above one instruction.
func TestCheckConfig(t *testing.T) {
	df := "# check=skip=all\nFROM alpine:3.19\nADD a.txt /a\n"
	got, err := check(t, df, Options{})
	require.NoError(t, err)
	require.Empty(t, got)

	cfg, err := linter.ParseLintOptions("skip=RunAsRoot;error=true")
	require.NoError(t, err)
	got, err = check(t, df, Options{Config: cfg})
	require.ErrorIs(t, err, ErrViolation)
	require.Equal(t, []string{"AddLocalFile"}, rules(got))
	require.Nil(t, cfg.Warn, "the caller's Config is not changed")

	df = "FROM alpine:3.19\nUSER app\n# check=skip=AddLocalFile\nADD a.txt /a\nADD b.txt /b\n"
	got, err = check(t, df, Options{})
	require.NoError(t, err)
	require.Equal(t, []int{5}, lines(only(got, "AddLocalFile")))
}

// TestCheckLikeStock runs stock's lint and this package's on one
// Dockerfile into one result, as the frontend's --check does, and checks
// that every directive treats a stock rule (StageNameCasing) and a rule of
// this package (AddLocalFile) alike.
func TestCheckLikeStock(t *testing.T) {
	const body = "FROM scratch AS Final\nUSER 1000\nADD a.txt /a\n"
	for _, tc := range []struct {
		directive string
		want      []string
		err       string
	}{
		{directive: "", want: []string{"AddLocalFile", "StageNameCasing"}},
		{directive: "# check=skip=StageNameCasing,AddLocalFile", want: nil},
		{directive: "# check=skip=all", want: nil},
		{directive: "# check=skip=AddLocalFile;error=true", want: []string{"StageNameCasing"}, err: "lint violation found for rules: StageNameCasing"},
		{directive: "# check=skip=StageNameCasing;error=true", want: []string{"AddLocalFile"}, err: "lint violation found for rules: AddLocalFile"},
		{directive: "# check=error=true", want: []string{"AddLocalFile", "StageNameCasing"}, err: "lint violation found for rules: StageNameCasing, AddLocalFile"},
	} {
		t.Run(tc.directive, func(t *testing.T) {
			df := body
			if tc.directive != "" {
				df = tc.directive + "\n" + body
			}
			results := lintBoth(t, df)
			var names []string
			for _, w := range results.Warnings {
				names = append(names, w.RuleName)
				require.Equal(t, int32(0), w.Location.SourceIndex)
			}
			require.ElementsMatch(t, tc.want, names)
			if tc.err == "" {
				require.Nil(t, results.Error)
				return
			}
			require.NotNil(t, results.Error)
			require.Equal(t, tc.err, results.Error.Message)
		})
	}
}

// lintBoth is what the frontend's lint subrequest returns: stock's result,
// decoded from its result.json as the frontend receives it from
// builder.Build, with Lint's warnings added.
func lintBoth(t *testing.T, df string) *lint.LintResults {
	t.Helper()
	ctx := context.Background()
	src := llb.Local("dockerfile")
	def, err := src.Marshal(ctx)
	require.NoError(t, err)
	smap := llb.NewSourceMap(&src, "Dockerfile", "Dockerfile", []byte(df))
	smap.Definition = def
	stock, err := dockerfile2llb.DockerfileLint(ctx, []byte(df), dockerfile2llb.ConvertOpt{SourceMap: smap})
	require.NoError(t, err)
	res, err := stock.ToResult(nil)
	require.NoError(t, err)
	var results lint.LintResults
	require.NoError(t, json.Unmarshal(res.Metadata["result.json"], &results))

	require.NoError(t, Lint(ctx, []byte(df), smap, Options{}, &results))
	require.Len(t, results.Sources, 1, "one source for both")
	res, err = results.ToResult(nil)
	require.NoError(t, err)
	status := "0"
	if len(results.Warnings) > 0 || results.Error != nil {
		status = "1"
	}
	require.Equal(t, status, string(res.Metadata["result.statuscode"]))
	return &results
}

// TestLintAllStages checks that --check without a target looks at every
// stage, as stock's does, and with one only at what it uses.
func TestLintAllStages(t *testing.T) {
	df := "FROM scratch AS unused\nADD a.txt /a\nFROM scratch\nUSER 1000\n"
	results := lintBoth(t, df)
	require.Len(t, results.Warnings, 1)
	require.Equal(t, "AddLocalFile", results.Warnings[0].RuleName)

	got, err := check(t, df, Options{})
	require.NoError(t, err)
	require.Empty(t, got)
}

// TestBuildWarn checks the warning a normal build sends, field by field
// as stock's builder sends its own.
func TestBuildWarn(t *testing.T) {
	type sent struct {
		msg, url, detail string
		lines            []int32
		level            int
	}
	var got []sent
	warn := BuildWarn(context.Background(), func(_ context.Context, msg string, opts gwclient.WarnOpts) {
		s := sent{msg: msg, url: opts.URL, detail: string(opts.Detail[0]), level: opts.Level}
		for _, r := range opts.Range {
			s.lines = append(s.lines, r.Start.Line, r.End.Line)
		}
		got = append(got, s)
	})
	err := Run(context.Background(), []byte("FROM alpine:3.19\nUSER app\nRUN apt-get update && \\\n  apt-get install -y curl\n"), Options{}, warn)
	require.NoError(t, err)
	require.Equal(t, []sent{{
		msg:    fmt.Sprintf("AptInstallRecommends: %q installs recommended packages too; add --no-install-recommends (line 3)", "apt-get install -y curl"),
		url:    "https://github.com/org/optfrontend/blob/main/docs/checks.md#aptinstallrecommends",
		detail: "apt-get install should use --no-install-recommends",
		lines:  []int32{3, 3, 4, 4}, // one range per line, as stock's locations are
		level:  1,
	}}, got)
}
