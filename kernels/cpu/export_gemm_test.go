package cpu

// SetGEMMUnpackFrom sets the token count from which the GEMM path unpacks
// a row block once instead of running the fused tiles, and returns the
// old one, so tests take both paths at any M.
func SetGEMMUnpackFrom(m int) int {
	old := gemmUnpackFrom
	gemmUnpackFrom = m
	return old
}

// HasGEMM reports whether level l runs BitLinear of several tokens on the
// GEMM path.
func HasGEMM(l Level) bool { return gemmFor(l) != nil }
