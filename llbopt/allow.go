package llbopt

import "strings"

// allowAnywhere turns patterns of the build context (or of a tree a copy takes)
// into allowances for the paths they leave out, wherever the context lands
// in the image: a step may copy it to any destination. Exceptions ("!...")
// name what is kept, so they explain nothing.
func allowAnywhere(patterns []string) []Allow {
	var out []Allow
	for _, p := range patterns {
		if strings.HasPrefix(p, "!") {
			continue
		}
		out = append(out, Allow{Path: "/**/" + strings.TrimPrefix(p, "**/"), MissingOnly: true})
	}
	return out
}

// allowPackages turns Debian package names into allowances for their files.
func allowPackages(names []string) []Allow {
	out := make([]Allow, 0, len(names))
	for _, n := range names {
		out = append(out, Allow{Package: n, MissingOnly: true})
	}
	return out
}
