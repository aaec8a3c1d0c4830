package compare

import (
	"time"

	"github.com/org/optfrontend/frontend"
)

// sampleReport is a report as Run makes it for a small image that a pass
// squashed, with a skipped scenario and text that needs escaping.
func sampleReport() *Report {
	layer := func(size, wasted int64, by string, base bool) Layer {
		return Layer{Digest: "sha256:" + by, Size: size, Uncompressed: 2 * size, Wasted: wasted, CreatedBy: by, Base: base}
	}
	stock := &Image{Ref: "localhost:5000/optctl/x:stock-cold@sha256:aa", Size: 50_812_648, Uncompressed: 100_000_000, BaseLayers: 1,
		OwnWasted: 19_856_468, BaseWasted: 1_063_339, ContextBytes: 926,
		Layers: []Layer{
			layer(29_100_000, 1_063_339, "ADD rootfs.tar /", true),
			layer(15_400_000, 19_856_468, "RUN apt-get update", false),
			layer(6_311_999, 0, "RUN apt-get install -y curl jq", false),
			layer(649, 0, "COPY statuscheck /usr/local/bin/statuscheck", false),
		}}
	opt := &Image{Ref: "localhost:5000/optctl/x:optimized-cold@sha256:bb", Size: 35_440_709, Uncompressed: 80_000_000, BaseLayers: 1,
		BaseWasted: 1_063_339, ContextBytes: 926,
		Layers: []Layer{
			layer(29_100_000, 1_063_339, "ADD rootfs.tar /", true),
			layer(6_340_060, 0, "RUN rm -rf /var/lib/apt/lists/*", false),
			layer(649, 0, "COPY statuscheck /usr/local/bin/statuscheck", false),
		}}
	return &Report{
		Name: "x", Context: "/src/x", Dockerfile: "/src/x/Dockerfile", Builder: "unix:///b.sock", BuilderVersion: "v0.34.2",
		FrontendImage: DefaultFrontendImage, FrontendDigest: "sha256:ff", Rounds: 3, Started: time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC),
		Stock: stock, Optimized: opt,
		Scenarios: []ScenarioResult{
			{Scenario: Scenario{Name: "cold", Title: "cold build (no cache)"},
				Stock: Series{Seconds: []float64{6, 5.5, 7}, Median: 6}, Optimized: Series{Seconds: []float64{5, 4, 6}, Median: 5}, Ratio: 5.0 / 6},
			{Scenario: Scenario{Name: "warm", Title: "warm rebuild, nothing changed"},
				Stock: Series{Seconds: []float64{0.1, 0.1, 0.1}, Median: 0.1}, Optimized: Series{Seconds: []float64{0.3, 0.2, 0.3}, Median: 0.3}, Ratio: 3},
			{Scenario: Scenario{Name: "dep", Title: "rebuild, one dependency added"}, Skipped: "no dependency command: pass --dep-cmd"},
		},
		Changes: []frontend.Finding{
			{Pass: "squash", Message: "exported Dockerfile:3-5 (3 layers) as one layer: `rm -rf <lists> && true`", Changed: true,
				File: "Dockerfile", Line: 5, EndLine: 5, Text: "RUN rm -rf /var/lib/apt/lists/* && echo '<done>' & wait"},
			{Pass: "squash", Message: "undone, the image keeps the Dockerfile's layers", Changed: true},
		},
		Builds: []Build{{Frontend: Stock, Scenario: "cold", Round: 1, Seconds: 6, Image: "localhost:5000/optctl/x:stock-cold@sha256:aa"}},
		Notes:  []string{"a note with <markup> & ampersands"},
	}
}
