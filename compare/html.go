package compare

import (
	"fmt"
	"html/template"
	"io"
	"strings"
)

// WriteHTML writes a self-contained page (inline CSS and SVG, no external
// asset) with the reports' tables, a chart of their wall times and one of
// their layer sizes, and the passes' changes. bench may be nil.
func WriteHTML(w io.Writer, title string, bench *Bench, reports ...*Report) error {
	page := htmlPage{Title: title, Bench: bench}
	for _, r := range reports {
		page.Reports = append(page.Reports, htmlReport{Report: r, Rows: r.rows(), Times: timeChart(r), Layers: layerChart(r)})
	}
	if bench != nil {
		page.BenchHeader, page.BenchRows = bench.rows()
	}
	if err := pageTemplate.Execute(w, page); err != nil {
		return fmt.Errorf("writing the HTML report: %w", err)
	}
	return nil
}

type htmlPage struct {
	Title       string
	Bench       *Bench
	BenchHeader []string
	BenchRows   [][]string
	Reports     []htmlReport
}

type htmlReport struct {
	*Report
	Rows   [][4]string
	Times  chart
	Layers chart
}

// chart is an SVG drawing: bars with a tooltip, and text.
type chart struct {
	Width, Height float64
	Bars          []bar
	Texts         []text
}

type bar struct {
	X, Y, W, H float64
	Class      string
	Title      string
}

type text struct {
	X, Y   float64
	Anchor string
	Class  string
	Text   string
}

// Chart geometry, in SVG user units.
const (
	chartWidth = 960.0
	labelWidth = 430.0
	barArea    = 400.0
	rowHeight  = 18.0
	barHeight  = 13.0
)

// layerChart draws every layer of both images as a bar of its compressed
// size, on one scale, base image layers in grey.
func layerChart(r *Report) chart {
	var top int64 = 1
	for _, img := range []*Image{r.Stock, r.Optimized} {
		for _, l := range img.Layers {
			top = max(top, l.Size)
		}
	}
	c := chart{Width: chartWidth}
	y := 0.0
	for _, side := range []struct {
		name string
		img  *Image
	}{{Stock, r.Stock}, {Optimized, r.Optimized}} {
		y += rowHeight
		c.Texts = append(c.Texts, text{X: 0, Y: y, Class: "head",
			Text: fmt.Sprintf("%s: %s in %d layers (%d of the base image)", side.name, Bytes(side.img.Size), len(side.img.Layers), side.img.BaseLayers)})
		for i, l := range side.img.Layers {
			y += rowHeight
			class, what := side.name, l.CreatedBy
			if l.Base {
				class = "base"
				what = "base image: " + what
			}
			w := barArea * float64(l.Size) / float64(top)
			c.Texts = append(c.Texts, text{X: labelWidth - 8, Y: y, Anchor: "end", Text: clip(fmt.Sprintf("%d %s", i, what), 64)})
			c.Bars = append(c.Bars, bar{X: labelWidth, Y: y - barHeight + 2, W: max(w, 1), H: barHeight, Class: class,
				Title: fmt.Sprintf("layer %d: %s compressed, %s unpacked, %s wasted; %s", i, Bytes(l.Size), Bytes(l.Uncompressed), Bytes(l.Wasted), l.CreatedBy)})
			c.Texts = append(c.Texts, text{X: labelWidth + max(w, 1) + 6, Y: y, Text: Bytes(l.Size)})
		}
		y += rowHeight / 2
	}
	c.Height = y + rowHeight/2
	return c
}

// timeChart draws each scenario's median wall times, stock above
// optimized, on one scale.
func timeChart(r *Report) chart {
	top := 0.001
	for _, sc := range r.Scenarios {
		top = max(top, sc.Stock.Median, sc.Optimized.Median)
	}
	c := chart{Width: chartWidth}
	y := 0.0
	for _, sc := range r.Scenarios {
		y += rowHeight
		c.Texts = append(c.Texts, text{X: 0, Y: y, Class: "head", Text: sc.Title})
		if sc.Skipped != "" {
			c.Texts = append(c.Texts, text{X: labelWidth, Y: y, Text: "skipped: " + sc.Skipped})
			continue
		}
		for _, side := range []struct {
			name string
			s    Series
		}{{Stock, sc.Stock}, {Optimized, sc.Optimized}} {
			y += rowHeight
			w := max(barArea*side.s.Median/top, 1)
			c.Texts = append(c.Texts, text{X: labelWidth - 8, Y: y, Anchor: "end", Text: side.name})
			c.Bars = append(c.Bars, bar{X: labelWidth, Y: y - barHeight + 2, W: w, H: barHeight, Class: side.name,
				Title: fmt.Sprintf("%s, %s: median %s of %s", sc.Title, side.name, Seconds(side.s.Median), secondsList(side.s.Seconds))})
			c.Texts = append(c.Texts, text{X: labelWidth + w + 6, Y: y, Text: Seconds(side.s.Median)})
		}
	}
	c.Height = y + rowHeight
	return c
}

func secondsList(xs []float64) string {
	var parts []string
	for _, x := range xs {
		parts = append(parts, Seconds(x))
	}
	return strings.Join(parts, ", ")
}

// clip shortens s to at most n runes.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

var pageTemplate = template.Must(template.New("page").Funcs(template.FuncMap{
	"f": func(x float64) string { return fmt.Sprintf("%.1f", x) },
}).Parse(`<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" lang="en">
<head>
<meta charset="utf-8"/>
<title>{{.Title}}</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { padding: 0.2em 0.8em; border-bottom: 1px solid #ddd; text-align: right; }
th:first-child, td:first-child { text-align: left; }
pre { background: #f6f6f6; padding: 0.4em 0.8em; margin: 0.2em 0 0.8em; }
code { font-size: 90%; }
svg text { font: 12px sans-serif; fill: #222; }
svg text.head { font-weight: bold; }
rect.stock { fill: #e8833a; }
rect.optimized { fill: #3a7be8; }
rect.base { fill: #b8b8b8; }
.small { color: #666; font-size: 90%; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
{{with .Bench}}<p class="small">frontend image <code>{{.FrontendImage}}</code>; {{.Machine}}; {{.Date}}</p>{{end}}
{{if .BenchRows}}<table>
<tr>{{range .BenchHeader}}<th>{{.}}</th>{{end}}</tr>
{{range .BenchRows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</table>{{end}}
{{range .Reports}}<section>
<h2>{{.Name}}</h2>
<p class="small"><code>{{.Dockerfile}}</code>; builder <code>{{.Builder}}</code> {{.BuilderVersion}}; frontend image <code>{{.FrontendRef}}</code>; {{.Rounds}} round(s), medians</p>
<table>
<tr><th></th><th>stock</th><th>optimized</th><th>optimized/stock</th></tr>
{{range .Rows}}<tr><td>{{index . 0}}</td><td>{{index . 1}}</td><td>{{index . 2}}</td><td>{{index . 3}}</td></tr>
{{end}}</table>
<h3>Wall time</h3>
{{template "chart" .Times}}
<h3>Layers (compressed size)</h3>
{{template "chart" .Layers}}
<p class="small">stock <code>{{.Stock.Ref}}</code><br/>optimized <code>{{.Optimized.Ref}}</code></p>
<h3>What the passes changed</h3>
{{if .Changes}}<ul>
{{range .Changes}}<li><b>{{.Where}}</b> {{.Pass}}: {{.Message}}{{if .Text}}<pre>{{.Text}}</pre>{{end}}</li>
{{end}}</ul>{{else}}<p>Nothing.</p>{{end}}
{{if .Notes}}<h3>Notes</h3>
<ul>{{range .Notes}}<li>{{.}}</li>{{end}}</ul>{{end}}
</section>
{{end}}</body>
</html>
{{define "chart"}}<svg xmlns="http://www.w3.org/2000/svg" width="{{f .Width}}" height="{{f .Height}}" viewBox="0 0 {{f .Width}} {{f .Height}}" role="img">
{{range .Bars}}<rect x="{{f .X}}" y="{{f .Y}}" width="{{f .W}}" height="{{f .H}}" class="{{.Class}}"><title>{{.Title}}</title></rect>
{{end}}{{range .Texts}}<text x="{{f .X}}" y="{{f .Y}}"{{if .Anchor}} text-anchor="{{.Anchor}}"{{end}}{{if .Class}} class="{{.Class}}"{{end}}>{{.Text}}</text>
{{end}}</svg>{{end}}`))
