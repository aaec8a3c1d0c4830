package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/org/optfrontend/compare"
)

// ciFlags are compare's flags for CI: the gate and the Markdown summary.
type ciFlags struct {
	gate     compare.Gate
	markdown string
}

func (c *ciFlags) register(fs *flag.FlagSet) {
	fs.Var(&c.gate, "fail-if", compare.GateHelp())
	fs.StringVar(&c.markdown, "markdown", "", "also write the report as GitHub-flavoured Markdown to this file, e.g. \"$GITHUB_STEP_SUMMARY\"")
}

// finish evaluates the gate on the report, when one was given, writes the
// Markdown summary, when asked for, and prints each condition's outcome;
// the error is the gate's verdict (compare.ErrGateFailed when a condition
// holds).
func (c *ciFlags) finish(rep *compare.Report, stderr io.Writer) error {
	var v *compare.Verdict
	if len(c.gate) > 0 {
		verdict := c.gate.Evaluate(rep)
		v = &verdict
	}
	if c.markdown != "" {
		if err := writeFile(c.markdown, func(w io.Writer) error { return compare.WriteMarkdown(w, rep, v) }); err != nil {
			return err
		}
	}
	if v == nil {
		return nil
	}
	result := "passed"
	if v.Err() != nil {
		result = "failed"
	}
	fmt.Fprintf(stderr, "\n--fail-if %s: %s\n", c.gate.String(), result)
	for _, o := range v.Outcomes {
		holds := "does not hold"
		if o.Holds {
			holds = "HOLDS"
		}
		fmt.Fprintf(stderr, "  %s %s: %s\n", o.Condition, holds, o)
	}
	return v.Err()
}
