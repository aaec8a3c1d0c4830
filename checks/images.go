package checks

import (
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

// checkBaseImages reports unpinned base images in the checked stages, and
// a full base image for the final stage when its -slim variant exists.
func checkBaseImages(c *checker) {
	for _, s := range c.df.checked() {
		r := s.image
		if s.base != nil || !r.known() || r.digest != "" {
			continue
		}
		if r.tag == "" || r.tag == "latest" {
			c.report(&RuleUnpinnedBaseImage, s.Comments, s.Location, RuleUnpinnedBaseImage.Format(r.String(), r.tag == "latest"))
		}
	}
	root := c.df.chain()[0]
	if root.base != nil || !root.image.known() || (root.image.tag == "" && root.image.digest != "") {
		return
	}
	// Only the final stage's base: a builder stage often needs the full
	// image's compilers, and what it leaves is not shipped.
	slim, _ := slimVariant(root.image, func(ref string) (bool, error) { return c.inputs.imageExists(ref), nil })
	if slim != "" {
		c.report(&RuleFullBaseImage, root.Comments, root.Location, RuleFullBaseImage.Format(root.image.String(), slim))
	}
}

// slimVariant returns the first -slim variant of img that exists, "" when
// none does.
func slimVariant(img imageRef, exists func(ref string) (bool, error)) (string, error) {
	for _, tag := range slimTags(img.tag) {
		candidate := img.name + ":" + tag
		ok, err := exists(candidate)
		if err != nil {
			return "", err
		}
		if ok {
			return candidate, nil
		}
	}
	return "", nil
}

// slimTags are the tags the official images give the -slim variant of tag,
// most likely first: python:3.12 -> 3.12-slim, python:3.12-bookworm ->
// 3.12-slim-bookworm, node:22-bookworm -> 22-bookworm-slim, latest -> slim.
// An alpine or already slim tag has none.
func slimTags(tag string) []string {
	lower := strings.ToLower(tag)
	switch {
	case tag == "" || tag == "latest":
		return []string{"slim"}
	case strings.Contains(lower, "slim") || strings.Contains(lower, "alpine"):
		return nil
	}
	tags := []string{tag + "-slim"}
	if i := strings.LastIndex(tag, "-"); i > 0 {
		tags = append(tags, tag[:i]+"-slim"+tag[i:])
	}
	return tags
}

// checkUser reports a final stage that runs as root: its last USER names
// root, or no USER in the final image's stages sets one and the base image
// runs as root.
func checkUser(c *checker) {
	chain := c.df.chain()
	var last *resolved
	for _, s := range chain {
		for i := range s.cmds {
			if _, ok := s.cmds[i].cmd.(*instructions.UserCommand); ok {
				last = &s.cmds[i]
			}
		}
	}
	if last != nil {
		if last.userKnown && isRoot(last.user) {
			c.report(&RuleRunAsRoot, last.cmd.Comments(), last.cmd.Location(), RuleRunAsRoot.Format(last.user))
		}
		return
	}
	if !imageRunsAsRoot(c, chain[0]) {
		return
	}
	t := c.df.target
	c.report(&RuleRunAsRoot, t.Comments, t.Location, RuleRunAsRoot.Format(""))
}

// imageRunsAsRoot tells whether the image a stage is built FROM runs as
// root, when that is known.
func imageRunsAsRoot(c *checker, s *stage) bool {
	switch {
	case s.base != nil:
		return false
	case s.image.name == scratch:
		return true
	case !s.image.known():
		return false
	}
	if u, ok := c.inputs.imageUser(s.image.String()); ok {
		return isRoot(u)
	}
	return !strings.Contains(s.image.tag, "nonroot")
}

// isRoot reads a USER value: user[:group], where "" and 0 are root too.
func isRoot(user string) bool {
	name, _, _ := strings.Cut(user, ":")
	return name == "" || name == "root" || name == "0"
}
