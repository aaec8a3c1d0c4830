package compare

import (
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDetectTouchOnTheExamples(t *testing.T) {
	want := map[string]Touch{
		"aptlayers": {"statuscheck", "#"}, // named by its COPY, a #! script
		"aptsteps":  {"fetchxz", "#"},
		"chownapp":  {"app.py", "#"},
		"express":   {"server.js", "//"},
		"flask":     {"app.py", "#"},
		"goserver":  {"main.go", "//"},
		"javaapp":   {"src/main/java/example/notes/Notes.java", "//"}, // under src/
		"pnpmapp":   {"server.js", "//"},
		"poetryapp": {"app.py", "#"},
		"pyext":     {"app.py", "#"},
		"rustapp":   {"src/main.rs", "//"},
		"static":    {"build.mjs", "//"},
		"uvapp":     {"app.py", "#"},
		"yarnapp":   {"server.js", "//"},
	}
	dirs, err := exampleDirs("../examples", nil)
	require.NoError(t, err)
	require.Len(t, dirs, len(want), "an example was added: say here which file its source change edits")
	for _, dir := range dirs {
		df, err := os.ReadFile(filepath.Join(dir, "Dockerfile"))
		require.NoError(t, err)
		got, ok, err := DetectTouch(dir, df)
		require.NoError(t, err)
		require.True(t, ok, dir)
		require.Equal(t, want[filepath.Base(dir)], got, dir)
	}
	// The benchmark's table agrees with the detection, so that a plain
	// `optctl compare` measures what the benchmark does.
	examples, err := Examples("../examples")
	require.NoError(t, err)
	require.NotEmpty(t, examples)
	for _, e := range examples {
		require.Equal(t, want[e.Name].File, e.Touch, e.Name)
	}
}

func TestDetectTouchRules(t *testing.T) {
	for _, tc := range []struct {
		name       string
		files      map[string]string
		dockerfile string
		want       string
	}{
		{"named by COPY wins", map[string]string{"main.go": "package main", "tool.py": "x"}, "COPY tool.py /x/\n", "tool.py"},
		{"entry point name", map[string]string{"util.py": "", "app.py": ""}, "COPY . .\n", "app.py"},
		{"script without extension", map[string]string{"run": "#!/bin/sh\necho", "notes": "text"}, "COPY . .\n", "run"},
		{"shell scripts last", map[string]string{"smoke.sh": "", "lib.rb": ""}, "COPY . .\n", "lib.rb"},
		{"Dockerfile and dotfiles never", map[string]string{"Dockerfile.dev": "#!x", ".env.sh": ""}, "", ""},
		{"no known syntax", map[string]string{"data.json": "{}", "style.css": ""}, "", ""},
		{"code under src/, main before test", map[string]string{"pom.xml": "<project/>", "mvnw": "#!/bin/sh", "src/test/java/a/AppTest.java": "", "src/main/java/a/App.java": ""}, "COPY . .\n", "src/main/java/a/App.java"},
		{"Cargo's entry point", map[string]string{"Cargo.toml": "", "src/lib.rs": "", "src/main.rs": ""}, "COPY . .\n", "src/main.rs"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tc.files {
				require.NoError(t, os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755))
				require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
			}
			got, ok, err := DetectTouch(dir, []byte(tc.dockerfile))
			require.NoError(t, err)
			require.Equal(t, tc.want != "", ok)
			require.Equal(t, tc.want, got.File)
		})
	}
}

func TestCommentFor(t *testing.T) {
	for name, want := range map[string]string{"main.go": "//", "app.PY": "#", "x.mjs": "//", "run.sh": "#"} {
		got, ok := CommentFor(name, nil)
		require.True(t, ok, name)
		require.Equal(t, want, got, name)
	}
	_, ok := CommentFor("index.html", []byte("#!"))
	require.False(t, ok, "HTML has no line comment, whatever its first bytes")
	_, ok = CommentFor("README", []byte("hello"))
	require.False(t, ok)
}

func TestTouchApplyAppendsALineEachTime(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "app.py"), []byte("print(1)\n"), 0o755))
	tc := Touch{File: "app.py", Comment: "#"}
	require.NoError(t, tc.apply(dir, 1))
	first, err := os.ReadFile(filepath.Join(dir, "app.py"))
	require.NoError(t, err)
	require.NoError(t, tc.apply(dir, 1))
	second, err := os.ReadFile(filepath.Join(dir, "app.py"))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(first), "print(1)\n\n# optctl: source change 1 at "))
	require.True(t, strings.HasPrefix(string(second), string(first)), "a change only appends")
	lines := slices.DeleteFunc(strings.Split(string(second), "\n"), func(l string) bool { return l == "" })
	require.Len(t, lines, 3)
	require.NotEqual(t, lines[1], lines[2], "the same round twice must still differ")
	st, err := os.Stat(filepath.Join(dir, "app.py"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o755), st.Mode().Perm())
}

func TestCopiedNames(t *testing.T) {
	for _, tc := range []struct {
		name, dockerfile string
		want             []string
	}{
		{"shell form", "FROM a\nCOPY src/app.py requirements.txt /app/\n", []string{"app.py", "requirements.txt"}},
		{"flags ignored", "FROM a\nCOPY --chown=1:1 --chmod=755 run /bin/\nADD --link tool.sh /x\n", []string{"run", "tool.sh"}},
		{"from a stage too", "FROM a AS b\nCOPY --from=b /out/main.go /x\n", []string{"main.go"}},
		{"JSON form", "FROM a\nCOPY [\"my app.py\", \"lib.py\", \"/app/\"]\n", []string{"my app.py", "lib.py"}},
		{"continued lines, any case", "FROM a\ncopy \\\n  a.go \\\n  b.go /x/\n", []string{"a.go", "b.go"}},
		{"heredoc has no source file", "FROM a\nCOPY <<EOF /x.sh\necho\nEOF\n", []string{}},
		{"words of other instructions", "FROM a\nRUN echo COPY x.py /y\n# COPY c.py /y\n", []string{}},
		{"a bad instruction names nothing", "FROM a\nCOPY --nosuch x.py /y\nCOPY y.py /y\n", []string{"y.py"}},
		{"no instructions", "# empty\n", []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := slices.Sorted(maps.Keys(copiedNames([]byte(tc.dockerfile))))
			if got == nil {
				got = []string{}
			}
			slices.Sort(tc.want)
			require.Equal(t, tc.want, got)
		})
	}
}
