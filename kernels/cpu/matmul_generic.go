package cpu

// matMulGeneric computes y = x·Wᵀ in float32 with four accumulators per
// dot product, which lets the compiler overlap the adds.
func matMulGeneric(y, x, w []float32, m, n, k int) {
	for i := 0; i < m; i++ {
		xr := x[i*k : (i+1)*k : (i+1)*k]
		for j := 0; j < n; j++ {
			y[i*n+j] = dotF32(xr, w[j*k:(j+1)*k:(j+1)*k])
		}
	}
}

func dotF32(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= len(a); i += 4 {
		s0 += a[i] * b[i]
		s1 += a[i+1] * b[i+1]
		s2 += a[i+2] * b[i+2]
		s3 += a[i+3] * b[i+3]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return (s0 + s1) + (s2 + s3)
}
