package fstree

// shown is how many differences of each kind a Result lists.
const shown = 20

// Result is what a comparison found, as the comparer writes it for the
// frontend to decode: the field names are stable, and the same trees and
// allowances give the same bytes.
type Result struct {
	// StockEntries and OptimizedEntries count the entries compared in
	// each tree, the root included.
	StockEntries     int `json:"stockEntries"`
	OptimizedEntries int `json:"optimizedEntries"`
	// Differences is Explained plus Unexplained.
	Differences int `json:"differences"`
	Explained   int `json:"explained"`
	Unexplained int `json:"unexplained"`
	// FirstUnexplained and FirstExplained are the first 20 of each, in
	// the order of Diff; an explained one carries its allowance.
	FirstUnexplained []Difference `json:"firstUnexplained"`
	FirstExplained   []Difference `json:"firstExplained"`
	// Allowances are the allowances given, in their order, each with the
	// number of differences it explained.
	Allowances []AllowanceUse `json:"allowances"`
}

// AllowanceUse is an allowance and how many differences it explained.
type AllowanceUse struct {
	Allowance
	Explained int `json:"explained"`
}

// Compare diffs stock's tree and the optimized one and explains the
// differences with allow (expanded by Expand for Package allowances to
// explain listed files). It fails only on an unusable allowance.
func Compare(stock, optimized *Tree, allow []Allowance) (Result, error) {
	return compareDiffs(stock, optimized, Diff(stock, optimized), allow)
}

// compareDiffs is Compare of the trees' differences diffs.
func compareDiffs(stock, optimized *Tree, diffs []Difference, allow []Allowance) (Result, error) {
	by, err := explain(diffs, allow)
	if err != nil {
		return Result{}, err
	}
	r := Result{
		StockEntries:     stock.Len(),
		OptimizedEntries: optimized.Len(),
		Differences:      len(diffs),
		FirstUnexplained: []Difference{},
		FirstExplained:   []Difference{},
		Allowances:       make([]AllowanceUse, len(allow)),
	}
	for i, a := range allow {
		r.Allowances[i].Allowance = a
	}
	for i, d := range diffs {
		if by[i] < 0 {
			r.Unexplained++
			if len(r.FirstUnexplained) < shown {
				r.FirstUnexplained = append(r.FirstUnexplained, d)
			}
			continue
		}
		r.Explained++
		r.Allowances[by[i]].Explained++
		if len(r.FirstExplained) < shown {
			d.Allowance = &r.Allowances[by[i]].Allowance
			r.FirstExplained = append(r.FirstExplained, d)
		}
	}
	return r, nil
}
