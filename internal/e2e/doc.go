// Package e2e holds the end-to-end tests: optfrontend against a real
// buildkitd, a real registry and the stock Dockerfile frontend, on the test
// bed that internal/testbed/up starts. The package has no code of its own
// outside its tests.
package e2e
