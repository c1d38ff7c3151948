package cpu

// Int8GEMVWoven is the matrix as the SIMD loop reads it.
func Int8GEMVWoven(g *Int8GEMV) []byte { return g.woven }

// SumInt8 is the per-token activation sum of the BitLinear driver.
func SumInt8(x []int8) int32 { return sumInt8(x) }
