// Package manifest tells what a dependency install reads of the project it
// runs in: the manifests (requirements files; package.json with npm's,
// pnpm's or Yarn 1's lock and settings; go.mod; pyproject.toml with
// poetry's or uv's lock and settings; a Pipfile and its lock) and nothing
// else, or why it may read more.
//
// An install that reads only its manifests gives the same result whether
// the rest of the source is there or not, which is what lets a pass run it
// before the source is copied, so that a change to the source does not run
// it again. Every answer errs on the side of "may read more": an option,
// a manifest line or a script this package does not know is a refusal
// with its reason, never a guess.
package manifest
