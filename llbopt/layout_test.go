package llbopt

import (
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// TestPassesShareNothing enforces the package's layout: a pass lives in the
// files named after it (NAME.go and NAME_*.go), no pass file uses an
// identifier declared in another pass's files, and the helper files use
// only what a pass exports. What two passes need alike
// lives in a helper file that both import from, so that a reader can change
// one pass knowing no other pass depends on its insides.
func TestPassesShareNothing(t *testing.T) {
	var names []string
	for _, e := range Passes(Config{}) {
		names = append(names, e.Pass.Name())
	}
	passOf := func(file string) string {
		base := strings.TrimSuffix(filepath.Base(file), ".go")
		for _, n := range names {
			if base == n || strings.HasPrefix(base, n+"_") {
				return n
			}
		}
		return ""
	}

	fset := token.NewFileSet()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var files []*ast.File
	have := map[string]bool{}
	for _, e := range entries {
		n := e.Name()
		if !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, n, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
		if p := passOf(n); p != "" {
			have[p] = true
		}
	}
	for _, n := range names {
		if !have[n] {
			t.Errorf("pass %q has no file %s.go", n, n)
		}
	}

	// Only this package's own identifiers matter, so imports are stubbed:
	// uses of package-level names resolve through scopes whatever the
	// imported packages hold, and the type errors the stubs cause are
	// ignored.
	info := &types.Info{Uses: map[*ast.Ident]types.Object{}}
	conf := types.Config{
		Importer: stubImporter{},
		Error:    func(error) {},
	}
	pkg, _ := conf.Check("llbopt", fset, files, info)
	if pkg == nil {
		t.Fatal("type-checking the package gave nothing")
	}

	seen := map[string]bool{}
	for id, obj := range info.Uses {
		if obj == nil || obj.Pkg() != pkg || !obj.Pos().IsValid() {
			continue
		}
		user := passOf(fset.Position(id.Pos()).Filename)
		owner := passOf(fset.Position(obj.Pos()).Filename)
		if owner == "" || user == owner {
			continue
		}
		// The rest of the package (the registry, the pipeline) may name a
		// pass's type and what it exports, as the frontend does.
		if user == "" && obj.Exported() {
			continue
		}
		if user == "" {
			user = "helper " + filepath.Base(fset.Position(id.Pos()).Filename)
		}
		// A use is local to a function when the object is declared inside
		// one; those cannot cross files.
		if obj.Parent() != nil && obj.Parent() != pkg.Scope() {
			continue
		}
		msg := user + " uses " + obj.Name() + " from " + owner + " (" + filepath.Base(fset.Position(obj.Pos()).Filename) + ")"
		seen[msg] = true
	}
	var bad []string
	for m := range seen {
		bad = append(bad, m)
	}
	sort.Strings(bad)
	for _, m := range bad {
		t.Error(m)
	}
}

// stubImporter gives every import an empty, complete package.
type stubImporter struct{}

func (stubImporter) Import(path string) (*types.Package, error) {
	p := types.NewPackage(path, filepath.Base(path))
	p.MarkComplete()
	return p, nil
}
