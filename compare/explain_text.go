package compare

import (
	"fmt"
	"io"
	"slices"
	"strings"
)

// WriteExplanation prints what the passes would change in a Dockerfile,
// each finding with its Dockerfile lines.
func WriteExplanation(w io.Writer, dockerfile string, ex *Explanation) error {
	var passes []string
	for _, f := range ex.Findings {
		if !slices.Contains(passes, f.Pass) {
			passes = append(passes, f.Pass)
		}
	}
	fmt.Fprintf(w, "%s: %d finding(s)", dockerfile, len(ex.Findings))
	if len(passes) > 0 {
		fmt.Fprintf(w, " from %s", strings.Join(passes, ", "))
	}
	fmt.Fprintln(w)
	for _, f := range ex.Findings {
		where, what := f.Where(), "changes"
		if where == "" {
			where = "(no line)"
		}
		if !f.Changed {
			what = "leaves alone"
		}
		fmt.Fprintf(w, "\n%s  %s %s: %s\n", where, f.Pass, what, f.Message)
		for i, line := range strings.Split(f.Text, "\n") {
			if f.Text != "" {
				fmt.Fprintf(w, "  %4d | %s\n", f.Line+i, line)
			}
		}
	}
	if len(ex.Lint) > 0 {
		fmt.Fprintf(w, "\nthe stock frontend's own warnings:\n")
		for _, l := range ex.Lint {
			fmt.Fprintf(w, "  %s\n", l)
		}
	}
	_, err := fmt.Fprintln(w)
	if err != nil {
		return fmt.Errorf("writing the explanation: %w", err)
	}
	return nil
}
