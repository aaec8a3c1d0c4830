package compare

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/moby/buildkit/client"
	digest "github.com/opencontainers/go-digest"
)

// contextStatus is the status id under which BuildKit reports the bytes of
// the "context" local source it received (source/local: "transferring
// NAME:").
const contextStatus = "transferring context:"

// watch reads a build's status stream: it keeps the warnings, the bytes of
// context sent and the output of the steps and, given a writer (optctl
// verify; compare's builds show BuildKit's display instead), prints the
// steps that ran.
type watch struct {
	label string
	out   io.Writer // nil: nothing printed
	quiet bool

	warnings     []*client.VertexWarning
	contextBytes int64
	steps        int // steps completed
	cached       int // of which were cache hits
	names        map[digest.Digest]string
	started      map[digest.Digest]time.Time
	done         map[digest.Digest]bool
	errors       map[digest.Digest]string
	logs         map[digest.Digest][]byte
}

// maxLog is how much of a step's output a watch keeps, from its end.
const maxLog = 16 << 10

// stillRunning is how often a long step is said to be still running.
const stillRunning = 15 * time.Second

func newWatch(label string, out io.Writer, quiet bool) *watch {
	return &watch{label: label, out: out, quiet: quiet,
		names: map[digest.Digest]string{}, started: map[digest.Digest]time.Time{}, done: map[digest.Digest]bool{},
		errors: map[digest.Digest]string{}, logs: map[digest.Digest][]byte{}}
}

// follow runs solve with a status channel and gives every status to the
// watch and to each of also, each reading a channel of its own at its own
// pace (see tee), and returns once the solve and all of them are done:
// BuildKit's client closes the channel when the solve ends, so each has
// seen every status by then.
func (w *watch) follow(solve func(chan *client.SolveStatus) error, also ...func(chan *client.SolveStatus)) error {
	readers := []func(chan *client.SolveStatus){func(ch chan *client.SolveStatus) { w.run(ch) }}
	for _, r := range also {
		if r != nil {
			readers = append(readers, r)
		}
	}
	ch := make(chan *client.SolveStatus)
	var wg sync.WaitGroup
	for i, out := range tee(ch, len(readers)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			readers[i](out)
			for range out { // what a reader that stopped early left
			}
		}()
	}
	err := solve(ch)
	wg.Wait()
	return err
}

// run consumes ch until it is closed.
func (w *watch) run(ch <-chan *client.SolveStatus) {
	tick := time.NewTicker(stillRunning)
	defer tick.Stop()
	for {
		select {
		case st, ok := <-ch:
			if !ok {
				return
			}
			w.update(st)
		case now := <-tick.C:
			w.reportRunning(now)
		}
	}
}

func (w *watch) update(st *client.SolveStatus) {
	for _, v := range st.Vertexes {
		w.vertex(v)
	}
	for _, s := range st.Statuses {
		if s.ID == contextStatus && s.Current > w.contextBytes {
			w.contextBytes = s.Current
		}
	}
	for _, l := range st.Logs {
		b := append(w.logs[l.Vertex], l.Data...)
		if len(b) > maxLog {
			b = b[len(b)-maxLog:]
		}
		w.logs[l.Vertex] = b
	}
	w.warnings = append(w.warnings, st.Warnings...)
}

func (w *watch) vertex(v *client.Vertex) {
	w.names[v.Digest] = v.Name
	if v.Started != nil && v.Completed == nil {
		w.started[v.Digest] = *v.Started
	}
	if v.Error != "" {
		w.errors[v.Digest] = v.Error
	}
	if v.Completed == nil || w.done[v.Digest] {
		return
	}
	w.done[v.Digest] = true
	delete(w.started, v.Digest)
	w.steps++
	if v.Cached {
		w.cached++
		return
	}
	if v.Started == nil || w.out == nil || w.quiet {
		return
	}
	d := v.Completed.Sub(*v.Started)
	if d < 100*time.Millisecond && v.Error == "" {
		return // a step that took no time says nothing about either frontend
	}
	status := fmt.Sprintf("%.1fs", d.Seconds())
	if v.Error != "" {
		status = "ERROR"
	}
	fmt.Fprintf(w.out, "  [%s] %s  %s\n", w.label, oneLine(v.Name), status)
}

// reportRunning says which steps have been running for a while, so a long
// build does not look stuck.
func (w *watch) reportRunning(now time.Time) {
	if w.out == nil || w.quiet {
		return
	}
	for d, start := range w.started {
		if el := now.Sub(start); el >= stillRunning {
			fmt.Fprintf(w.out, "  [%s] %s  running %s\n", w.label, oneLine(w.names[d]), el.Round(time.Second))
		}
	}
}

// failure returns what the failed steps printed last, to go with the
// build's error.
func (w *watch) failure() string {
	var b strings.Builder
	for d, e := range w.errors {
		fmt.Fprintf(&b, "step %q failed: %s\n", w.names[d], e)
		if log := w.logs[d]; len(log) > 0 {
			b.WriteString(tailLines(string(log), 20))
			b.WriteString("\n")
		}
	}
	return b.String()
}

// oneLine shortens a step's name to one line of at most 100 characters.
func oneLine(s string) string { return clip(s, 100) }

// tailLines returns the last n lines of s.
func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
