package compare

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// tally counts a run's builds and says between them how far the run is:
// builds done and planned, the time since the run started and, once the
// builds so far tell, the time left.
type tally struct {
	out   io.Writer // nil: nothing printed
	now   func() time.Time
	start time.Time // when the run started
	last  time.Time // when the last build ended, or the comparison began

	// The comparison in progress: its name (empty when the run is one
	// comparison), its builds not done yet, and the times of those done,
	// by frontend and scenario.
	name        string
	left        []step
	done, total int
	times       map[string][]time.Duration

	// A run of several comparisons (optctl bench): how many, how many
	// ended, when the one in progress began, how long each took, and every
	// build's time by scenario.
	comparisons   int
	ended         int
	began         time.Time
	compTimes     []time.Duration
	scenarioTimes map[string][]time.Duration
}

// newTally starts counting a run of the given number of comparisons (1 for
// optctl compare) that prints its line to out.
func newTally(out io.Writer, comparisons int, now func() time.Time) *tally {
	t := now()
	return &tally{out: out, now: now, start: t, last: t, comparisons: comparisons, scenarioTimes: map[string][]time.Duration{}}
}

// begin starts a comparison that runs the builds of plan.
func (t *tally) begin(name string, plan []step) {
	t.name, t.left, t.done, t.total = name, plan, 0, len(plan)
	t.times = map[string][]time.Duration{}
	t.began, t.last = t.now(), t.now()
}

// built records the comparison's next build as done, and prints the line.
func (t *tally) built(st step) {
	now := t.now()
	d := now.Sub(t.last)
	t.last = now
	t.times[st.key()] = append(t.times[st.key()], d)
	t.scenarioTimes[st.sc.Name] = append(t.scenarioTimes[st.sc.Name], d)
	if len(t.left) > 0 {
		t.left = t.left[1:]
	}
	t.done++
	if t.out != nil {
		fmt.Fprintln(t.out, t.line())
	}
}

// end records that the comparison in progress ended, whether or not it
// got to its builds.
func (t *tally) end() {
	if !t.began.IsZero() {
		t.compTimes = append(t.compTimes, t.now().Sub(t.began))
	}
	t.ended++
	t.began, t.name, t.left, t.done, t.total = time.Time{}, "", nil, 0, 0
}

// next says which build comes next, for its display.
func (t *tally) next() string {
	s := fmt.Sprintf("build %d/%d", t.done+1, t.total)
	if t.comparisons > 1 {
		s = fmt.Sprintf("%s, %s, comparison %d/%d", t.name, s, t.ended+1, t.comparisons)
	}
	return s
}

// line says how far the run is.
func (t *tally) line() string {
	var b strings.Builder
	b.WriteString("optctl: ")
	if t.comparisons > 1 {
		fmt.Fprintf(&b, "%s %d/%d builds done, %d/%d comparisons done", t.name, t.done, t.total, t.ended, t.comparisons)
	} else {
		fmt.Fprintf(&b, "%d/%d builds done", t.done, t.total)
	}
	fmt.Fprintf(&b, ", %s elapsed", roughly(t.now().Sub(t.start)))
	if left, ok := t.eta(); ok && (len(t.left) > 0 || t.ended+1 < t.comparisons) {
		fmt.Fprintf(&b, ", about %s left", roughly(left))
	}
	return b.String()
}

// eta estimates the time left: each build to come takes as long as those
// of its frontend and scenario in this comparison did, or else those of its
// scenario in any; each comparison to come as long as those that ended.
// False when some build or comparison has nothing to go by.
func (t *tally) eta() (time.Duration, bool) {
	var left time.Duration
	for _, st := range t.left {
		ds := t.times[st.key()]
		if len(ds) == 0 {
			ds = t.scenarioTimes[st.sc.Name]
		}
		if len(ds) == 0 {
			return 0, false
		}
		left += mean(ds)
	}
	if rest := t.comparisons - t.ended - 1; rest > 0 {
		if len(t.compTimes) == 0 {
			return 0, false
		}
		left += time.Duration(rest) * mean(t.compTimes)
	}
	return left, true
}

func mean(ds []time.Duration) time.Duration {
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	return sum / time.Duration(len(ds))
}

// roughly writes a duration to the second under a minute, to ten seconds
// under ten minutes, else to five minutes: "45s", "3m10s", "25m", "1h5m".
func roughly(d time.Duration) string {
	switch {
	case d < time.Minute:
		d = d.Round(time.Second)
	case d < 10*time.Minute:
		d = d.Round(10 * time.Second)
	default:
		d = d.Round(5 * time.Minute)
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}
