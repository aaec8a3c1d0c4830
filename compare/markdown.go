package compare

import (
	"fmt"
	"io"
	"strings"

	"github.com/org/optfrontend/frontend"
)

// WriteMarkdown writes a report as GitHub-flavoured Markdown, for a CI
// job's summary ($GITHUB_STEP_SUMMARY): a heading with the comparison's
// name, the table WriteTable prints, the gate's verdict when v is not nil,
// the passes' changes with their Dockerfile lines, and the notes.
func WriteMarkdown(w io.Writer, r *Report, v *Verdict) error {
	var b strings.Builder
	writeReportMarkdown(&b, r, v, 2)
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("writing Markdown: %w", err)
	}
	return nil
}

// WriteBenchMarkdown writes a benchmark as Markdown: the combined table,
// the examples not built or failed, then each comparison as WriteMarkdown
// writes it, a heading level down.
func WriteBenchMarkdown(w io.Writer, bench *Bench) error {
	var b strings.Builder
	b.WriteString("## optfrontend vs the stock Dockerfile frontend: benchmark\n\n")
	fmt.Fprintf(&b, "Frontend %s%s, medians of %d round(s), %s; %s.\n\n", mdCode(bench.FrontendImage), mdText(bench.fixesText()), bench.Rounds, mdText(bench.Date), mdText(bench.Machine))
	header, rows := bench.rows()
	writeMarkdownTable(&b, header, "---|", rows)
	for _, f := range bench.Skipped {
		fmt.Fprintf(&b, "\n- %s not built: %s", mdText(f.Name), mdText(f.Error))
	}
	if len(bench.Skipped) > 0 {
		b.WriteString("\n")
	}
	for _, f := range bench.Failed {
		fmt.Fprintf(&b, "\n- %s failed:\n", mdText(f.Name))
		writeFence(&b, "  ", "", f.Error)
	}
	for _, r := range bench.Reports {
		b.WriteString("\n")
		writeReportMarkdown(&b, r, nil, 3)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("writing Markdown: %w", err)
	}
	return nil
}

// writeReportMarkdown writes one report under a heading of the level.
func writeReportMarkdown(b *strings.Builder, r *Report, v *Verdict, level int) {
	h := strings.Repeat("#", level)
	fmt.Fprintf(b, "%s optfrontend vs the stock Dockerfile frontend: %s\n\n", h, mdText(r.Name))
	fmt.Fprintf(b, "%s built with %s, %d round(s), medians; builder %s %s.\n\n",
		mdCode(r.Dockerfile), mdCode(r.FrontendRef()), r.Rounds, mdCode(r.Builder), mdText(r.BuilderVersion))
	var rows [][]string
	for _, row := range r.rows() {
		rows = append(rows, row[:])
	}
	writeMarkdownTable(b, []string{"metric", "stock", "optfrontend", "ratio"}, "--:|", rows)
	if r.Stock != nil && r.Optimized != nil {
		fmt.Fprintf(b, "\nImages (last cold round): stock %s, optimized %s.\n", mdCode(r.Stock.Ref), mdCode(r.Optimized.Ref))
	}
	if v != nil {
		writeVerdictMarkdown(b, v)
	}
	fmt.Fprintf(b, "\n%s# What the passes changed (%d)\n\n", h, len(r.Changes))
	if len(r.Changes) == 0 {
		b.WriteString("Nothing.\n")
	}
	for _, f := range r.Changes {
		writeFindingMarkdown(b, f)
	}
	if len(r.Notes) > 0 {
		b.WriteString("\n<details><summary>Notes</summary>\n\n")
		for _, n := range r.Notes {
			fmt.Fprintf(b, "- %s\n", mdInline(n))
		}
		b.WriteString("\n</details>\n")
	}
}

// writeMarkdownTable writes a table of plain-text cells, escaped (a `|`
// would end the cell, a newline the row); the first column is
// left-aligned, the others as align ("---|", "--:|") says.
func writeMarkdownTable(b *strings.Builder, header []string, align string, rows [][]string) {
	row := func(cells []string) {
		b.WriteString("|")
		for _, c := range cells {
			b.WriteString(" " + mdText(c) + " |")
		}
		b.WriteString("\n")
	}
	row(header)
	b.WriteString("|---|" + strings.Repeat(align, len(header)-1) + "\n")
	for _, r := range rows {
		row(r)
	}
}

// writeVerdictMarkdown says whether the gate passed, and what each
// condition measured.
func writeVerdictMarkdown(b *strings.Builder, v *Verdict) {
	result := "passed"
	if v.Err() != nil {
		result = "**failed**"
	}
	fmt.Fprintf(b, "\nGate %s: %s.\n\n", mdCode("--fail-if "+v.Gate.String()), result)
	for _, o := range v.Outcomes {
		holds := "does not hold"
		if o.Holds {
			holds = "**holds**"
		}
		fmt.Fprintf(b, "- %s %s: %s\n", mdCode(o.Condition.String()), holds, mdText(o.String()))
	}
	if v.Unanswered != nil {
		for line := range strings.Lines(v.Unanswered.Error()) {
			fmt.Fprintf(b, "- cannot answer: %s\n", mdText(line))
		}
	}
}

// writeFindingMarkdown writes one finding as a list item: where, the
// pass, the message, and the Dockerfile's text of its lines.
func writeFindingMarkdown(b *strings.Builder, f frontend.Finding) {
	where := "(no line)"
	if w := f.Where(); w != "" {
		where = mdCode(w)
	}
	fmt.Fprintf(b, "- %s **%s**: %s\n", where, mdText(f.Pass), mdInline(f.Message))
	if f.Text != "" {
		writeFence(b, "  ", "dockerfile", f.Text)
	}
}

// writeFence writes s as a fenced code block, indented, with a fence
// longer than any run of backticks in it.
func writeFence(b *strings.Builder, indent, lang, s string) {
	fence := strings.Repeat("`", max(3, longestRun(s, '`')+1))
	b.WriteString(indent + fence + lang + "\n")
	for line := range strings.Lines(strings.TrimRight(s, "\n")) {
		b.WriteString(indent + strings.TrimRight(line, "\n") + "\n")
	}
	b.WriteString(indent + fence + "\n")
}

// longestRun is the length of the longest run of c in s.
func longestRun(s string, c byte) int {
	best, n := 0, 0
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			n++
			best = max(best, n)
		} else {
			n = 0
		}
	}
	return best
}

// mdSpecial are the characters mdText escapes: those that would start
// emphasis, code, links, HTML, entities, strikethrough, math, a table
// cell or a heading's closing sequence.
const mdSpecial = "\\`*_[]<>&~$|#"

// mdText escapes s for Markdown prose on one line: it shows as written.
func mdText(s string) string {
	var b strings.Builder
	for _, r := range mdLine(s) {
		if strings.ContainsRune(mdSpecial, r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// mdInline is mdText, except that a message's `quoted` parts, when its
// backticks pair up, show as code.
func mdInline(s string) string {
	parts := strings.Split(mdLine(s), "`")
	if len(parts)%2 == 0 {
		return mdText(s)
	}
	var b strings.Builder
	for i, p := range parts {
		if i%2 == 0 || strings.TrimSpace(p) == "" {
			if i%2 == 1 {
				p = "`" + p + "`"
			}
			b.WriteString(mdText(p))
			continue
		}
		b.WriteString(mdCode(p))
	}
	return b.String()
}

// mdCode is s as a code span, on one line.
func mdCode(s string) string {
	s = mdLine(s)
	if s == "" {
		return ""
	}
	fence := strings.Repeat("`", longestRun(s, '`')+1)
	if s[0] == '`' || s[0] == ' ' || s[len(s)-1] == '`' || s[len(s)-1] == ' ' {
		s = " " + s + " "
	}
	return fence + s + fence
}

// mdLine turns line breaks into spaces.
func mdLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}
