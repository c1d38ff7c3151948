// Package smoke is a tiny benchmark package for the corpus tests and the
// CI smoke run of regression-check --validate: one case of about 50µs.
package smoke

import "testing"

var sink uint64

func BenchmarkHash(b *testing.B) {
	for i := 0; i < b.N; i++ {
		x := uint64(i)
		for j := 0; j < 20000; j++ {
			x ^= x<<13 ^ x>>7 ^ uint64(j)
		}
		sink += x
	}
}
