//go:build amd64 && !purego

package cpu_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/cpu"
	"github.com/bitnet-go/bitnet-bench/kernels/kerneltest"
	"github.com/bitnet-go/bitnet-bench/memory"
)

// The prefetch distance changes no result: prefetches never fault, even
// past the end of the weights.
func TestTwoBitPrefetchDistances(t *testing.T) {
	if !cpu.Supported(cpu.LevelAVX512) {
		t.Skip("no AVX-512 VNNI here")
	}
	defer cpu.SetTwoBitPrefetch(cpu.SetTwoBitPrefetch(0))
	defer cpu.SetInt8Prefetch(cpu.SetInt8Prefetch(0))
	for _, d := range []int{0, 64, 4096, 1 << 20} {
		cpu.SetTwoBitPrefetch(d)
		cpu.SetInt8Prefetch(d)
		TestBitLinearRandom(t)
		TestInt8GEMV(t)
	}
}

// BenchmarkTwoBitPrefetchSweep measures the AVX-512 GEMV over a DRAM-sized
// set (the projections of 16 2B4T layers, 278 MB) at several prefetch
// distances (see sweepPrefetch). It chose the distance in TWOBIT_BLOCK.
func BenchmarkTwoBitPrefetchSweep(b *testing.B) {
	if !cpu.Supported(cpu.LevelAVX512) {
		b.Skip("no AVX-512 VNNI here")
	}
	layers, rounds := 16, 15
	if testing.Short() {
		layers, rounds = 1, 1
	}
	be := cpu.New(cpu.LevelAVX512)
	xq := map[int][]int8{2560: make([]int8, 2560), 6912: make([]int8, 6912)}
	rng := rand.New(rand.NewPCG(5, 6))
	var ks []kernels.Kernel
	bytes := 0
	for range layers {
		for _, s := range [][2]int{{3840, 2560}, {2560, 2560}, {13824, 2560}, {2560, 6912}} {
			n, k := s[0], s[1]
			w := kerneltest.RandomPacked2Bit(rng, n, k)
			bytes += len(w.Packed.Data)
			kern, err := be.Prepare(&kernels.Problem{Op: kernels.OpBitLinear, M: 1, N: n, K: k, Weights: w,
				XQ: xq[k], XScales: []float32{1}, Y: make([]float32, n)})
			if err != nil {
				b.Fatal(err)
			}
			defer kern.Close()
			ks = append(ks, kern)
		}
	}
	// The read passes stream pool memory, like the kernels' weight copies.
	rb, err := memory.Default().AllocBytes(bytes, 64)
	if err != nil {
		b.Fatal(err)
	}
	defer rb.Free()
	buf := rb.Data()
	for i := range buf {
		buf[i] = byte(i)
	}
	sweepPrefetch(b, cpu.SetTwoBitPrefetch, []int{2048, 3072, 4096, 4608, 6144, 8192, 16384}, rounds, buf, func() error {
		for _, k := range ks {
			if err := k.Run(); err != nil {
				return err
			}
		}
		return nil
	})
}

// BenchmarkInt8PrefetchSweep does the same for the int8 loop over the 2B4T
// LM head (128256×2560, 328 MB).
func BenchmarkInt8PrefetchSweep(b *testing.B) {
	if !cpu.Supported(cpu.LevelAVX512) {
		b.Skip("no AVX-512 VNNI here")
	}
	n, k, rounds := 128256, 2560, 9
	if testing.Short() {
		n, rounds = 4096, 1
	}
	q := make([]int8, n*k)
	for i := range q {
		q[i] = int8(i*7 + i>>9)
	}
	g, err := cpu.New(cpu.LevelAVX512).NewInt8GEMV(q, make([]float32, n), n, k)
	if err != nil {
		b.Fatal(err)
	}
	defer g.Close()
	x, y := make([]int8, k), make([]float32, n)
	sweepPrefetch(b, cpu.SetInt8Prefetch, []int{0, 2048, 4096, 8192, 16384}, rounds, cpu.Int8GEMVWoven(g),
		func() error { return g.Run(y, x, 1) })
}

// sweepPrefetch runs, rounds times per benchmark iteration, for each
// distance in turn: set it, time a read pass over buf (the level's
// streaming loop), time run. It reports each distance's median read time /
// run time, its fraction of the read bandwidth. Alternating distances and
// read passes in one process cancels the machine's drift, which separate
// runs do not manage on a shared VM. set is restored at the end.
func sweepPrefetch(b *testing.B, set func(int) int, dists []int, rounds int, buf []byte, run func() error) {
	read := cpu.StreamRead(cpu.LevelAVX512)
	defer set(set(0))
	ratios := make([][]float64, len(dists))
	b.ResetTimer()
	for range b.N {
		for range rounds {
			for i, d := range dists {
				set(d)
				t0 := time.Now()
				read(buf)
				tr := time.Since(t0)
				t0 = time.Now()
				if err := run(); err != nil {
					b.Fatal(err)
				}
				ratios[i] = append(ratios[i], tr.Seconds()/time.Since(t0).Seconds())
			}
		}
	}
	for i, d := range dists {
		slices.Sort(ratios[i])
		b.ReportMetric(100*ratios[i][len(ratios[i])/2], fmt.Sprintf("pct-of-read-bw@%d", d))
	}
}
