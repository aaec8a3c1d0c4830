package frontend

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	bkfrontend "github.com/moby/buildkit/frontend"
	"github.com/moby/buildkit/frontend/dockerfile/builder"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"github.com/moby/buildkit/solver/pb"

	"github.com/org/optfrontend/llbopt"
)

// warningPrefix starts every build warning a pass sends, so that a client
// can tell the passes' findings from the stock frontend's lint warnings.
const warningPrefix = "optfrontend "

// Finding is one change a pass made, or chose not to make, where the
// Dockerfile says so.
type Finding struct {
	// Pass names the pass, as BUILDKIT_OPT does.
	Pass string `json:"pass"`
	// Message says what changed, or why not, without the pass name or line.
	Message string `json:"message"`
	// Changed is true when the pass changed the graph. A finding read back
	// from a build warning does not know, and says true.
	Changed bool `json:"changed"`
	// File is the Dockerfile's name; empty when the op has no location.
	File string `json:"file,omitempty"`
	// Line and EndLine are the 1-based, inclusive lines of the instruction;
	// zero when the op has no location.
	Line    int `json:"line,omitempty"`
	EndLine int `json:"endLine,omitempty"`
	// Text is the Dockerfile's text of those lines.
	Text string `json:"text,omitempty"`
}

// Warning is the finding as Build reports it in a build warning, which is
// what buildx prints: "optfrontend PASS: MESSAGE (line N)".
func (f Finding) Warning() string {
	msg := warningPrefix + f.Pass + ": " + f.Message
	if f.Line > 0 {
		msg += fmt.Sprintf(" (line %d)", f.Line)
	}
	return msg
}

// Where is the finding's place as buildx prints it, "Dockerfile:4" or
// "Dockerfile:4-6"; empty when it has none.
func (f Finding) Where() string {
	if f.Line == 0 {
		return ""
	}
	return llbopt.Location{File: f.File, Start: f.Line, End: f.EndLine}.String()
}

// Findings turns the pipeline's reports on graph g into findings, in the
// order the passes made them.
func Findings(g *llbopt.Graph, reports []llbopt.Report) []Finding {
	var out []Finding
	for _, rep := range reports {
		for _, f := range rep.Findings {
			fd := Finding{Pass: rep.Pass, Message: f.Message, Changed: f.Changed}
			if g != nil {
				if info, loc := g.Source(f.Node); loc != nil {
					fd.locate(info, loc.Ranges)
				}
			}
			out = append(out, fd)
		}
	}
	return out
}

// ParseWarning reads back a build warning that Build sent, from the short
// message, source and ranges a client's SolveStatus carries. ok is false for
// any other warning, such as the stock frontend's lint rules.
func ParseWarning(short string, info *pb.SourceInfo, ranges []*pb.Range) (f Finding, ok bool) {
	rest, ok := strings.CutPrefix(short, warningPrefix)
	if !ok {
		return Finding{}, false
	}
	pass, msg, ok := strings.Cut(rest, ": ")
	if !ok || pass == "" || strings.ContainsAny(pass, " \t") {
		return Finding{}, false
	}
	f = Finding{Pass: pass, Message: msg, Changed: true}
	f.locate(info, ranges)
	// Warning added the line the range starts at; the message is what
	// came before it.
	if len(ranges) > 0 {
		f.Message = strings.TrimSuffix(msg, fmt.Sprintf(" (line %d)", ranges[0].GetStart().GetLine()))
	}
	return f, true
}

// locate sets the finding's file, lines and text from a source range.
func (f *Finding) locate(info *pb.SourceInfo, ranges []*pb.Range) {
	if info == nil || len(ranges) == 0 {
		return
	}
	r := ranges[0]
	f.File = info.GetFilename()
	f.Line, f.EndLine = int(r.GetStart().GetLine()), int(r.GetEnd().GetLine())
	f.EndLine = max(f.EndLine, f.Line)
	f.Text = sourceLines(info.GetData(), f.Line, f.EndLine)
}

// sourceLines returns lines start to end (1-based, inclusive) of data.
func sourceLines(data []byte, start, end int) string {
	lines := strings.Split(string(data), "\n")
	if start < 1 || start > len(lines) {
		return ""
	}
	end = min(end, len(lines))
	return strings.TrimRight(strings.Join(lines[start-1:end], "\n"), "\r\n")
}

// Explain runs the stock Dockerfile frontend as Build does, with a client
// whose Solve runs the passes over the build's graph and records what they
// find, but solves nothing of it: the result has the image config and no
// reference. Only what the conversion itself reads is fetched (the
// Dockerfile, .dockerignore, base image configs). A `# syntax=` line is not
// followed: the Dockerfile is explained as optfrontend would build it.
func Explain(ctx context.Context, c gwclient.Client) ([]Finding, *gwclient.Result, error) {
	// A client that forwarded the build says so in cmdline; without it the
	// stock builder converts the Dockerfile instead of forwarding it to
	// the frontend its syntax line names.
	ec := &explainClient{Client: optsClient{c, map[string]string{"cmdline": "optfrontend explain"}}}
	// Nothing is solved, so squash's helper image is never pulled: any
	// name lets it show what it would do.
	passes, err := SelectPasses(optsClient{ec, map[string]string{bkfrontend.KeySource: "org/optfrontend"}})
	if err != nil {
		return nil, nil, err
	}
	ec.pipeline = llbopt.NewPipeline(passes...)
	res, err := builder.Build(ctx, ec)
	if err != nil {
		return nil, nil, err
	}
	return ec.sorted(), res, nil
}

// explainClient is the gateway client the stock builder sees in Explain.
type explainClient struct {
	gwclient.Client
	pipeline *llbopt.Pipeline

	mu       sync.Mutex
	findings []Finding
}

// Solve runs the passes over the Dockerfile's graph and returns an empty
// result; the small reads the builder makes before converting (the
// Dockerfile, .dockerignore) are solved as they are.
func (c *explainClient) Solve(ctx context.Context, req gwclient.SolveRequest) (*gwclient.Result, error) {
	if req.Definition == nil || req.Frontend != "" || !fromDockerfile(req.Definition) {
		return c.Client.Solve(ctx, req)
	}
	_, g, reports, err := c.pipeline.Run(ctx, req.Definition)
	if err != nil {
		return nil, fmt.Errorf("optimizing build graph: %w", err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, f := range Findings(g, reports) {
		// Each platform of a multi-platform build finds the same.
		if !slices.Contains(c.findings, f) {
			c.findings = append(c.findings, f)
		}
	}
	return gwclient.NewResult(), nil
}

// sorted returns the findings in Dockerfile order; platforms solve
// concurrently, so the order they arrived in means nothing.
func (c *explainClient) sorted() []Finding {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := slices.Clone(c.findings)
	slices.SortStableFunc(out, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.EndLine, b.EndLine))
	})
	return out
}

// fromDockerfile tells the graph dockerfile2llb made from the Dockerfile
// from the builder's reads of a single local source: only the former has
// ops other than sources, or Dockerfile locations.
func fromDockerfile(def *pb.Definition) bool {
	for _, locs := range def.GetSource().GetLocations() {
		// client/llb writes an empty entry for the terminal of any graph.
		if len(locs.GetLocations()) > 0 {
			return true
		}
	}
	for _, dt := range def.Def {
		var op pb.Op
		if err := op.Unmarshal(dt); err != nil {
			return true // let the pipeline report it
		}
		if op.Op != nil && op.GetSource() == nil {
			return true
		}
	}
	return false
}
