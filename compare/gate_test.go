package compare

import (
	"errors"
	"flag"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseGate(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want Gate
	}{
		{"size>1.00", Gate{{Metric: "size", Op: ">", Number: "1.00", Value: 1}}},
		{"size>1.00,cold>1.10,wasted>0", Gate{
			{Metric: "size", Op: ">", Number: "1.00", Value: 1},
			{Metric: "cold", Op: ">", Number: "1.10", Value: 1.1},
			{Metric: "wasted", Op: ">", Number: "0", Value: 0},
		}},
		{" Size >= .5 , LAYERS<=1 ", Gate{{Metric: "size", Op: ">=", Number: ".5", Value: 0.5}, {Metric: "layers", Op: "<=", Number: "1", Value: 1}}},
		{"warm<3,source<1.,dep>=2,unpacked>1,context>1", Gate{
			{Metric: "warm", Op: "<", Number: "3", Value: 3}, {Metric: "source", Op: "<", Number: "1.", Value: 1},
			{Metric: "dep", Op: ">=", Number: "2", Value: 2}, {Metric: "unpacked", Op: ">", Number: "1", Value: 1},
			{Metric: "context", Op: ">", Number: "1", Value: 1},
		}},
		{"wasted>10MB", Gate{{Metric: "wasted", Op: ">", Number: "10MB", Value: 10e6}}},
		{"wasted>1.5MiB", Gate{{Metric: "wasted", Op: ">", Number: "1.5MiB", Value: 1.5 * 1024 * 1024}}},
		{"wasted > 2 kb", Gate{{Metric: "wasted", Op: ">", Number: "2 kb", Value: 2000}}},
		{"wasted>0B", Gate{{Metric: "wasted", Op: ">", Number: "0B", Value: 0}}},
		{"wasted>=1GiB", Gate{{Metric: "wasted", Op: ">=", Number: "1GiB", Value: 1 << 30}}},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			got, err := ParseGate(tc.expr)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestParseGateErrors(t *testing.T) {
	for _, tc := range []struct{ expr, want string }{
		{"", "empty"},
		{"  ", "empty"},
		{"size>1,", "empty condition"},
		{",size>1", "empty condition"},
		{"size", "no operator"},
		{"size 1", "no operator"},
		{"size=1", `operator "=": want one of > >= < <=`},
		{"size==1", `operator "=="`},
		{"size=>1", `operator "=>"`},
		{"size!=1", `operator "!="`},
		{"size>>1", `operator ">>"`},
		{">1", `no metric before ">"; known metrics: size, unpacked, layers, context, wasted, cold, warm, source, dep`},
		{"speed>1", `unknown metric "speed"; known metrics: size, unpacked, layers, context, wasted, cold, warm, source, dep`},
		{"size>", "size: want a number after the operator"},
		{"size>.", "want a number"},
		{"size>1.2.3", "want a number"},
		{"size>-1", "want a number"},
		{"size>abc", "want a number"},
		{"size>1e3", `size is a ratio (optimized/stock): give a plain number such as 1.05, not "1e3"`},
		{"size>10MB", "size is a ratio"},
		{"cold>1.1s", "cold is a ratio"},
		{"wasted>10XB", `wasted: unknown unit "XB"`},
		{"wasted>10M", `unknown unit "M"`},
		{"size>1 and cold>1", "is a ratio"},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			g, err := ParseGate(tc.expr)
			require.ErrorIs(t, err, ErrBadGate)
			require.ErrorContains(t, err, tc.want)
			require.Nil(t, g)
		})
	}
	// Every bad condition is reported, not just the first.
	_, err := ParseGate("speed>1,size>1,size=2")
	require.ErrorContains(t, err, `"speed>1": unknown metric`)
	require.ErrorContains(t, err, `"size=2": operator "="`)
}

// TestGateFlag reads the gate as optctl does: a flag, repeatable, whose
// bad value is an error of the command line.
func TestGateFlag(t *testing.T) {
	var g Gate
	fs := flag.NewFlagSet("compare", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Var(&g, "fail-if", GateHelp())
	require.NoError(t, fs.Parse([]string{"--fail-if", "size>1.00,wasted>0", "--fail-if", "cold >1.10"}))
	require.Equal(t, "size>1.00,wasted>0,cold>1.10", g.String())
	err := fs.Parse([]string{"--fail-if", "speed>1"})
	require.ErrorContains(t, err, `invalid value "speed>1" for flag -fail-if`)
	require.ErrorContains(t, err, "known metrics: size,")
	require.Equal(t, "", (*Gate)(nil).String())
	for _, m := range metrics() {
		require.Contains(t, GateHelp(), "\n"+m.name+" ")
	}
}

// TestGateScenariosAreTheReports keeps the gate's scenario metrics the
// scenarios a comparison runs.
func TestGateScenariosAreTheReports(t *testing.T) {
	var names, gate []string
	for _, sc := range (&session{}).scenarios(nil) {
		names = append(names, sc.Name)
	}
	for _, sc := range gateScenarios {
		gate = append(gate, sc.name)
	}
	require.Equal(t, names, gate)
}

func TestGateEvaluate(t *testing.T) {
	r := sampleReport() // size 0.6975, layers 0.75, wasted 0 B, cold 0.8333, warm 3, dep skipped, no source
	for _, tc := range []struct {
		expr  string
		holds []bool
		says  []string
	}{
		{"size>1.00", []bool{false}, []string{"size is 0.6975 (optimized 35.4 MB / stock 50.8 MB)"}},
		{"size<0.70", []bool{true}, []string{"size is 0.6975"}},
		{"size<0.6975", []bool{true}, []string{"size is 0.69748"}},
		{"size>=0.69", []bool{true}, nil},
		{"layers<1", []bool{true}, []string{"layers is 0.7500 (optimized 3 / stock 4)"}},
		{"unpacked>0.8", []bool{false}, []string{"unpacked is 0.8000 (optimized 80.0 MB / stock 100.0 MB)"}},
		{"context>1", []bool{false}, []string{"context is 1.0000 (optimized 926 B / stock 926 B)"}},
		{"wasted>0", []bool{false}, []string{"wasted is 0 B"}},
		{"wasted>=0", []bool{true}, nil},
		{"cold>1.10,warm>2", []bool{false, true}, []string{"cold is 0.8333 (optimized 5.00 s / stock 6.00 s)", "warm is 3.0000 (optimized 0.30 s / stock 0.10 s)"}},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			g, err := ParseGate(tc.expr)
			require.NoError(t, err)
			v := g.Evaluate(r)
			require.NoError(t, v.Unanswered)
			require.Len(t, v.Outcomes, len(tc.holds))
			for i, o := range v.Outcomes {
				require.Equal(t, tc.holds[i], o.Holds, o.String())
				if i < len(tc.says) {
					require.Contains(t, o.String(), tc.says[i])
				}
			}
			if slices.Contains(tc.holds, true) {
				require.ErrorIs(t, v.Err(), ErrGateFailed)
			} else {
				require.NoError(t, v.Err())
			}
		})
	}
}

func TestGateVerdictNamesWhatFailed(t *testing.T) {
	r := sampleReport()
	r.Optimized.OwnWasted = 1_500_000
	g, err := ParseGate("size>0.5,wasted>1MB,cold>1.10")
	require.NoError(t, err)
	err = g.Evaluate(r).Err()
	require.ErrorIs(t, err, ErrGateFailed)
	require.Equal(t, "gate failed: size>0.5 holds: size is 0.6975 (optimized 35.4 MB / stock 50.8 MB); "+
		"wasted>1MB holds: wasted is 1.5 MB (1500000 B)", err.Error())
}

func TestGateUnanswered(t *testing.T) {
	r := sampleReport()
	g, err := ParseGate("dep>1,source>1,size>2")
	require.NoError(t, err)
	v := g.Evaluate(r)
	require.Len(t, v.Outcomes, 1, "size is answered")
	err = v.Err()
	require.Error(t, err)
	require.NotErrorIs(t, err, ErrGateFailed, "no condition holds")
	require.ErrorContains(t, err, "dep>1: the dep scenario was skipped (no dependency command: pass --dep-cmd); metrics this report has: size, unpacked, layers, context, wasted, cold, warm")
	require.ErrorContains(t, err, "source>1: the report has no source scenario; metrics it has: size, unpacked, layers, context, wasted, cold, warm")

	r.Stock.Size = 0
	v = Gate{{Metric: "size", Op: ">", Number: "1", Value: 1}}.Evaluate(r)
	require.ErrorContains(t, v.Err(), "size>1: stock's value is 0 B: no ratio")
	v = Gate{{Metric: "nosuch", Op: ">", Number: "1", Value: 1}}.Evaluate(r)
	require.ErrorContains(t, v.Err(), `unknown metric "nosuch"`)
	v = Gate{{Metric: "size", Op: ">", Number: "1", Value: 1}}.Evaluate(&Report{})
	require.ErrorContains(t, v.Err(), "the report has no images")
}

// TestGateCheckScenarios refuses, before building, a condition on a
// scenario that will not run.
func TestGateCheckScenarios(t *testing.T) {
	scs := (&session{}).scenarios(nil) // no file to touch, no --dep-cmd
	g, err := ParseGate("size>1,cold>1.1,warm>3")
	require.NoError(t, err)
	require.NoError(t, g.checkScenarios(scs))
	g, err = ParseGate("dep>1,source>1")
	require.NoError(t, err)
	err = g.checkScenarios(scs)
	require.ErrorContains(t, err, "gate condition dep>1: the dep scenario will not run: no dependency command: pass --dep-cmd")
	require.ErrorContains(t, err, "gate condition source>1: the source scenario will not run: no source file found to change: pass --touch FILE")
}

func TestFormatRatio(t *testing.T) {
	c := Condition{Op: ">", Value: 1}
	require.Equal(t, "1.0000", formatRatio(1, c))
	require.Equal(t, "1.00001", formatRatio(1.00001, c))
	require.Equal(t, "0.9999", formatRatio(0.99994, c))
}

func FuzzParseGate(f *testing.F) {
	for _, s := range []string{"size>1.00,cold>1.10,wasted>0", "wasted>1.5MiB", " Size >= .5 , LAYERS<=1 ", "size=>1", ",", ">", "wasted>1e400", "size>" + strings.Repeat("9", 400)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		g, err := ParseGate(expr)
		if err != nil {
			require.True(t, errors.Is(err, ErrBadGate), err.Error())
			require.Nil(t, g)
			return
		}
		require.NotEmpty(t, g)
		// What parses prints as an expression that parses the same.
		again, err := ParseGate(g.String())
		require.NoError(t, err, g.String())
		require.Equal(t, g, again)
		for _, c := range g {
			require.GreaterOrEqual(t, c.Value, 0.0)
			// Evaluating it on any report does not panic either.
			_ = g.Evaluate(sampleReport()).Err()
			_ = c.holds(1)
		}
	})
}
