//go:build linux && amd64 && !purego

package cpu

import "testing"

// BenchmarkAVXVNNIVersusAVX2 times BitLinear at the avxvnni level on one
// thread and reports speedup-vs-avx2: the same problem at the avx2 level
// (the VPMADDUBSW loops the level replaces: the GEMV rows at b1, the GEMM
// panels at b8 and b128), timed alternately with it by thread CPU time.
func BenchmarkAVXVNNIVersusAVX2(b *testing.B) {
	if !Supported(LevelAVXVNNI) {
		b.Skip("this CPU has no AVX-VNNI")
	}
	levelVersus(b, LevelAVXVNNI, LevelAVX2, []int{1, 8, 128}, 3)
}
