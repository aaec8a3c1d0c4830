// Package layerstat measures the layers of a container image: their sizes,
// how many files and whiteouts each adds, and how many bytes each carries that
// a later layer deletes or replaces and so never reach the final filesystem.
package layerstat
