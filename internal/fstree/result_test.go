package fstree

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// manyChanges are two trees with more differences than a Result lists,
// with attributes and link groups that live in maps.
func manyChanges(t testing.TB) (stock, optimized *Tree) {
	var s, o []hdr
	for i := range 30 {
		name := fmt.Sprintf("app/f%02d", i)
		s = append(s, reg(name, "old").xattr("user.a", "1").xattr("user.b", "2").xattr("security.capability", "\x01"))
		o = append(o, reg(name, "new").xattr("user.b", "3").xattr("user.c", "4"))
		s = append(s, reg(fmt.Sprintf("cache/c%02d", i), "x"))
	}
	s = append(s, reg("l/a", "x"), hard("l/b", "l/a"), hard("l/c", "l/a"))
	o = append(o, reg("l/c", "x"), hard("l/b", "l/c"), reg("l/a", "x"))
	return treeOf(t, s), treeOf(t, o)
}

func TestCompareResult(t *testing.T) {
	stock, optimized := manyChanges(t)
	allow := []Allowance{
		{Pattern: "/cache", Pass: "cachemount", Line: 3, Reason: "cache mount"},
		{Pattern: "/nothing", Pass: "leftovers", Line: 8, Reason: "matches nothing"},
	}
	r, err := Compare(stock, optimized, allow)
	require.NoError(t, err)
	require.Equal(t, stock.Len(), r.StockEntries)
	require.Equal(t, optimized.Len(), r.OptimizedEntries)
	require.Equal(t, 31, r.Explained)       // /cache and its 30 files
	require.Equal(t, 30*2+3, r.Unexplained) // content and xattrs of each, three links
	require.Equal(t, r.Explained+r.Unexplained, r.Differences)
	require.Len(t, r.FirstUnexplained, shown)
	require.Len(t, r.FirstExplained, shown)
	require.Equal(t, "/app/f00 content", r.FirstUnexplained[0].Path+" "+r.FirstUnexplained[0].What)
	require.Equal(t, `security.capability=0x01, user.a="1", user.b="2"`, r.FirstUnexplained[1].Stock)
	require.Equal(t, `user.b="3", user.c="4"`, r.FirstUnexplained[1].Optimized)
	require.Equal(t, "cachemount", r.FirstExplained[0].Allowance.Pass)
	require.Equal(t, 31, r.Allowances[0].Explained)
	require.Equal(t, 0, r.Allowances[1].Explained)

	data, err := json.Marshal(r)
	require.NoError(t, err)
	var back Result
	require.NoError(t, json.Unmarshal(data, &back))
	require.Equal(t, r.FirstExplained[0].Allowance.Reason, back.FirstExplained[0].Allowance.Reason)
	require.Equal(t, r.Unexplained, back.Unexplained)
}

func TestCompareEmpty(t *testing.T) {
	tree := treeOf(t, []hdr{reg("a", "")})
	r, err := Compare(tree, tree, nil)
	require.NoError(t, err)
	data, err := json.Marshal(r)
	require.NoError(t, err)
	require.JSONEq(t, `{"stockEntries":2,"optimizedEntries":2,"differences":0,"explained":0,"unexplained":0,
		"firstUnexplained":[],"firstExplained":[],"allowances":[]}`, string(data))
}

// TestResultDeterministic reads, compares and encodes the same trees many
// times, serially and in parallel, and wants the same bytes each time.
func TestResultDeterministic(t *testing.T) {
	encode := func() (string, error) {
		stock, optimized := manyChanges(t)
		r, err := Compare(stock, optimized, []Allowance{{Pattern: "/cache/c1*", Pass: "p", Line: 1, Reason: "r"}})
		if err != nil {
			return "", err
		}
		data, err := json.MarshalIndent(r, "", "  ")
		return string(data), err
	}
	want, err := encode()
	require.NoError(t, err)
	for range 5 {
		got, err := encode()
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
	var wg sync.WaitGroup
	got := make([]string, 8)
	errs := make([]error, len(got))
	for i := range got {
		wg.Go(func() { got[i], errs[i] = encode() })
	}
	wg.Wait()
	for i := range got {
		require.NoError(t, errs[i])
		require.Equal(t, want, got[i])
	}
}
