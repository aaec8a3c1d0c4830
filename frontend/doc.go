// Package frontend is optfrontend's gateway build function: BuildKit's own
// Dockerfile frontend, unchanged, handed a gateway client whose Solve runs
// the llbopt passes over each graph before the daemon sees it.
package frontend
