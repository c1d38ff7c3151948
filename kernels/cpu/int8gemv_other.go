//go:build purego || !amd64

package cpu

// int8RowsFor: only amd64 AVX-512 VNNI has an int8 × int8 row loop so far.
func int8RowsFor(Level) func(w []byte, stride int, xu []byte, out []int32) { return nil }
