package compare

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/org/optfrontend/frontend"
)

// WriteTable prints the report as a side-by-side table, the images it
// measured, the passes' changes with their Dockerfile lines, and the notes.
func WriteTable(w io.Writer, r *Report) error {
	fmt.Fprintf(w, "%s: %s, stock Dockerfile frontend vs %s\n", r.Name, r.Dockerfile, r.FrontendRef())
	fmt.Fprintf(w, "builder %s %s, %d round(s), medians\n\n", r.Builder, r.BuilderVersion, r.Rounds)
	rows := append([][4]string{{"", "stock", "optimized", "optimized/stock"}}, r.rows()...)
	if _, err := io.WriteString(w, alignColumns(rows)); err != nil {
		return fmt.Errorf("writing the table: %w", err)
	}
	fmt.Fprintf(w, "\nimages (last cold round; check with `buildx imagetools inspect`):\n  stock      %s\n  optimized  %s\n", r.Stock.Ref, r.Optimized.Ref)
	writeChanges(w, r.Changes)
	if len(r.Notes) > 0 {
		fmt.Fprintln(w, "\nnotes:")
		for _, n := range r.Notes {
			fmt.Fprintf(w, "  - %s\n", n)
		}
	}
	return nil
}

// alignColumns lays rows out in columns two spaces apart: the first
// column left-aligned, the numbers right-aligned.
func alignColumns(rows [][4]string) string {
	var width [4]int
	for _, row := range rows {
		for i, cell := range row {
			width[i] = max(width[i], utf8.RuneCountInString(cell))
		}
	}
	var b strings.Builder
	for _, row := range rows {
		line := row[0] + strings.Repeat(" ", width[0]-utf8.RuneCountInString(row[0]))
		for i := 1; i < len(row); i++ {
			line += "  " + strings.Repeat(" ", width[i]-utf8.RuneCountInString(row[i])) + row[i]
		}
		b.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	return b.String()
}

// rows are the table's rows: a label, stock, optimized and their ratio.
func (r *Report) rows() [][4]string {
	s, o := r.Stock, r.Optimized
	rows := [][4]string{
		{"image size (compressed)", Bytes(s.Size), Bytes(o.Size), ratio(float64(o.Size), float64(s.Size))},
		{"unpacked layers", Bytes(s.Uncompressed), Bytes(o.Uncompressed), ratio(float64(o.Uncompressed), float64(s.Uncompressed))},
		{"layers (base image's)", fmt.Sprintf("%d (%d)", len(s.Layers), s.BaseLayers), fmt.Sprintf("%d (%d)", len(o.Layers), o.BaseLayers), ""},
		{"wasted bytes, own layers", Bytes(s.OwnWasted), Bytes(o.OwnWasted), ratio(float64(o.OwnWasted), float64(s.OwnWasted))},
		{"wasted bytes, base image", Bytes(s.BaseWasted), Bytes(o.BaseWasted), ""},
		{"context bytes sent", Bytes(s.ContextBytes), Bytes(o.ContextBytes), ratio(float64(o.ContextBytes), float64(s.ContextBytes))},
	}
	for _, sc := range r.Scenarios {
		label := "time: " + sc.Title
		if sc.Skipped != "" {
			rows = append(rows, [4]string{label, "skipped", "", ""})
			continue
		}
		rows = append(rows, [4]string{label, Seconds(sc.Stock.Median), Seconds(sc.Optimized.Median), ratio(sc.Optimized.Median, sc.Stock.Median)})
	}
	return rows
}

// skippedNotes lists why scenarios were skipped.
func (r *Report) skippedNotes() []string {
	var out []string
	for _, sc := range r.Scenarios {
		if sc.Skipped != "" {
			out = append(out, sc.Name+": "+sc.Skipped)
		}
	}
	return out
}

// writeChanges lists the passes' findings with their Dockerfile lines.
func writeChanges(w io.Writer, changes []frontend.Finding) {
	fmt.Fprintf(w, "\nwhat the passes changed (%d):\n", len(changes))
	if len(changes) == 0 {
		fmt.Fprintln(w, "  nothing")
	}
	for _, f := range changes {
		where := f.Where()
		if where == "" {
			where = "(no line)"
		}
		fmt.Fprintf(w, "  %s  %s: %s\n", where, f.Pass, f.Message)
		for line := range strings.Lines(f.Text) {
			fmt.Fprintf(w, "      | %s\n", strings.TrimRight(line, "\n"))
		}
	}
}

// Bytes formats a byte count in decimal units, as registries and
// `docker images` do.
func Bytes(n int64) string {
	const unit = 1000
	if n < unit && n > -unit {
		return fmt.Sprintf("%d B", n)
	}
	f, u := float64(n), 0
	for f >= unit*unit || f <= -unit*unit {
		f /= unit
		u++
	}
	return fmt.Sprintf("%.1f %cB", f/unit, "kMGTPE"[u])
}

// Seconds formats a wall time.
func Seconds(s float64) string {
	return fmt.Sprintf("%.2f s", s)
}

// ratio formats a/b, or "" when b is zero.
func ratio(a, b float64) string {
	if b == 0 {
		return ""
	}
	return fmt.Sprintf("%.2f", a/b)
}
