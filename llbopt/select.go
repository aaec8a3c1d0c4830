package llbopt

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrUnknownPass is returned by Select for a pass name it does not know.
var ErrUnknownPass = errors.New("unknown pass")

// Entry is a known pass and whether it runs when the user says nothing.
type Entry struct {
	Pass    Pass
	Default bool
}

// Select parses a pass selection, the value of the BUILDKIT_OPT build arg,
// against the known passes, and returns the passes to run in the order of
// known. The selection is a list of words separated by commas or spaces,
// applied left to right to the default set:
//
//	off, none   no pass at all
//	all         every known pass
//	default     the default passes
//	-NAME       leave NAME out
//	NAME, +NAME run NAME too
//
// An empty selection gives the default passes.
func Select(known []Entry, spec string) ([]Pass, error) {
	on := map[string]bool{}
	names := make([]string, 0, len(known))
	for _, e := range known {
		on[e.Pass.Name()] = e.Default
		names = append(names, e.Pass.Name())
	}
	for _, word := range strings.FieldsFunc(spec, func(r rune) bool { return r == ',' || r == ' ' }) {
		if err := applyWord(known, on, word); err != nil {
			return nil, fmt.Errorf("%w %q in BUILDKIT_OPT=%q; known passes: %s", ErrUnknownPass, word, spec, knownList(names))
		}
	}
	var out []Pass
	for _, e := range known {
		if on[e.Pass.Name()] {
			out = append(out, e.Pass)
		}
	}
	return out, nil
}

func applyWord(known []Entry, on map[string]bool, word string) error {
	switch strings.ToLower(word) {
	case "off", "none":
		clear(on)
		return nil
	case "all":
		for _, e := range known {
			on[e.Pass.Name()] = true
		}
		return nil
	case "default":
		for _, e := range known {
			on[e.Pass.Name()] = e.Default
		}
		return nil
	}
	name, enable := strings.CutPrefix(word, "-")
	enable = !enable
	name = strings.TrimPrefix(name, "+")
	if !slices.ContainsFunc(known, func(e Entry) bool { return e.Pass.Name() == name }) {
		return ErrUnknownPass
	}
	on[name] = enable
	return nil
}

func knownList(names []string) string {
	if len(names) == 0 {
		return "(none yet)"
	}
	return strings.Join(names, ", ")
}
