// Package compare builds one Dockerfile with the stock Dockerfile frontend
// and with optfrontend on the same BuildKit, in the situations a user
// rebuilds in (cold, warm, after a source change, after a dependency
// change), measures the images they push, and reports the difference as a
// text table, JSON and a self-contained HTML page.
package compare
