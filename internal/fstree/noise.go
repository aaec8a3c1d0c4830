package fstree

import (
	"bytes"
	"os"
	"path"
	"path/filepath"
	"regexp"
)

// noisePass is the Pass of the allowances the comparer adds itself.
const noisePass = "verify"

// noise are the allowances for files that record when a step ran rather
// than what it did. A step a pass rewrote runs again, so these hold other
// bytes than stock's even where the step did the same work; two stock
// builds with --no-cache differ there too. Each is as narrow as the
// tool's own habit: a log's content, never its mode or its being there,
// but for npm's debug logs, which are named by the time they were written.
var noise = []Allowance{
	{Pattern: "/var/log", ContentOnly: true, Reason: "logs record when a step ran (apt, dpkg)"},
	{Pattern: "/var/cache/ldconfig/aux-cache", ContentOnly: true, Reason: "ldconfig's cache records the times of the libraries it read"},
	{Pattern: "/**/.npm/_cacache/index-v5", ContentOnly: true, Reason: "npm's cache index records when each entry was fetched"},
	{Pattern: "/**/.npm/_logs/*-debug-*.log", Reason: "npm names its debug log by the time it was written"},
	{Pattern: "/**/.config/go/telemetry/local/*.count", Reason: "Go's telemetry counts each run of its tools, in a file named by the day"},
	{Pattern: "/tmp/v8-compile-cache-*", ContentOnly: true, Reason: "v8-compile-cache (yarn 1's) records which code a run compiled, which a warm package cache changes"},
}

// pycHeader is the size of a compiled Python file's header: magic,
// flags, then the source's mtime and size when flags is 0.
const pycHeader = 16

// pycNoise is the allowance for compiled Python files that differ from
// stock's only in the source mtime their header records: pip compiles a
// package it installs with the time it unpacked the source. A file that
// differs anywhere else, or whose header says it was checked by hash,
// is not explained.
func pycNoise(stockRoot, optimizedRoot string, diffs []Difference) Allowance {
	a := Allowance{Pattern: "/**/__pycache__/*.pyc", ContentOnly: true, Pass: noisePass,
		Reason: "a compiled Python file records the mtime of its source, which a step that runs again sets anew"}
	return contentNoise(a, stockRoot, optimizedRoot, diffs,
		func(p string) bool { return path.Ext(p) == ".pyc" }, onlySourceMtime)
}

// contentNoise narrows a to the content differences of the paths of
// diffs that pick takes and whose two files same tells apart from stock's
// by nothing but the noise it knows; a file either side cannot read is
// not explained.
func contentNoise(a Allowance, stockRoot, optimizedRoot string, diffs []Difference, pick func(string) bool, same func(stock, optimized []byte) bool) Allowance {
	a.only = map[string]map[string]bool{}
	for _, d := range diffs {
		if d.What != WhatContent || !pick(d.Path) {
			continue
		}
		s, err1 := os.ReadFile(filepath.Join(stockRoot, filepath.FromSlash(d.Path)))
		o, err2 := os.ReadFile(filepath.Join(optimizedRoot, filepath.FromSlash(d.Path)))
		if err1 == nil && err2 == nil && same(s, o) {
			a.only[d.Path] = map[string]bool{WhatContent: true}
		}
	}
	return a
}

// onlySourceMtime tells whether two compiled Python files are the same
// but for the source mtime field of a timestamp-based header (PEP 552).
func onlySourceMtime(a, b []byte) bool {
	if len(a) != len(b) || len(a) < pycHeader {
		return false
	}
	timestampBased := bytes.Equal(a[4:8], []byte{0, 0, 0, 0})
	return timestampBased && bytes.Equal(a[:8], b[:8]) && bytes.Equal(a[12:], b[12:])
}

// noiseAllowances are noise with their pass set, and the pyc allowance
// for diffs, after the build's own: a difference a pass explains is
// reported with that pass.
func noiseAllowances(stockRoot, optimizedRoot string, diffs []Difference) []Allowance {
	out := make([]Allowance, 0, len(noise)+1)
	for _, a := range noise {
		a.Pass = noisePass
		out = append(out, a)
	}
	return append(out, pycNoise(stockRoot, optimizedRoot, diffs), shadowNoise(stockRoot, optimizedRoot, diffs))
}

// shadowNoise is the allowance for /etc/shadow (and its backup) that
// differ from stock's only in the day of the last password change, the
// third field: useradd and passwd write the day they ran, so a step run on
// another day than stock's (or taken from a cache of another day) writes
// another number. Any other change is not explained.
func shadowNoise(stockRoot, optimizedRoot string, diffs []Difference) Allowance {
	a := Allowance{Pattern: "/etc/shadow*", ContentOnly: true, Pass: noisePass,
		Reason: "/etc/shadow records the day each account's password last changed, the day useradd ran"}
	return contentNoise(a, stockRoot, optimizedRoot, diffs,
		func(p string) bool { return p == "/etc/shadow" || p == "/etc/shadow-" }, onlyShadowDays)
}

// onlyShadowDays tells whether two shadow files hold the same lines but
// for the digits of each line's third field (lastchg, in days).
func onlyShadowDays(a, b []byte) bool {
	la, lb := bytes.Split(a, []byte("\n")), bytes.Split(b, []byte("\n"))
	if len(la) != len(lb) {
		return false
	}
	for i := range la {
		fa, fb := bytes.Split(la[i], []byte(":")), bytes.Split(lb[i], []byte(":"))
		if len(fa) != len(fb) {
			return false
		}
		for j := range fa {
			if bytes.Equal(fa[j], fb[j]) {
				continue
			}
			if j != 2 || !digits(fa[j]) || !digits(fb[j]) {
				return false
			}
		}
	}
	return true
}

func digits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}

// varies is the allowance for what stock's own build gives differently
// when it runs again: again is stock's tree from a second run of its
// steps. A difference of the optimized tree is explained only where the
// two stock trees differ in the same way (the same kind of difference at
// the same path), so a file stock's build writes anew each time (a
// compiled extension whose build directory is random, a timestamp) does
// not count against the passes, and nothing else does either.
//
// A path only one of stock's runs has, named by digits that change each
// run (a time, a random number), stands for every path of its shape: the
// optimized run makes a third name. Only a name with digits counts, and
// only as added or missing.
func varies(stock, again *Tree) Allowance {
	a := Allowance{Pattern: "/**", Pass: noisePass,
		Reason: "stock's own build gives other bytes here when it runs again",
		only:   map[string]map[string]bool{}, shapes: map[string]map[string]bool{}}
	for _, d := range Diff(stock, again) {
		if a.only[d.Path] == nil {
			a.only[d.Path] = map[string]bool{}
		}
		a.only[d.Path][d.What] = true
		if shape := pathShape(d.Path); shape != d.Path && (d.What == WhatAdded || d.What == WhatMissing) {
			if a.shapes[shape] == nil {
				a.shapes[shape] = map[string]bool{}
			}
			// Stock's second run adds its name where the first had
			// another: the optimized run may add a third, or lack the
			// first's.
			a.shapes[shape][WhatAdded] = true
			a.shapes[shape][WhatMissing] = true
		}
	}
	return a
}

// digitRun is a run of decimal digits in a path.
var digitRun = regexp.MustCompile(`[0-9]+`)

// pathShape is p with every run of digits as #.
func pathShape(p string) string { return digitRun.ReplaceAllString(p, "#") }
