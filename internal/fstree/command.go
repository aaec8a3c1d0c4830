package fstree

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// Command is the first argument that selects the comparer in the
// frontend binary: `optfrontend verify-compare --stock DIR --optimized DIR
// [--again DIR] [--allow FILE.json] --out FILE.json`.
const Command = "verify-compare"

// IsCommand tells whether name is the comparer's command.
func IsCommand(name string) bool { return name == Command }

// Main runs the comparer: it reads both trees, expands the package
// allowances of the --allow file (a JSON array of Allowance) from stock's
// tree, compares, and writes the Result as JSON to --out. Differences are
// data: it fails only when it cannot read or write something, or the
// arguments or allowances are unusable.
func Main(name string, args []string) error {
	return run(name, args, os.Stderr)
}

// options are the comparer's arguments.
type options struct {
	stock, optimized, allow, out string
	// again is stock's tree from a second run of its steps, "" if none.
	again string
}

func run(name string, args []string, log io.Writer) error {
	o, err := parseArgs(name, args, log)
	if err != nil {
		return err
	}
	r, err := compareDirs(o)
	if err != nil {
		return err
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding the result: %w", err)
	}
	if err := os.WriteFile(o.out, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("writing the result: %w", err)
	}
	fmt.Fprintf(log, "%s: %d and %d entries, %d differences, %d explained, %d unexplained\n",
		name, r.StockEntries, r.OptimizedEntries, r.Differences, r.Explained, r.Unexplained)
	return nil
}

func parseArgs(name string, args []string, log io.Writer) (options, error) {
	var o options
	fl := flag.NewFlagSet(name, flag.ContinueOnError)
	fl.SetOutput(log)
	fl.StringVar(&o.stock, "stock", "", "the root of stock's image (read only)")
	fl.StringVar(&o.optimized, "optimized", "", "the root of the optimized image (read only)")
	fl.StringVar(&o.allow, "allow", "", "a JSON array of the allowances the build's report makes")
	fl.StringVar(&o.out, "out", "", "the file the JSON result is written to")
	fl.StringVar(&o.again, "again", "", "the root of stock's image from a second run of its steps (read only): where it differs from --stock, stock's build varies")
	if err := fl.Parse(args); err != nil {
		return o, err
	}
	if o.stock == "" || o.optimized == "" || o.out == "" || fl.NArg() > 0 {
		return o, errors.New("usage: " + Command + " --stock DIR --optimized DIR [--again DIR] [--allow FILE.json] --out FILE.json")
	}
	return o, nil
}

// compareDirs reads and compares the two trees.
func compareDirs(o options) (Result, error) {
	allow, err := readAllowances(o.allow)
	if err != nil {
		return Result{}, err
	}
	stock, err := FromDir(o.stock)
	if err != nil {
		return Result{}, fmt.Errorf("reading stock's tree: %w", err)
	}
	optimized, err := FromDir(o.optimized)
	if err != nil {
		return Result{}, fmt.Errorf("reading the optimized tree: %w", err)
	}
	root, err := os.OpenRoot(o.stock)
	if err != nil {
		return Result{}, fmt.Errorf("opening stock's tree: %w", err)
	}
	defer root.Close()
	optRoot, err := os.OpenRoot(o.optimized)
	if err != nil {
		return Result{}, fmt.Errorf("opening the optimized tree: %w", err)
	}
	defer optRoot.Close()
	// An os.Root keeps every read of the package lists inside the tree,
	// whatever its symlinks say.
	allow, err = Expand(root.FS(), optRoot.FS(), allow)
	if err != nil {
		return Result{}, err
	}
	linksToPackages(stock, allow)
	diffs := Diff(stock, optimized)
	allow = append(allow, noiseAllowances(o.stock, o.optimized, diffs)...)
	if o.again != "" {
		again, err := FromDir(o.again)
		if err != nil {
			return Result{}, fmt.Errorf("reading stock's tree of the second run: %w", err)
		}
		allow = append(allow, varies(stock, again))
	}
	return compareDiffs(stock, optimized, diffs, allow)
}

// readAllowances reads the --allow file, none if it is not given.
func readAllowances(file string) ([]Allowance, error) {
	if file == "" {
		return nil, nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading the allowances: %w", err)
	}
	var allow []Allowance
	if err := json.Unmarshal(data, &allow); err != nil {
		return nil, fmt.Errorf("reading the allowances %s: %w", file, err)
	}
	return allow, nil
}
