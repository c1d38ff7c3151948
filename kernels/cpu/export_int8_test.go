package cpu

// Int8GEMVWoven is the matrix as the SIMD loop reads it.
func Int8GEMVWoven(g *Int8GEMV) []byte { return g.woven }
