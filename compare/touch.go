package compare

import (
	"bytes"
	"cmp"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/command"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
)

// Touch is the file the source-change scenario edits, and how a comment
// line is written in it.
type Touch struct {
	// File is the path relative to the context.
	File string `json:"file"`
	// Comment starts a line comment in the file: "//" or "#".
	Comment string `json:"comment"`
}

// comments maps source file extensions to their line comment.
var comments = map[string]string{
	".go": "//", ".js": "//", ".mjs": "//", ".cjs": "//", ".ts": "//", ".tsx": "//", ".jsx": "//",
	".java": "//", ".kt": "//", ".scala": "//", ".rs": "//", ".c": "//", ".h": "//", ".cc": "//",
	".cpp": "//", ".cs": "//", ".swift": "//", ".php": "//", ".dart": "//",
	".py": "#", ".rb": "#", ".sh": "#", ".bash": "#", ".pl": "#", ".r": "#", ".ex": "#", ".exs": "#",
	".css": "", ".html": "",
}

// mainNames are the files a project's entry point is usually called.
var mainNames = []string{"main.go", "app.py", "main.py", "manage.py", "server.js", "index.js", "app.js", "main.rs", "main.c", "index.php"}

// CommentFor returns the line comment of a file, from its extension or,
// for a script without one, its #! line; ok is false when neither says.
func CommentFor(name string, head []byte) (comment string, ok bool) {
	if c, known := comments[strings.ToLower(filepath.Ext(name))]; known {
		return c, c != ""
	}
	if bytes.HasPrefix(head, []byte("#!")) {
		return "#", true
	}
	return "", false
}

// DetectTouch picks the context's main source file among its top-level
// files: one the Dockerfile copies by name first, then a usual entry-point
// name, then any file whose comment syntax is known, a shell script last.
// When the top level holds only scripts (a Maven or Cargo project keeps its
// code under src/), it picks from src/ instead: see sourceTreeTouch. ok is
// false when there is none.
func DetectTouch(contextDir string, dockerfile []byte) (t Touch, ok bool, err error) {
	entries, err := os.ReadDir(contextDir)
	if err != nil {
		return Touch{}, false, fmt.Errorf("listing the build context: %w", err)
	}
	named := copiedNames(dockerfile)
	type candidate struct {
		Touch
		score int
	}
	var cands []candidate
	for _, e := range entries {
		name := e.Name()
		if !e.Type().IsRegular() || strings.HasPrefix(name, ".") || strings.HasPrefix(strings.ToLower(name), "dockerfile") {
			continue
		}
		head, err := readHead(filepath.Join(contextDir, name))
		if err != nil {
			return Touch{}, false, err
		}
		c, ok := CommentFor(name, head)
		if !ok {
			continue
		}
		score := 0
		if named[name] {
			score += 100
		}
		if slices.Contains(mainNames, name) {
			score += 50
		}
		if ext := filepath.Ext(name); ext != ".sh" && ext != ".bash" {
			score += 10
		}
		cands = append(cands, candidate{Touch{File: name, Comment: c}, score})
	}
	var best candidate
	if len(cands) > 0 {
		best = slices.MinFunc(cands, func(a, b candidate) int {
			return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(a.File, b.File))
		})
	}
	// A file the Dockerfile names, or source code in a language: taken.
	// A script (by its #! line or .sh) only when src/ has no code.
	if _, code := comments[strings.ToLower(filepath.Ext(best.File))]; best.score >= 100 || code && best.score >= 10 {
		return best.Touch, true, nil
	}
	if t, ok, err := sourceTreeTouch(contextDir); err != nil || ok {
		return t, ok, err
	}
	return best.Touch, len(cands) > 0, nil
}

// sourceTreeTouch picks a source file under the context's src/ directory
// (Maven's and Gradle's src/main/<language>/, Cargo's src/): a usual
// entry-point name first, then a file under a main/ directory, then any
// file outside a test directory, the first by path among equals.
func sourceTreeTouch(contextDir string) (Touch, bool, error) {
	root := filepath.Join(contextDir, "src")
	if fi, err := os.Stat(root); err != nil || !fi.IsDir() {
		return Touch{}, false, nil
	}
	var best Touch
	bestScore := -1
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") && p != root {
				return filepath.SkipDir
			}
			return nil
		}
		c, known := comments[strings.ToLower(filepath.Ext(d.Name()))]
		if !known || c == "" || !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(contextDir, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		score := 0
		if slices.Contains(mainNames, d.Name()) {
			score += 50
		}
		if strings.Contains(rel, "/main/") {
			score += 20
		}
		if !strings.Contains(rel, "/test/") && !strings.Contains(rel, "/tests/") {
			score += 10
		}
		// WalkDir visits in lexical order: the first of equals stays.
		if score > bestScore {
			best, bestScore = Touch{File: rel, Comment: c}, score
		}
		return nil
	})
	if err != nil {
		return Touch{}, false, fmt.Errorf("reading the source tree: %w", err)
	}
	return best, bestScore >= 0, nil
}

// copiedNames lists the base names of the sources of the Dockerfile's
// COPY and ADD instructions, whatever their flags, as BuildKit's parser
// reads them (shell or JSON form, continued lines). A Dockerfile or an
// instruction that does not parse names nothing: the build reports it.
func copiedNames(dockerfile []byte) map[string]bool {
	names := map[string]bool{}
	res, err := parser.Parse(bytes.NewReader(dockerfile))
	if err != nil {
		return names
	}
	for _, node := range res.AST.Children {
		if !strings.EqualFold(node.Value, command.Copy) && !strings.EqualFold(node.Value, command.Add) {
			continue
		}
		inst, err := instructions.ParseInstruction(node)
		if err != nil {
			continue
		}
		var srcs []string
		switch c := inst.(type) {
		case *instructions.CopyCommand:
			srcs = c.SourcePaths
		case *instructions.AddCommand:
			srcs = c.SourcePaths
		}
		for _, src := range srcs {
			names[filepath.Base(src)] = true
		}
	}
	return names
}

// readHead reads the first bytes of a file, enough for a #! line.
func readHead(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	defer f.Close()
	buf := make([]byte, 64)
	n, _ := f.Read(buf)
	return buf[:n], nil
}

// apply appends one comment line to the file in dir, different every
// time, so that no build has seen the file's content before.
func (t Touch) apply(dir string, round int) error {
	f, err := os.OpenFile(filepath.Join(dir, t.File), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("changing %s: %w", t.File, err)
	}
	_, err = fmt.Fprintf(f, "\n%s optctl: source change %d at %d\n", t.Comment, round, time.Now().UnixNano())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("changing %s: %w", t.File, err)
	}
	return nil
}
