// Package llbopt decodes a marshalled LLB definition into a mutable graph,
// runs optimization passes over it, and encodes it back with every digest
// recomputed, so that an unchanged graph comes back byte for byte.
package llbopt
