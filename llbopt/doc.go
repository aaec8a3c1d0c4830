// Package llbopt decodes a marshalled LLB definition into a mutable graph,
// runs optimization passes over it, and encodes it back with every digest
// recomputed, so that an unchanged graph comes back byte for byte.
//
// The graph lives in graph.go, encode.go and validate.go; the helpers every
// pass may use in ops.go, buildcontext.go and reads.go; the layer model in
// chain.go, layers.go and effects.go; each pass in the file named after it,
// registered in passes.go. A pass uses helpers, never another pass
// (layout_test.go). See docs/ARCHITECTURE.md.
package llbopt
