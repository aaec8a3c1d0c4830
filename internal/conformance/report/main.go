// Command report summarizes `go test -json` output of BuildKit's Dockerfile
// integration suite: counts of passed, failed and skipped tests (one per
// test function and matrix combination, as `TestIntegration/<Name>/worker=W/
// frontend=F[/k=v]`), of leaf subtests, and each failed leaf with a one-line
// cause.
//
//	go run ./internal/conformance/report -mode stock < stock.json > stock.txt
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"
)

type event struct {
	Action  string
	Test    string
	Output  string
	Elapsed float64
}

var (
	errLine  = regexp.MustCompile(`^\s*Error:\s*(.*)$`)
	noise    = regexp.MustCompile(`^\s*(Error Trace|Test|Messages):`)
	panicRe  = regexp.MustCompile(`^(panic: .*|.*\bfatal error: .*)$`)
	skipLine = regexp.MustCompile(`^\s*\S+\.go:\d+: (.*)$`)
)

func main() {
	mode := flag.String("mode", "", "mode name for the header")
	wall := flag.String("wall", "", "wall time for the header")
	baseline := flag.String("baseline", "", "a report (.txt) of the stock frontend to compare the failures with")
	flag.Parse()

	status := map[string]string{}
	out := map[string][]string{}
	var pkgFail bool
	var pkgOut []string
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var e event
		if json.Unmarshal(sc.Bytes(), &e) != nil {
			continue
		}
		if e.Test == "" {
			if e.Action == "fail" {
				pkgFail = true
			}
			if e.Action == "output" {
				pkgOut = append(pkgOut, e.Output)
			}
			continue
		}
		switch e.Action {
		case "output":
			if len(out[e.Test]) < 4000 {
				out[e.Test] = append(out[e.Test], strings.TrimRight(e.Output, "\n"))
			}
		case "pass", "fail", "skip":
			status[e.Test] = e.Action
		case "run":
			if _, ok := status[e.Test]; !ok {
				status[e.Test] = "run"
			}
		}
	}

	// Leaves: tests naming a worker that have no subtests of their own.
	var names []string
	for n := range status {
		names = append(names, n)
	}
	sort.Strings(names)
	parent := map[string]bool{}
	for _, n := range names {
		if i := strings.LastIndex(n, "/"); i > 0 {
			parent[n[:i]] = true
		}
	}
	// Tests: TestIntegration/<Name>/worker=W/frontend=F[/k=v...], the unit the
	// suite's matrix produces (nested subtests of a test below it are leaves).
	tcounts := map[string]int{}
	for _, n := range names {
		if isMatrixTest(n) {
			tcounts[status[n]]++
		}
	}
	counts := map[string]int{}
	var failed, unfinished []string
	for _, n := range names {
		if parent[n] || !strings.Contains(n, "/worker=") {
			continue
		}
		switch status[n] {
		case "pass":
			counts["passed"]++
		case "fail":
			counts["failed"]++
			failed = append(failed, n)
		case "skip":
			counts["skipped"]++
		default:
			counts["unfinished"]++
			unfinished = append(unfinished, n)
		}
	}
	total := counts["passed"] + counts["failed"] + counts["skipped"] + counts["unfinished"]
	ttotal := 0
	for _, v := range tcounts {
		ttotal += v
	}
	fmt.Printf("mode: %s\n", *mode)
	if *wall != "" {
		fmt.Printf("wall: %s\n", *wall)
	}
	fmt.Printf("date: %s\n", time.Now().UTC().Format(time.RFC3339))
	fmt.Printf("passed: %d\nfailed: %d\nskipped: %d\n", tcounts["pass"], tcounts["fail"], tcounts["skip"])
	if n := ttotal - tcounts["pass"] - tcounts["fail"] - tcounts["skip"]; n > 0 {
		fmt.Printf("unfinished: %d\n", n)
	}
	fmt.Printf("total: %d\n", ttotal)
	fmt.Printf("leaf subtests: %d passed, %d failed, %d skipped", counts["passed"], counts["failed"], counts["skipped"])
	if counts["unfinished"] > 0 {
		fmt.Printf(", %d unfinished", counts["unfinished"])
	}
	fmt.Printf(" of %d\n", total)
	if total == 0 && pkgFail {
		fmt.Printf("package failed before any test: %s\n", firstCause(pkgOut))
	}
	fmt.Println()
	fmt.Println("failures (leaf subtests):")
	for _, n := range failed {
		fmt.Printf("FAIL %s: %s\n", n, cause(n, out))
	}
	for _, n := range unfinished {
		fmt.Printf("UNFINISHED %s\n", n)
	}
	if *baseline != "" {
		compare(*baseline, failed, status)
	}
}

// compare prints the failures that the baseline report does not have, and the
// baseline's failures that ran here and did not fail.
func compare(path string, failed []string, status map[string]string) {
	b, err := os.ReadFile(path)
	if err != nil {
		fmt.Printf("\nbaseline %s: %v\n", path, err)
		return
	}
	base := map[string]bool{}
	for _, l := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(l, "FAIL "); ok {
			if i := strings.Index(rest, ": "); i > 0 {
				base[rest[:i]] = true
			}
		}
	}
	fmt.Printf("\ncompared with %s:\n", path)
	here := map[string]bool{}
	n := 0
	for _, f := range failed {
		here[f] = true
		if !base[f] {
			fmt.Printf("NEW FAIL %s\n", f)
			n++
		}
	}
	var fixed []string
	for f := range base {
		if !here[f] {
			fixed = append(fixed, f)
		}
	}
	sort.Strings(fixed)
	for _, f := range fixed {
		st := status[f]
		if st == "" {
			continue // not run here (a subset)
		}
		fmt.Printf("NO LONGER FAILS (%s) %s\n", st, f)
		n++
	}
	if n == 0 {
		fmt.Println("same failures")
	}
}

// isMatrixTest reports whether n is TestIntegration/<Name>/worker=W followed
// only by matrix segments (k=v).
func isMatrixTest(n string) bool {
	parts := strings.Split(n, "/")
	if len(parts) < 3 || !strings.HasPrefix(parts[2], "worker=") {
		return false
	}
	for _, p := range parts[3:] {
		if !strings.Contains(p, "=") {
			return false
		}
	}
	return true
}

// cause picks one line explaining the failure of test n, looking at its own
// output first and then at its parents'.
func cause(n string, out map[string][]string) string {
	for t := n; t != ""; {
		if c := firstCause(out[t]); c != "" {
			return c
		}
		i := strings.LastIndex(t, "/")
		if i < 0 {
			break
		}
		t = t[:i]
	}
	return "(no error line in the output)"
}

func firstCause(lines []string) string {
	for i, l := range lines {
		if m := errLine.FindStringSubmatch(l); m != nil {
			msg := strings.TrimSpace(m[1])
			// testify: "Received unexpected error:" / "Not equal:" then details.
			if strings.HasSuffix(msg, ":") {
				for j := i + 1; j < len(lines) && j <= i+3; j++ {
					next := strings.TrimSpace(lines[j])
					if next == "" || next == "Diff:" || noise.MatchString(lines[j]) || stackish(next) {
						break
					}
					msg += " " + next
				}
			}
			return clip(msg)
		}
		if m := panicRe.FindStringSubmatch(l); m != nil {
			return clip(strings.TrimSpace(m[1]))
		}
	}
	for _, l := range lines {
		if m := skipLine.FindStringSubmatch(l); m != nil {
			return clip(m[1])
		}
	}
	return ""
}

// stackish reports whether a line is part of a Go stack trace.
func stackish(s string) bool {
	return strings.HasPrefix(s, "github.com/") || strings.HasPrefix(s, "/") || strings.Contains(s, ".go:")
}

func clip(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 240 {
		s = s[:240] + "…"
	}
	return s
}
