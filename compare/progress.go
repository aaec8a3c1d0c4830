package compare

import (
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/util/progress/progressui"
)

// ProgressModes are the ways a build's progress can be shown, as buildx's
// --progress names them: auto is tty when the output is a terminal, plain
// otherwise; rawjson writes each status BuildKit sends as a line of JSON;
// quiet shows no steps.
var ProgressModes = []progressui.DisplayMode{progressui.AutoMode, progressui.TtyMode, progressui.PlainMode,
	progressui.RawJSONMode, progressui.QuietMode}

// ParseProgress checks a --progress value, and that its mode can show on
// w: tty needs a terminal.
func ParseProgress(mode string, w io.Writer) (progressui.DisplayMode, error) {
	m := progressui.DisplayMode(mode)
	if !slices.Contains(ProgressModes, m) {
		return "", fmt.Errorf("progress mode %q: want one of %v", mode, ProgressModes)
	}
	if w != nil {
		if _, err := progressui.NewDisplay(w, m); err != nil {
			return "", fmt.Errorf("progress mode %s: %w", mode, err)
		}
	}
	return m, nil
}

// progressLines is where optctl's own progress lines go: w, but for a
// rawjson display, whose output is all JSON.
func progressLines(w io.Writer, mode progressui.DisplayMode) io.Writer {
	if mode == progressui.RawJSONMode {
		return nil
	}
	return w
}

// display returns what shows one build's progress on w with BuildKit's
// display in the given mode: the build's label heads it (the tty display's
// phase, the plain display's "#0" line), and desc is written at the right
// of the tty display's first line. Nil when w is nil.
func display(ctx context.Context, w io.Writer, mode progressui.DisplayMode, label, desc string) (func(chan *client.SolveStatus), error) {
	if w == nil {
		return nil, nil
	}
	text := label
	if desc != "" {
		text += " (" + desc + ")"
	}
	d, err := progressui.NewDisplay(w, mode, progressui.WithPhase(label), progressui.WithDesc(text, desc))
	if err != nil {
		return nil, fmt.Errorf("showing the progress of %s: %w", label, err)
	}
	return func(ch chan *client.SolveStatus) {
		// Not cancelled with ctx: the display shows the build to its end,
		// which the closing of ch says.
		_, _ = d.UpdateFrom(context.WithoutCancel(ctx), ch)
	}, nil
}

// tee gives every status read from in to each of n channels, in order, and
// closes them once in is closed and each has had everything. A reader may
// be slow: what it has not taken yet waits in a queue of its own, so the
// sender on in (the solve) never waits for it.
func tee(in <-chan *client.SolveStatus, n int) []chan *client.SolveStatus {
	outs := make([]chan *client.SolveStatus, n)
	queues := make([]chan *client.SolveStatus, n)
	for i := range outs {
		outs[i], queues[i] = make(chan *client.SolveStatus), make(chan *client.SolveStatus)
		go relay(queues[i], outs[i])
	}
	go func() {
		for st := range in {
			for _, q := range queues {
				q <- st // relay is always ready to take it
			}
		}
		for _, q := range queues {
			close(q)
		}
	}()
	return outs
}

// relay sends what arrives on in to out, in order, keeping what out's
// reader has not taken yet, and closes out once in is closed and all is
// sent.
func relay(in <-chan *client.SolveStatus, out chan<- *client.SolveStatus) {
	defer close(out)
	var queue []*client.SolveStatus
	for in != nil || len(queue) > 0 {
		var send chan<- *client.SolveStatus // nil: nothing to send
		var next *client.SolveStatus
		if len(queue) > 0 {
			send, next = out, queue[0]
		}
		select {
		case st, ok := <-in:
			if !ok {
				in = nil
				continue
			}
			queue = append(queue, st)
		case send <- next:
			queue[0] = nil
			queue = queue[1:]
		}
	}
}
