package compare

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"time"
)

// Scenario is one situation a user builds in.
type Scenario struct {
	// Name is short, for tags and JSON: cold, warm, source, dep.
	Name string `json:"name"`
	// Title says it in words, for the table.
	Title string `json:"title"`
	// NoCache makes both builds ignore the build cache.
	NoCache bool `json:"-"`
	// change prepares the round's builds; nil for none.
	change func(ctx context.Context, round int) error
	// skipped says why the scenario does not run; empty when it does.
	skipped string
}

// scenarios lists the scenarios in the order each round runs them: the
// cold build first, then rebuilds on the cache it leaves.
func (s *session) scenarios(touch *Touch) []Scenario {
	source := Scenario{Name: "source", Title: "rebuild, one source line changed"}
	if touch == nil {
		source.skipped = "no source file found to change: pass --touch FILE"
	} else {
		t := *touch
		source.Title = fmt.Sprintf("rebuild, one line of %s changed", t.File)
		source.change = func(_ context.Context, round int) error { return t.apply(s.ws.context, round) }
	}
	dep := Scenario{Name: "dep", Title: "rebuild, one dependency added"}
	if s.opts.DepCmd == "" {
		dep.skipped = "no dependency command: pass --dep-cmd"
	} else {
		dep.change = s.addDependency
	}
	return []Scenario{
		{Name: "cold", Title: "cold build (no cache)", NoCache: true},
		{Name: "warm", Title: "warm rebuild, nothing changed"},
		source,
		dep,
	}
}

// addDependency runs the user's dependency command in the context's copy.
func (s *session) addDependency(ctx context.Context, round int) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", s.opts.DepCmd)
	cmd.Dir = s.ws.context
	cmd.Env = append(os.Environ(), "OPTCTL_ROUND="+strconv.Itoa(round),
		"OPTCTL_NONCE="+s.id+"-"+strconv.Itoa(round)+"-"+strconv.FormatInt(time.Now().UnixNano(), 10))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("dependency command %q (round %d): %w\n%s", s.opts.DepCmd, round, err, tailLines(out.String(), 20))
	}
	return nil
}

// step is one build of a comparison's plan.
type step struct {
	fe    string // Stock or Optimized
	sc    Scenario
	round int // 0 for the warm-up
	// prepare says to run the scenario's change first: its first build of
	// the round.
	prepare bool
}

// key names the step's frontend and scenario.
func (st step) key() string { return st.fe + " " + st.sc.Name }

// plan lists the builds of a comparison in the order they run: each
// frontend once to warm up, then every scenario Rounds times, stock then
// optimized right after it on the same builder, so both see the same
// machine load.
func (s *session) plan(scs []Scenario) []step {
	// The warm-up pulls the base images and the frontend image, which
	// only the first build of all would otherwise pay for.
	steps := []step{{fe: Stock, sc: Scenario{Name: "warm-up"}}, {fe: Optimized, sc: Scenario{Name: "warm-up"}}}
	for round := 1; round <= s.opts.Rounds; round++ {
		for _, sc := range scs {
			if sc.skipped != "" {
				continue
			}
			steps = append(steps, step{fe: Stock, sc: sc, round: round, prepare: sc.change != nil},
				step{fe: Optimized, sc: sc, round: round})
		}
	}
	return steps
}

// runRounds runs the builds of a plan.
func (s *session) runRounds(ctx context.Context, plan []step) ([]Build, error) {
	var builds []Build
	for _, st := range plan {
		if st.prepare {
			if err := st.sc.change(ctx, st.round); err != nil {
				return nil, err
			}
		}
		b, err := s.build(ctx, st.fe, st.sc, st.round)
		if err != nil {
			return nil, err
		}
		builds = append(builds, b)
		s.opts.tally.built(st)
	}
	return builds, nil
}
