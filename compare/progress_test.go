package compare

import (
	"bufio"
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/util/progress/progressui"
	digest "github.com/opencontainers/go-digest"
	"github.com/stretchr/testify/require"
)

// fakeStatuses is a small build as BuildKit reports it: the context sent,
// a cached step, a step that prints and warns, and a step that fails.
func fakeStatuses() []*client.SolveStatus {
	t0 := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	at := func(ms int) *time.Time { t := t0.Add(time.Duration(ms) * time.Millisecond); return &t }
	local, base, run, bad := digest.FromString("local"), digest.FromString("base"), digest.FromString("run"), digest.FromString("bad")
	return []*client.SolveStatus{
		{Vertexes: []*client.Vertex{{Digest: local, Name: "[internal] load build context", Started: at(0)}},
			Statuses: []*client.VertexStatus{{ID: contextStatus, Vertex: local, Current: 512, Timestamp: *at(10), Started: at(0)}}},
		{Vertexes: []*client.Vertex{{Digest: local, Name: "[internal] load build context", Started: at(0), Completed: at(300)}},
			Statuses: []*client.VertexStatus{{ID: contextStatus, Vertex: local, Current: 926, Timestamp: *at(300), Started: at(0), Completed: at(300)}}},
		{Vertexes: []*client.Vertex{{Digest: base, Name: "[1/3] FROM docker.io/library/python:3.12", Started: at(300), Completed: at(310), Cached: true}}},
		{Vertexes: []*client.Vertex{{Digest: run, Inputs: []digest.Digest{base}, Name: "[2/3] RUN pip install -r requirements.txt", Started: at(310)}}},
		{Logs: []*client.VertexLog{{Vertex: run, Stream: 1, Data: []byte("Collecting flask\nInstalled flask\n"), Timestamp: *at(900)}},
			Warnings: []*client.VertexWarning{{Vertex: run, Short: []byte("optfrontend cachemount: pip's cache is a cache mount")}}},
		{Vertexes: []*client.Vertex{{Digest: run, Inputs: []digest.Digest{base}, Name: "[2/3] RUN pip install -r requirements.txt", Started: at(310), Completed: at(2310)}}},
		{Vertexes: []*client.Vertex{{Digest: bad, Inputs: []digest.Digest{run}, Name: "[3/3] RUN false", Started: at(2310)}}},
		{Logs: []*client.VertexLog{{Vertex: bad, Stream: 2, Data: []byte("it broke\n"), Timestamp: *at(2400)}}},
		{Vertexes: []*client.Vertex{{Digest: bad, Inputs: []digest.Digest{run}, Name: "[3/3] RUN false", Started: at(2310), Completed: at(2500),
			Error: "process \"/bin/sh -c false\" did not complete successfully: exit code: 1"}}},
	}
}

// solveWith is a solve that sends statuses and closes the channel, as
// BuildKit's client does.
func solveWith(statuses []*client.SolveStatus) func(chan *client.SolveStatus) error {
	return func(ch chan *client.SolveStatus) error {
		for _, st := range statuses {
			ch <- st
		}
		close(ch)
		return nil
	}
}

// watched is what a watch keeps, for comparing two watches.
func watched(w *watch) map[string]any {
	return map[string]any{"warnings": w.warnings, "contextBytes": w.contextBytes, "steps": w.steps, "cached": w.cached,
		"names": w.names, "errors": w.errors, "logs": w.logs, "failure": w.failure()}
}

func TestProgressTeeFeedsWatchAndPlainDisplay(t *testing.T) {
	statuses := fakeStatuses()
	alone := newWatch("stock cold", nil, true)
	for _, st := range statuses {
		alone.update(st)
	}

	var out bytes.Buffer
	show, err := display(t.Context(), &out, progressui.PlainMode, "stock cold round 1/3", "build 3/14")
	require.NoError(t, err)
	w := newWatch("stock cold", nil, true)
	require.NoError(t, w.follow(solveWith(statuses), show))

	// The watch keeps what it kept without a display.
	require.Equal(t, watched(alone), watched(w))
	require.Equal(t, int64(926), w.contextBytes)
	require.Equal(t, 4, w.steps)
	require.Equal(t, 1, w.cached)
	require.Len(t, w.warnings, 1)
	require.Contains(t, w.failure(), `step "[3/3] RUN false" failed`)
	require.Contains(t, w.failure(), "it broke")

	// BuildKit's plain display showed the same build.
	text := out.String()
	for _, want := range []string{
		"#0 stock cold round 1/3 (build 3/14)",
		"[internal] load build context",
		"transferring context: 926B",
		"[1/3] FROM docker.io/library/python:3.12",
		"CACHED",
		"[2/3] RUN pip install -r requirements.txt",
		"Installed flask",
		"WARN: optfrontend cachemount: pip's cache is a cache mount",
		"DONE 2.0s",
		"ERROR: process \"/bin/sh -c false\" did not complete successfully",
		" > [3/3] RUN false:",
	} {
		require.Contains(t, text, want)
	}
}

func TestProgressRawJSONWritesAStatusALine(t *testing.T) {
	statuses := fakeStatuses()
	var out bytes.Buffer
	show, err := display(t.Context(), &out, progressui.RawJSONMode, "optimized cold round 1/3", "")
	require.NoError(t, err)
	w := newWatch("optimized cold", nil, true)
	require.NoError(t, w.follow(solveWith(statuses), show))
	require.Equal(t, 4, w.steps)

	var names []string
	sc := bufio.NewScanner(&out)
	lines := 0
	for sc.Scan() {
		var st client.SolveStatus
		require.NoError(t, json.Unmarshal(sc.Bytes(), &st), "line %q", sc.Text())
		for _, v := range st.Vertexes {
			names = append(names, v.Name)
		}
		lines++
	}
	require.Equal(t, len(statuses), lines)
	require.Contains(t, names, "[2/3] RUN pip install -r requirements.txt")
	require.Contains(t, names, "[3/3] RUN false")
}

func TestProgressSlowDisplayDoesNotHoldTheSolve(t *testing.T) {
	statuses := fakeStatuses()
	solved := make(chan struct{})
	var got []*client.SolveStatus
	slow := func(ch chan *client.SolveStatus) {
		<-solved // takes nothing until the solve has sent everything
		for st := range ch {
			got = append(got, st)
		}
	}
	quitter := func(ch chan *client.SolveStatus) { <-ch } // stops after one
	w := newWatch("x", nil, true)
	done := make(chan error, 1)
	go func() {
		done <- w.follow(func(ch chan *client.SolveStatus) error {
			err := solveWith(statuses)(ch)
			close(solved)
			return err
		}, slow, quitter)
	}()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("the solve waited for a display")
	}
	require.Equal(t, statuses, got)
	require.Equal(t, 4, w.steps)
}

func TestParseProgress(t *testing.T) {
	for _, m := range []string{"auto", "plain", "rawjson", "quiet"} {
		got, err := ParseProgress(m, &bytes.Buffer{})
		require.NoError(t, err)
		require.Equal(t, progressui.DisplayMode(m), got)
	}
	_, err := ParseProgress("fancy", nil)
	require.ErrorContains(t, err, `progress mode "fancy"`)
	_, err = ParseProgress("tty", &bytes.Buffer{})
	require.ErrorContains(t, err, "progress mode tty")
}

func TestProgressOverallLine(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	var out bytes.Buffer
	tl := newTally(&out, 1, clock)
	s := &session{opts: Options{Rounds: 2}}
	cold, warm := Scenario{Name: "cold"}, Scenario{Name: "warm"}
	plan := s.plan([]Scenario{cold, warm, {Name: "dep", skipped: "no command"}})
	require.Len(t, plan, 2+2*2*2)
	now = now.Add(5 * time.Second) // the explanation, before the builds
	tl.begin("flask", plan)
	require.Equal(t, "build 1/10", tl.next())

	took := []time.Duration{30 * time.Second, 40 * time.Second, // warm-ups
		20 * time.Second, 10 * time.Second, time.Second, 2 * time.Second, // round 1
		22 * time.Second, 12 * time.Second} // round 2, cold
	for _, d := range took {
		now = now.Add(d)
		tl.built(plan[tl.done])
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	require.Len(t, lines, len(took))
	// Round 1 has nothing to go by for a scenario before its first build.
	require.Equal(t, "optctl: 1/10 builds done, 35s elapsed", lines[0])
	require.Equal(t, "optctl: 4/10 builds done, 1m50s elapsed", lines[3])
	// Then each build left takes as long as its frontend's in its
	// scenario did, or else the other's: 1 (warm, stock's) + 20+10+1+1.
	require.Equal(t, "optctl: 5/10 builds done, 1m50s elapsed, about 33s left", lines[4])
	require.Equal(t, "optctl: 6/10 builds done, 1m50s elapsed, about 33s left", lines[5])
	require.Equal(t, "optctl: 8/10 builds done, 2m20s elapsed, about 3s left", lines[7])
	require.Equal(t, "build 9/10", tl.next())

	// The last build: nothing left to estimate.
	now = now.Add(time.Second)
	tl.built(plan[8])
	now = now.Add(2 * time.Second)
	tl.built(plan[9])
	require.True(t, strings.HasSuffix(out.String(), "optctl: 10/10 builds done, 2m30s elapsed\n"), out.String())
}

func TestProgressOverallLineOfABench(t *testing.T) {
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	var out bytes.Buffer
	tl := newTally(&out, 3, func() time.Time { return now })
	s := &session{opts: Options{Rounds: 1}}
	plan := s.plan([]Scenario{{Name: "cold"}})
	tl.begin("flask", plan)
	require.Equal(t, "flask, build 1/4, comparison 1/3", tl.next())
	for range plan {
		now = now.Add(10 * time.Second)
		tl.built(plan[tl.done])
	}
	// No comparison has ended: nothing to estimate the next two by.
	require.True(t, strings.HasSuffix(out.String(), "optctl: flask 4/4 builds done, 0/3 comparisons done, 40s elapsed\n"), out.String())
	now = now.Add(20 * time.Second) // the images measured
	tl.end()

	tl.begin("express", plan)
	now = now.Add(30 * time.Second)
	tl.built(plan[0])
	// express: its 3 builds left as long as the builds of their scenarios
	// took (warm-up 16.7s on average, cold 10s), then one comparison as
	// long as flask's, 60s: 96.7s.
	require.True(t, strings.HasSuffix(out.String(), "optctl: express 1/4 builds done, 1/3 comparisons done, 1m30s elapsed, about 1m40s left\n"), out.String())
}

func TestProgressRoughDurations(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 40 * time.Second: "40s", 45*time.Second + 400*time.Millisecond: "45s",
		3*time.Minute + 12*time.Second: "3m10s", 6 * time.Minute: "6m", 25*time.Minute + 40*time.Second: "25m",
		65 * time.Minute: "1h5m", 2 * time.Hour: "2h",
	} {
		require.Equal(t, want, roughly(d), "%s", d)
	}
}
