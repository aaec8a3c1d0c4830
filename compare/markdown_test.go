package compare

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/org/optfrontend/frontend"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

// golden compares got with the file testdata/markdown/name, or rewrites
// it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	want := filepath.Join("testdata", "markdown", name)
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(want), 0o755))
		require.NoError(t, os.WriteFile(want, got, 0o644))
	}
	exp, err := os.ReadFile(want)
	require.NoError(t, err, "run with -update to create it")
	require.Equal(t, string(exp), string(got))
}

// markdownReport is sampleReport with text Markdown would misread: pipes,
// backticks, emphasis, HTML and line breaks in the name, a scenario title,
// a message and a Dockerfile's text.
func markdownReport() *Report {
	r := sampleReport()
	r.Name = "my_app | *v2*"
	r.Scenarios = append(r.Scenarios, ScenarioResult{Scenario: Scenario{Name: "source", Title: "rebuild, one line of `a|b`.py changed"},
		Stock: Series{Seconds: []float64{2}, Median: 2}, Optimized: Series{Seconds: []float64{1}, Median: 1}, Ratio: 0.5})
	r.Changes = append(r.Changes, frontend.Finding{Pass: "cachemount", Message: "an odd ` backtick, a | pipe\nand a <br> line", Changed: true,
		File: "Dockerfile", Line: 7, EndLine: 9, Text: "RUN echo '```' | \\\n    tr a b \\\n    > /x"})
	return r
}

func TestWriteMarkdown(t *testing.T) {
	r := markdownReport()
	g, err := ParseGate("size>1.00,warm>2,wasted>0,dep>1")
	require.NoError(t, err)
	v := g.Evaluate(r)
	var buf bytes.Buffer
	require.NoError(t, WriteMarkdown(&buf, r, &v))
	golden(t, "report.md", buf.Bytes())

	md := buf.String()
	// Every table row has the header's five pipes that are not escaped:
	// no cell's text split a row or ended a cell.
	var table []string
	for line := range strings.Lines(md) {
		if strings.HasPrefix(line, "|") {
			table = append(table, line)
		}
	}
	require.Len(t, table, 2+len(r.rows()))
	for _, line := range table {
		require.Equal(t, 5, strings.Count(line, "|")-strings.Count(line, `\|`), line)
	}
	require.Contains(t, md, "## optfrontend vs the stock Dockerfile frontend: my\\_app \\| \\*v2\\*\n")
	require.Contains(t, md, "- `Dockerfile:5` **squash**: exported Dockerfile:3-5 (3 layers) as one layer: `rm -rf <lists> && true`\n")
	require.Contains(t, md, "- `Dockerfile:7-9` **cachemount**: an odd \\` backtick, a \\| pipe and a \\<br\\> line\n")
	require.Contains(t, md, "  ````dockerfile\n  RUN echo '```' | \\\n")
	require.NotContains(t, md, "<br>")
}

func TestWriteMarkdownNoGate(t *testing.T) {
	var buf bytes.Buffer
	require.NoError(t, WriteMarkdown(&buf, sampleReport(), nil))
	require.NotContains(t, buf.String(), "Gate")
	require.Contains(t, buf.String(), "| image size (compressed) | 50.8 MB | 35.4 MB | 0.70 |\n")
}

func TestWriteBenchMarkdown(t *testing.T) {
	b := &Bench{Machine: "AMD EPYC, 2 cores", Date: "2026-11-23 12:00 UTC", Rounds: 3, FrontendImage: DefaultFrontendImage + "@sha256:ff",
		Reports: []*Report{sampleReport()},
		Failed:  []Failure{{Name: "broken", Error: "exit 1:\n| error: `x`"}},
		Skipped: []Failure{{Name: "seed-x", Error: "only a FROM"}}}
	var buf bytes.Buffer
	require.NoError(t, WriteBenchMarkdown(&buf, b))
	golden(t, "bench.md", buf.Bytes())
	require.Contains(t, buf.String(), "\n### optfrontend vs the stock Dockerfile frontend: x\n")
	require.Contains(t, buf.String(), "\n#### What the passes changed (2)\n")
}

func TestMarkdownEscapes(t *testing.T) {
	for in, want := range map[string]string{
		"plain 1.0 MB → 0.70 (x)": "plain 1.0 MB → 0.70 (x)",
		"a|b":                     `a\|b`,
		"`x`":                     "\\`x\\`",
		"*_[]<>&~$#\\":            `\*\_\[\]\<\>\&\~\$\#\\`,
		"two\nlines\r\nthree\r":   "two lines three ",
	} {
		require.Equal(t, want, mdText(in), in)
	}
	for in, want := range map[string]string{
		"run `apt-get` here": "run `apt-get` here",
		"odd ` one":          "odd \\` one",
		"empty `` pair":      "empty \\`\\` pair",
		"a `x|y` b":          "a `x|y` b",
	} {
		require.Equal(t, want, mdInline(in), in)
	}
	require.Equal(t, "``a`b``", mdCode("a`b"))
	require.Equal(t, "`` `a ``", mdCode("`a"))
	require.Equal(t, "", mdCode(""))
}
