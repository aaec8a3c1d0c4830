package frontend

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"path"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/exporter/containerimage/exptypes"
	gwclient "github.com/moby/buildkit/frontend/gateway/client"
	"golang.org/x/sync/errgroup"

	"github.com/org/optfrontend/internal/fstree"
	"github.com/org/optfrontend/llbopt"
)

// verifyMode is what BUILDKIT_OPT_VERIFY asks for.
type verifyMode int

const (
	verifyOff verifyMode = iota
	verifyStrict
	verifyWarn
)

// shown is how many differences a verify message lists.
const shown = 20

// Where the comparer sees the two images and writes its result.
const (
	verifyStock     = "/stock"
	verifyOptimized = "/optimized"
	verifyAgain     = "/again"
	verifyIn        = "/in"
	verifyOut       = "/out"
)

// verifyResult proves, for every platform of res whose graph a pass changed,
// that the image is stock's but for what the build's report lines name.
// It solves the request as the stock builder made it, and runs the
// comparer (the frontend's own binary, from its image) in the build with
// both root filesystems mounted read-only, so that it works on any builder
// and the two solves run side by side. configs are the image configs as the
// stock builder made them, before the history followed the layers: the
// passes change no other field, and the check proves it.
func (c *optClient) verifyResult(ctx context.Context, res *gwclient.Result, configs map[string][]byte) error {
	if c.verify == verifyOff || res == nil {
		return nil
	}
	type target struct {
		id  string // the platform, "" for a single-platform result
		key string // its image config's metadata key
		ref gwclient.Reference
	}
	var targets []target
	if res.Ref != nil {
		targets = append(targets, target{key: exptypes.ExporterImageConfigKey, ref: res.Ref})
	}
	ids := make([]string, 0, len(res.Refs))
	for id := range res.Refs {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if res.Refs[id] != nil {
			targets = append(targets, target{id: id, key: exptypes.ExporterImageConfigKey + "/" + id, ref: res.Refs[id]})
		}
	}
	problems := make([]string, len(targets))
	eg, ectx := errgroup.WithContext(ctx)
	for i, t := range targets {
		eg.Go(func() error {
			var msgs []string
			if diff := configDiff(configs[t.key], res.Metadata[t.key]); diff != "" {
				msgs = append(msgs, "the image config differs from stock's: "+diff)
			}
			p, ok := c.planOf(t.ref)
			if ok {
				r, err := c.compare(ectx, p, t.ref)
				if err != nil {
					return fmt.Errorf("verify%s: %w", platformSuffix(t.id), err)
				}
				if r.Unexplained > 0 {
					msgs = append(msgs, describe(r, p))
				}
			}
			if len(msgs) > 0 {
				problems[i] = "optfrontend verify" + platformSuffix(t.id) + ": " + strings.Join(msgs, "; ")
			}
			return nil
		})
	}
	if err := eg.Wait(); err != nil {
		return err
	}
	for _, msg := range problems {
		if msg == "" {
			continue
		}
		if c.verify == verifyStrict {
			return errors.New(msg)
		}
		if err := c.Client.Warn(ctx, "", msg, gwclient.WarnOpts{Level: 1}); err != nil {
			return fmt.Errorf("reporting the verify mode's finding: %w", err)
		}
	}
	return nil
}

// platformSuffix names a platform in a message, nothing for a
// single-platform result.
func platformSuffix(id string) string {
	if id == "" {
		return ""
	}
	return " (" + id + ")"
}

// compare solves stock's result for the plan and runs the comparer over it
// and the optimized one. Where that finds differences no report line
// explains, it runs stock's steps a second time (see runAgain) and
// compares again, so that what stock's own build does not reproduce is
// not counted against the passes: a cost paid only when there is
// something to explain.
func (c *optClient) compare(ctx context.Context, p plan, optimized gwclient.Reference) (*fstree.Result, error) {
	helper, why := llbopt.HelperImage(c.self)
	if helper == "" {
		return nil, fmt.Errorf("the comparer cannot run: %s", why)
	}
	var stock llb.State
	var err error
	if p.stock != nil {
		stock, err = p.stock.state(ctx)
	} else {
		stock, err = c.solveState(ctx, p.original, "solving the stock graph")
	}
	if err != nil {
		return nil, err
	}
	opt, err := stateOf(optimized)
	if err != nil {
		return nil, err
	}
	allow, err := json.Marshal(allowances(p))
	if err != nil {
		return nil, fmt.Errorf("encoding the allowances: %w", err)
	}
	r, err := c.runComparer(ctx, helper, stock, opt, nil, allow)
	if err != nil || r.Unexplained == 0 {
		return r, err
	}
	againReq, err := runAgain(p.original)
	if err != nil {
		return nil, err
	}
	again, err := c.solveState(ctx, againReq, "solving the stock graph a second time")
	if err != nil {
		return nil, err
	}
	return c.runComparer(ctx, helper, stock, opt, &again, allow)
}

// solveState solves req and returns its result as a state.
func (c *optClient) solveState(ctx context.Context, req gwclient.SolveRequest, what string) (llb.State, error) {
	res, err := c.Client.Solve(ctx, req)
	return resultState(res, err, what)
}

// resultState is a solve's single result as a state, its error said as
// what failed.
func resultState(res *gwclient.Result, err error, what string) (llb.State, error) {
	if err != nil {
		return llb.State{}, fmt.Errorf("%s: %w", what, err)
	}
	ref, err := res.SingleRef()
	if err != nil {
		return llb.State{}, fmt.Errorf("%s: %w", what, err)
	}
	return stateOf(ref)
}

// runComparer runs the comparer in the build over the two trees (and
// stock's second run, if again is not nil) and reads its result.
func (c *optClient) runComparer(ctx context.Context, helper string, stock, opt llb.State, again *llb.State, allow []byte) (*fstree.Result, error) {
	in := llb.Scratch().File(llb.Mkfile("/allow.json", 0o644, allow), llb.WithCustomName("optfrontend verify: what the report explains"))
	args := []string{"/bin/optfrontend", fstree.Command,
		"--stock", verifyStock, "--optimized", verifyOptimized,
		"--allow", path.Join(verifyIn, "allow.json"), "--out", path.Join(verifyOut, "result.json")}
	opts := []llb.RunOption{
		llb.AddMount(verifyStock, stock, llb.Readonly),
		llb.AddMount(verifyOptimized, opt, llb.Readonly),
		llb.AddMount(verifyIn, in, llb.Readonly),
		llb.Network(llb.NetModeNone),
		llb.WithCustomName("optfrontend verify: compare the optimized image with stock's"),
	}
	if again != nil {
		args = append(args, "--again", verifyAgain)
		opts = append(opts, llb.AddMount(verifyAgain, *again, llb.Readonly),
			llb.WithCustomName("optfrontend verify: compare the optimized image with stock's, and with stock's second run"))
	}
	run := llb.Image(helper).Run(append([]llb.RunOption{llb.Args(args)}, opts...)...)
	out := run.AddMount(verifyOut, llb.Scratch())
	def, err := out.Marshal(ctx)
	if err != nil {
		return nil, fmt.Errorf("making the comparer's step: %w", err)
	}
	res, err := c.Client.Solve(ctx, gwclient.SolveRequest{Definition: def.ToPB(), Evaluate: true})
	if err != nil {
		return nil, fmt.Errorf("comparing with stock's image: %w", err)
	}
	ref, err := res.SingleRef()
	if err != nil {
		return nil, fmt.Errorf("comparing with stock's image: %w", err)
	}
	dt, err := ref.ReadFile(ctx, gwclient.ReadRequest{Filename: "result.json"})
	if err != nil {
		return nil, fmt.Errorf("reading the comparison: %w", err)
	}
	var r fstree.Result
	if err := json.Unmarshal(dt, &r); err != nil {
		return nil, fmt.Errorf("reading the comparison: %w", err)
	}
	return &r, nil
}

// stockSolve is stock's graph solved beside the optimized one, so that
// the verify mode's extra steps run while the optimized ones do rather
// than after them; the solver runs a step the two share once.
type stockSolve struct {
	done chan struct{}
	res  *gwclient.Result
	err  error
}

// solveAside starts solving req, evaluated, and returns at once.
func (c *optClient) solveAside(ctx context.Context, req gwclient.SolveRequest) *stockSolve {
	s := &stockSolve{done: make(chan struct{})}
	req.Evaluate = true
	go func() {
		defer close(s.done)
		s.res, s.err = c.Client.Solve(ctx, req)
	}()
	return s
}

// state waits for the solve and returns its result as a state.
func (s *stockSolve) state(ctx context.Context) (llb.State, error) {
	select {
	case <-s.done:
	case <-ctx.Done():
		return llb.State{}, context.Cause(ctx)
	}
	return resultState(s.res, s.err, "solving the stock graph")
}

// stateOf is the state of a solved reference, scratch for an empty one
// (an image FROM scratch with nothing in it).
func stateOf(ref gwclient.Reference) (llb.State, error) {
	if ref == nil {
		return llb.Scratch(), nil
	}
	st, err := ref.ToState()
	if err != nil {
		return llb.State{}, fmt.Errorf("reading a solved result: %w", err)
	}
	return st, nil
}

// allowances are the differences from stock's image that the plan's
// changes explain, each with its pass, line and report line.
func allowances(p plan) []fstree.Allowance {
	var out []fstree.Allowance
	for _, rep := range p.reports {
		for _, f := range rep.Findings {
			if !f.Changed {
				continue
			}
			line := lineOf(p, f)
			for _, a := range f.Allows {
				out = append(out, fstree.Allowance{
					Pattern: a.Path, Package: a.Package, MissingOnly: a.MissingOnly, Parents: a.Parents,
					Pass: rep.Pass, Line: line, Reason: f.Message,
				})
			}
		}
	}
	return out
}

// describe says what the comparison found that no report line explains,
// and which passes changed the build, with their lines: the differences
// are theirs to answer for.
func describe(r *fstree.Result, p plan) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d difference(s) from stock's image that no report line explains", r.Unexplained)
	for i, d := range r.FirstUnexplained {
		if i == shown {
			break
		}
		fmt.Fprintf(&b, "\n  %s", d)
	}
	if r.Unexplained > len(r.FirstUnexplained) {
		fmt.Fprintf(&b, "\n  ... and %d more", r.Unexplained-len(r.FirstUnexplained))
	}
	if by := changedBy(p); by != "" {
		fmt.Fprintf(&b, "\n  passes that changed this build: %s", by)
	}
	return b.String()
}

// changedBy names the passes whose findings changed the plan's graph, each
// with the Dockerfile lines of its changes: "cachemount (lines 3, 6),
// squash (line 8)".
func changedBy(p plan) string {
	var parts []string
	for _, rep := range p.reports {
		lines := map[int]bool{}
		for _, f := range rep.Findings {
			if f.Changed {
				lines[lineOf(p, f)] = true
			}
		}
		if len(lines) == 0 {
			continue
		}
		var ls []string
		for _, l := range slices.Sorted(maps.Keys(lines)) {
			if l > 0 {
				ls = append(ls, strconv.Itoa(l))
			}
		}
		switch len(ls) {
		case 0:
			parts = append(parts, rep.Pass)
		case 1:
			parts = append(parts, rep.Pass+" (line "+ls[0]+")")
		default:
			parts = append(parts, rep.Pass+" (lines "+strings.Join(ls, ", ")+")")
		}
	}
	return strings.Join(parts, ", ")
}

// lineOf is the Dockerfile line of a finding's node, 0 if it has none.
func lineOf(p plan, f llbopt.Finding) int {
	if p.graph == nil {
		return 0
	}
	if _, loc := p.graph.Source(f.Node); loc != nil && len(loc.Ranges) > 0 {
		return int(loc.Ranges[0].GetStart().GetLine())
	}
	return 0
}

// configFields are the image config fields a program sees at run time.
var configFields = []string{"Env", "Entrypoint", "Cmd", "User", "WorkingDir", "ExposedPorts", "Volumes", "Labels", "Healthcheck", "StopSignal", "Shell", "OnBuild", "ArgsEscaped"}

// configDiff compares the run-time fields of two image configs and the
// platform, and names those that differ.
func configDiff(before, after []byte) string {
	if before == nil || after == nil {
		return ""
	}
	var a, b struct {
		Config       map[string]json.RawMessage `json:"config"`
		Architecture string                     `json:"architecture"`
		OS           string                     `json:"os"`
		Variant      string                     `json:"variant"`
	}
	if err := json.Unmarshal(before, &a); err != nil {
		return "stock's config cannot be read: " + err.Error()
	}
	if err := json.Unmarshal(after, &b); err != nil {
		return "the optimized config cannot be read: " + err.Error()
	}
	var diffs []string
	for _, f := range configFields {
		if !jsonEqual(a.Config[f], b.Config[f]) {
			diffs = append(diffs, fmt.Sprintf("%s (stock %s, optimized %s)", f, a.Config[f], b.Config[f]))
		}
	}
	if a.Architecture != b.Architecture || a.OS != b.OS || a.Variant != b.Variant {
		diffs = append(diffs, "platform")
	}
	return strings.Join(diffs, ", ")
}

// jsonEqual compares two JSON values by meaning, not by bytes.
func jsonEqual(a, b json.RawMessage) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == len(b) || string(a) == "null" || string(b) == "null"
	}
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return string(a) == string(b)
	}
	return reflect.DeepEqual(x, y)
}
