package llbopt

import (
	"fmt"

	"github.com/distribution/reference"
)

// HelperImage returns the image reference a helper exec runs from (the
// frontend's own image, whose static binary writes a squashed run's net
// change or compares two images in the build), or why there is none.
func HelperImage(source string) (string, string) {
	if source == "" {
		return "", "the frontend's own image, whose binary runs in the build, is unknown (the frontend runs in-process)"
	}
	named, err := reference.ParseNormalizedNamed(source)
	if err != nil {
		return "", fmt.Sprintf("the frontend's own image %q is not an image reference: %v", source, err)
	}
	return reference.TagNameOnly(named).String(), ""
}
