package compare

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// elements parses a page as XML, strictly, and counts its elements by
// name; the page is written to be well-formed XHTML as well as HTML.
func elements(t *testing.T, page []byte) map[string]int {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(page))
	d.Strict = true
	count := map[string]int{}
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return count
		}
		require.NoError(t, err, "the page is not well-formed")
		if se, ok := tok.(xml.StartElement); ok {
			count[se.Name.Local]++
			for _, a := range se.Attr {
				if a.Name.Local == "src" || a.Name.Local == "href" {
					t.Errorf("the page refers to %s=%q: it must need nothing outside itself", a.Name.Local, a.Value)
				}
			}
		}
	}
}

func TestWriteHTML(t *testing.T) {
	r := sampleReport()
	var buf bytes.Buffer
	require.NoError(t, WriteHTML(&buf, "compare <x>", nil, r))
	count := elements(t, buf.Bytes())
	require.Equal(t, 2, count["svg"], "a chart of times and one of layers")
	// One bar per layer of each image, and one per frontend of each
	// scenario that ran.
	require.Equal(t, len(r.Stock.Layers)+len(r.Optimized.Layers)+2*2, count["rect"])
	require.Equal(t, 0, count["script"]+count["link"]+count["img"])
	page := buf.String()
	require.Contains(t, page, "compare &lt;x&gt;")
	require.Contains(t, page, "a note with &lt;markup&gt; &amp; ampersands")
	require.NotContains(t, page, "<markup>")
	require.Contains(t, page, "skipped: no dependency command")
	require.Equal(t, 1, strings.Count(page, "<!DOCTYPE html>"))
}

func TestWriteHTMLBench(t *testing.T) {
	b := &Bench{Machine: "AMD EPYC, 2 cores", Date: "2026-11-23", Rounds: 3, Reports: []*Report{sampleReport(), sampleReport()},
		Failed: []Failure{{Name: "broken", Error: "exit <1>"}}}
	var buf bytes.Buffer
	require.NoError(t, WriteHTML(&buf, "bench", b, b.Reports...))
	count := elements(t, buf.Bytes())
	require.Equal(t, 4, count["svg"])
	require.Equal(t, 2, count["section"])
	require.Contains(t, buf.String(), "AMD EPYC, 2 cores")
}

func TestLayerChartScalesToTheLargestLayer(t *testing.T) {
	c := layerChart(sampleReport())
	widest := 0.0
	for _, b := range c.Bars {
		widest = max(widest, b.W)
		require.GreaterOrEqual(t, b.W, 1.0, "a tiny layer still shows")
		require.LessOrEqual(t, b.X+b.W, c.Width)
		require.LessOrEqual(t, b.Y+b.H, c.Height)
	}
	require.Equal(t, barArea, widest)
}
