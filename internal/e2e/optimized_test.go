package e2e

import (
	"path/filepath"
	"regexp"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// mountReport matches the cachemount pass's report in buildx's output.
var mountReport = regexp.MustCompile(`optfrontend cachemount: cache mount for (\S+) at (\S+) `)

// TestExamplesOptimized builds every example with the default passes,
// through buildx and the syntax line, and proves the result equivalent to
// stock: its filesystem differs from the stock image's only inside the
// cache directories the report names (after subtracting what differs
// between two stock builds anyway), and it passes the smoke check.
func TestExamplesOptimized(t *testing.T) {
	for _, dir := range exampleDirs(t) {
		name := filepath.Base(dir)
		t.Run(name, func(t *testing.T) {
			stockRef, againRef, optRef := ref("e2e/"+name+":stock"), ref("e2e/"+name+":stock-again"), ref("e2e/"+name+":optimized")
			stockBuild(t, dir, stockRef)
			stockBuild(t, dir, againRef, "--no-cache")
			out := optBuild(t, dir, optRef)

			var cacheDirs []string
			for _, m := range mountReport.FindAllStringSubmatch(out, -1) {
				cacheDirs = append(cacheDirs, m[2])
			}
			require.NotEmpty(t, cacheDirs, "every example calls a package manager; the report names no cache mount:\n%s", tail(out, 30))

			stock := filesystem(t, image(t, stockRef, nil))
			noise := diffPaths(stock, filesystem(t, image(t, againRef, nil)))
			t.Logf("%d paths differ between two stock builds", len(noise))
			var unexplained []string
			for _, p := range diffPaths(stock, filesystem(t, image(t, optRef, nil))) {
				inCache := slices.ContainsFunc(cacheDirs, func(d string) bool { return under(p, d) })
				if !inCache && !slices.Contains(noise, p) {
					unexplained = append(unexplained, p)
				}
			}
			require.Empty(t, unexplained, "the optimized image differs from stock outside the cache directories %v", cacheDirs)

			smoke(t, dir, optRef)
		})
	}
}
