//go:build linux && amd64 && !purego

package cpu

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/bitnet-go/bitnet-bench/internal/kerneltest"
)

// BenchmarkAVXVNNIVersusAVX2 times BitLinear at the avxvnni level on one
// thread and reports speedup-vs-avx2: the same problem at the avx2 level
// (the VPMADDUBSW loops the level replaces: the GEMV rows at b1, the GEMM
// panels at b8 and b128), timed alternately with it by thread CPU time.
func BenchmarkAVXVNNIVersusAVX2(b *testing.B) {
	if !Supported(LevelAVXVNNI) {
		b.Skip("this CPU has no AVX-VNNI")
	}
	r := rand.New(rand.NewPCG(3, 4))
	ms, shapes := []int{1, 8, 128}, [][2]int{{2560, 2560}, {640, 2560}, {3840, 2560}, {6912, 2560}, {13824, 2560}, {2560, 6912}}
	if testing.Short() {
		ms, shapes = ms[:2], shapes[:1]
	}
	for _, m := range ms {
		for _, s := range shapes {
			n, k := s[0], s[1]
			b.Run(fmt.Sprintf("%dx%d/b%d", n, k, m), func(b *testing.B) {
				p := kerneltest.BitLinearProblem(r, m, n, k, false)
				vnni, err := New(LevelAVXVNNI).Prepare(p)
				if err != nil {
					b.Fatal(err)
				}
				defer vnni.Close()
				avx2, err := New(LevelAVX2).Prepare(p)
				if err != nil {
					b.Fatal(err)
				}
				defer avx2.Close()
				for b.Loop() {
					vnni.Run()
				}
				b.ReportMetric(float64(m*n*k)*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "GMAC/s")
				b.StopTimer()
				t2, tv := pairedCPU(b, avx2, vnni, max(40/m, 3))
				b.ReportMetric(t2/tv, "speedup-vs-avx2")
			})
		}
	}
}
