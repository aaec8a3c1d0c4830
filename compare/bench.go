package compare

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/moby/buildkit/client"
	"github.com/moby/buildkit/util/progress/progressui"

	"github.com/org/optfrontend/frontend"
)

// BenchOptions says where the examples are and how to compare each.
type BenchOptions struct {
	// Root holds one directory per example, each with a Dockerfile.
	Root string
	// Seeds, when not empty, is the directory of the seed Dockerfiles
	// (checks/testdata/seeds); those Seeds lists as built are compared too.
	Seeds string
	// Only, when not empty, names the examples to run.
	Only []string
	// Repo is the repository prefix; each example pushes to Repo/NAME.
	Repo string
	// Fixes are the fixes (ParseFixes) the optimized builds get as
	// BUILDKIT_OPT_FIX, and stock's never: what a fix ships beside what
	// stock ships. None: the default passes only.
	Fixes []string
	// Rounds, FrontendImage, Progress, Display and Quiet are as for
	// Options.
	Rounds        int
	FrontendImage string
	Progress      io.Writer
	Display       progressui.DisplayMode
	Quiet         bool

	// tally counts the builds of every comparison.
	tally *tally
}

// Bench is the benchmark suite's outcome.
type Bench struct {
	// Machine describes the machine and builder (see Machine).
	Machine string `json:"machine"`
	// Date is when the benchmark started, in UTC.
	Date string `json:"date"`
	// Builder is the BuildKit address.
	Builder string `json:"builder"`
	// Rounds is how many times each scenario ran.
	Rounds int `json:"rounds"`
	// FrontendImage is the optfrontend image every comparison ran, pinned
	// by digest.
	FrontendImage string `json:"frontendImage"`
	// Fixes are the fixes the optimized builds had on (BUILDKIT_OPT_FIX),
	// stock's builds none; empty for the default passes only.
	Fixes []string `json:"fixes"`
	// Seconds is how long the whole benchmark took.
	Seconds float64 `json:"seconds"`
	// Reports holds one comparison per example and seed that ran.
	Reports []*Report `json:"reports"`
	// Failed lists the examples whose comparison failed, with the error.
	Failed []Failure `json:"failed,omitempty"`
	// Skipped lists the seeds not built, with the reason.
	Skipped []Failure `json:"skipped,omitempty"`
}

// Failure is one example the benchmark could not, or did not, compare.
type Failure struct {
	// Name names the example or seed.
	Name string `json:"name"`
	// Error is what failed, or why it was not built.
	Error string `json:"error"`
}

// RunBench compares every example under the root, one after the other,
// and keeps going when one fails.
func RunBench(ctx context.Context, c *client.Client, addr string, o BenchOptions) (*Bench, error) {
	dirs, err := exampleDirs(o.Root, o.Only)
	if err != nil {
		return nil, err
	}
	examples, err := Examples(o.Root)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	b := &Bench{Machine: Machine(ctx, c), Date: start.UTC().Format("2006-01-02 15:04 MST"), Builder: addr, Rounds: o.Rounds,
		Fixes: append([]string{}, o.Fixes...)}
	if b.Rounds == 0 {
		b.Rounds = DefaultRounds
	}
	if o.FrontendImage == "" {
		o.FrontendImage = DefaultFrontendImage
	}
	if o.FrontendImage, err = PinFrontend(ctx, c, o.FrontendImage); err != nil {
		return nil, err
	}
	b.FrontendImage = o.FrontendImage
	o.tally = newTally(progressLines(o.Progress, o.Display), len(dirs)+o.seedsBuilt(), time.Now)
	for _, dir := range dirs {
		name := filepath.Base(dir)
		opts := o.options(dir, name)
		if i := slices.IndexFunc(examples, func(e Example) bool { return e.Name == name }); i >= 0 {
			opts.Touch, opts.DepCmd = examples[i].Touch, examples[i].DepCmd
		}
		if err := b.run(ctx, c, addr, opts, nil); err != nil {
			return nil, err
		}
	}
	if o.Seeds != "" {
		if err := b.runSeeds(ctx, c, addr, o); err != nil {
			return nil, err
		}
	}
	b.Seconds = time.Since(start).Seconds()
	return b, nil
}

// options are the comparison options for one example or seed: the fixes
// go to the optimized builds only, and each report's notes say so.
func (o BenchOptions) options(dir, name string) Options {
	opts := Options{Context: dir, Name: name, Rounds: o.Rounds, FrontendImage: o.FrontendImage, Repo: o.Repo + "/" + name,
		OptimizedBuildArgs: FixArgs(o.Fixes), Progress: o.Progress, Display: o.Display, Quiet: o.Quiet, tally: o.tally}
	if len(o.Fixes) > 0 {
		opts.Notes = []string{fmt.Sprintf("%s=%s was given to the optimized builds only, not to stock's: the fixes change what the image holds on purpose.",
			frontend.BuildArgFix, strings.Join(o.Fixes, ","))}
	}
	return opts
}

// seeds are the seeds to compare, or not, as Only says: all when empty.
func (o BenchOptions) seeds() []Seed {
	if o.Seeds == "" {
		return nil
	}
	return slices.DeleteFunc(Seeds(), func(s Seed) bool { return len(o.Only) > 0 && !slices.Contains(o.Only, s.name()) })
}

// seedsBuilt is how many of the seeds are compared.
func (o BenchOptions) seedsBuilt() int {
	n := 0
	for _, s := range o.seeds() {
		if s.Skip == "" {
			n++
		}
	}
	return n
}

// run compares one example and keeps its report, or its failure; only the
// context's end stops the benchmark.
func (b *Bench) run(ctx context.Context, c *client.Client, addr string, opts Options, fix func(*Report)) error {
	if out := opts.lines(); out != nil {
		fmt.Fprintf(out, "== %s\n", opts.Name)
	}
	rep, err := Run(ctx, c, addr, opts)
	opts.tally.end()
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		b.Failed = append(b.Failed, Failure{Name: opts.Name, Error: err.Error()})
		return nil
	}
	if fix != nil {
		fix(rep)
	}
	b.Reports = append(b.Reports, rep)
	return nil
}

// runSeeds compares the seeds that Seeds lists as built, each in a
// context made for it.
func (b *Bench) runSeeds(ctx context.Context, c *client.Client, addr string, o BenchOptions) error {
	for _, s := range o.seeds() {
		name := s.name()
		if s.Skip != "" {
			b.Skipped = append(b.Skipped, Failure{Name: name, Error: s.Skip})
			continue
		}
		dir, err := os.MkdirTemp("", "optctl-seed-")
		if err != nil {
			return fmt.Errorf("making a context for %s: %w", name, err)
		}
		notes, err := seedContext(o.Seeds, dir, s)
		if err == nil {
			opts := o.options(dir, name)
			opts.DepCmd, opts.Notes = s.DepCmd, append(opts.Notes, notes...)
			err = b.run(ctx, c, addr, opts, func(r *Report) {
				r.Context, r.Dockerfile = "(made for the seed)", filepath.Join(o.Seeds, s.File)
			})
		}
		if rerr := os.RemoveAll(dir); err == nil && rerr != nil {
			err = fmt.Errorf("removing the context of %s: %w", name, rerr)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// exampleDirs lists the directories under root that hold a Dockerfile,
// or those of them only names.
func exampleDirs(root string, only []string) ([]string, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("listing the examples: %w", err)
	}
	var dirs []string
	for _, e := range entries {
		if !e.IsDir() || (len(only) > 0 && !slices.Contains(only, e.Name())) {
			continue
		}
		if _, err := os.Stat(filepath.Join(root, e.Name(), "Dockerfile")); err == nil {
			dirs = append(dirs, filepath.Join(root, e.Name()))
		}
	}
	for _, name := range only {
		isSeed := slices.ContainsFunc(Seeds(), func(s Seed) bool { return s.name() == name })
		if !isSeed && !slices.ContainsFunc(dirs, func(d string) bool { return filepath.Base(d) == name }) {
			return nil, fmt.Errorf("no example %q with a Dockerfile under %s, and no seed of that name", name, root)
		}
	}
	if len(dirs) == 0 && len(only) == 0 {
		return nil, fmt.Errorf("no example with a Dockerfile under %s", root)
	}
	return dirs, nil
}

// rows is the combined table: one row per example.
func (b *Bench) rows() (header []string, rows [][]string) {
	header = []string{"example", "image size, stock → " + b.optimizedName(), "layers", "wasted in own layers", "cold build", "warm rebuild", "source change", "dependency change"}
	for _, r := range b.Reports {
		row := []string{r.Name,
			fmt.Sprintf("%s → %s (%s)", Bytes(r.Stock.Size), Bytes(r.Optimized.Size), ratio(float64(r.Optimized.Size), float64(r.Stock.Size))),
			fmt.Sprintf("%d → %d", len(r.Stock.Layers), len(r.Optimized.Layers)),
			fmt.Sprintf("%s → %s", Bytes(r.Stock.OwnWasted), Bytes(r.Optimized.OwnWasted)),
		}
		for _, name := range []string{"cold", "warm", "source", "dep"} {
			row = append(row, timeCell(r, name))
		}
		rows = append(rows, row)
	}
	return header, rows
}

// optimizedName names the optimized builds in a column: with the fixes
// they had, if any.
func (b *Bench) optimizedName() string {
	if len(b.Fixes) == 0 {
		return "optimized"
	}
	return "optimized + fixes " + strings.Join(b.Fixes, ",")
}

// fixesText says which fixes the optimized builds had, for a sentence
// about the run: empty for none.
func (b *Bench) fixesText() string {
	if len(b.Fixes) == 0 {
		return ""
	}
	return fmt.Sprintf(" with %s=%s (optimized builds only)", frontend.BuildArgFix, strings.Join(b.Fixes, ","))
}

// timeCell is one scenario's medians and ratio, or "–" when skipped.
func timeCell(r *Report, name string) string {
	i := slices.IndexFunc(r.Scenarios, func(s ScenarioResult) bool { return s.Name == name })
	if i < 0 || r.Scenarios[i].Skipped != "" {
		return "–"
	}
	sc := r.Scenarios[i]
	return fmt.Sprintf("%s → %s (%s)", Seconds(sc.Stock.Median), Seconds(sc.Optimized.Median), ratio(sc.Optimized.Median, sc.Stock.Median))
}

// WriteBenchTable prints the combined table as Markdown, with the machine
// and date, then the failures.
func WriteBenchTable(w io.Writer, b *Bench) error {
	header, rows := b.rows()
	fmt.Fprintf(w, "Stock Dockerfile frontend vs optfrontend (%s)%s, medians of %d round(s), %s; %s.\n\n", b.FrontendImage, b.fixesText(), b.Rounds, b.Date, b.Machine)
	fmt.Fprintf(w, "| %s |\n|%s\n", strings.Join(header, " | "), strings.Repeat("---|", len(header)))
	for _, row := range rows {
		fmt.Fprintf(w, "| %s |\n", strings.Join(row, " | "))
	}
	for _, f := range b.Skipped {
		fmt.Fprintf(w, "\n%s not built: %s", f.Name, f.Error)
	}
	if len(b.Skipped) > 0 {
		fmt.Fprintln(w)
	}
	for _, f := range b.Failed {
		fmt.Fprintf(w, "\n%s failed: %s\n", f.Name, f.Error)
	}
	if _, err := fmt.Fprintf(w, "\n%d comparisons in %s.\n", len(b.Reports), (time.Duration(b.Seconds) * time.Second).Round(time.Second)); err != nil {
		return fmt.Errorf("writing the table: %w", err)
	}
	return nil
}
