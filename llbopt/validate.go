package llbopt

import (
	"errors"
	"fmt"
)

// Validate checks the invariants the daemon relies on: every input names a
// node of the graph and an output it can have, the terminal has exactly one
// input, and every source location names a known source. It reports every
// problem it finds, not just the first.
func (g *Graph) Validate() error {
	var errs []error
	in := make(map[*Node]bool, len(g.nodes))
	for _, n := range g.nodes {
		in[n] = true
	}
	for i, n := range g.nodes {
		if n.Op == nil {
			errs = append(errs, fmt.Errorf("op %d (%s) has no body", i, n.digest))
			continue
		}
		for j, e := range n.Inputs {
			switch {
			case e.Node == nil:
				errs = append(errs, fmt.Errorf("op %s: input %d is empty", n.digest, j))
			case !in[e.Node]:
				errs = append(errs, fmt.Errorf("op %s: input %d is not in the graph", n.digest, j))
			case e.Index < 0:
				errs = append(errs, fmt.Errorf("op %s: input %d has negative output index %d", n.digest, j, e.Index))
			}
		}
		for _, loc := range n.Locations {
			if g.SourceInfo(loc) == nil {
				errs = append(errs, fmt.Errorf("op %s: source location names unknown source %d", n.digest, loc.SourceIndex))
			}
		}
	}
	if t := g.Terminal(); t != nil && (t.Op.Op != nil || len(t.Inputs) != 1) {
		errs = append(errs, fmt.Errorf("terminal op %s must have no body and one input", t.digest))
	}
	if _, err := g.order(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
