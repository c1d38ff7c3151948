//go:build purego || !amd64

package cpu

// epilogueFor: only amd64 AVX-512 has a SIMD epilogue so far.
func epilogueFor(Level) rowEpilogue { return epilogueGeneric }
