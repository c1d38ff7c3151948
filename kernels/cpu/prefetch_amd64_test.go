//go:build amd64 && !purego

package cpu_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/bitnet-go/bitnet-bench/internal/kerneltest"
	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/cpu"
	"github.com/bitnet-go/bitnet-bench/memory"
)

// The prefetch distance changes no result: prefetches never fault, even
// past the end of the weights. The four-stream kernels are off, so the
// one-stream kernels, which prefetch, take every row group.
func TestTwoBitPrefetchDistances(t *testing.T) {
	if !cpu.Supported(cpu.LevelAVX512) {
		t.Skip("no AVX-512 VNNI here")
	}
	defer cpu.SetFourStreams(cpu.SetFourStreams(false))
	defer cpu.SetTwoBitPrefetch(cpu.SetTwoBitPrefetch(0))
	defer cpu.SetInt8Prefetch(cpu.SetInt8Prefetch(0))
	for _, d := range []int{0, 64, 4096, 1 << 20} {
		cpu.SetTwoBitPrefetch(d)
		cpu.SetInt8Prefetch(d)
		TestBitLinearRandom(t)
		TestInt8GEMV(t)
	}
}

// BenchmarkTwoBitPrefetchSweep measures the one-stream AVX-512 GEMV (the
// four-stream kernels off) over a DRAM-sized set (the projections of 16
// 2B4T layers, 278 MB) at several prefetch distances (see sweep). It chose
// the distance in TWOBIT_BLOCK.
func BenchmarkTwoBitPrefetchSweep(b *testing.B) {
	defer cpu.SetFourStreams(cpu.SetFourStreams(false))
	buf, rounds, run := twoBitDRAMSet(b)
	sweep(b, "prefetch", cpu.SetTwoBitPrefetch, []int{2048, 3072, 4096, 4608, 6144, 8192, 16384}, rounds, buf, run)
}

// BenchmarkStreamsSweep compares the one-stream and four-stream AVX-512
// kernels, 2-bit over the DRAM set and int8 over the LM head, each against
// the four-stream read.
func BenchmarkStreamsSweep(b *testing.B) {
	setStreams := func(n int) int {
		if cpu.SetFourStreams(n == 4) {
			return 4
		}
		return 1
	}
	b.Run("2bit", func(b *testing.B) {
		buf, rounds, run := twoBitDRAMSet(b)
		sweep(b, "streams", setStreams, []int{1, 4}, rounds, buf, run)
	})
	b.Run("int8", func(b *testing.B) {
		buf, rounds, run := lmHead(b)
		sweep(b, "streams", setStreams, []int{1, 4}, rounds, buf, run)
	})
}

// twoBitDRAMSet prepares the AVX-512 BitLinear kernels of 16 2B4T layers
// (1 under -short) and returns a pool buffer of the same size for the read
// passes, the rounds a sweep should take, and a pass over the kernels.
func twoBitDRAMSet(b *testing.B) ([]byte, int, func() error) {
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
			b.Cleanup(func() { kern.Close() })
			ks = append(ks, kern)
		}
	}
	// The read passes stream pool memory, like the kernels' weight copies.
	return poolBuffer(b, bytes), rounds, func() error {
		for _, k := range ks {
			if err := k.Run(); err != nil {
				return err
			}
		}
		return nil
	}
}

// poolBuffer returns n bytes of pool memory, written, freed when b ends.
func poolBuffer(b *testing.B, n int) []byte {
	rb, err := memory.Default().AllocBytes(n, 64)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { rb.Free() })
	buf := rb.Data()
	for i := range buf {
		buf[i] = byte(i)
	}
	return buf
}

// BenchmarkInt8PrefetchSweep does the same for the int8 loop, four streams,
// over the 2B4T LM head (128256×2560, 328 MB).
func BenchmarkInt8PrefetchSweep(b *testing.B) {
	buf, rounds, run := lmHead(b)
	sweep(b, "prefetch", cpu.SetInt8Prefetch, []int{0, 2048, 4096, 8192, 16384}, rounds, buf, run)
}

// lmHead prepares the AVX-512 Int8GEMV of the 2B4T LM head (4096 rows
// under -short) and returns its woven weights for the read passes, the
// rounds a sweep should take, and one call.
func lmHead(b *testing.B) ([]byte, int, func() error) {
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
	b.Cleanup(func() { g.Close() })
	x, y := make([]int8, k), make([]float32, n)
	return cpu.Int8GEMVWoven(g), rounds, func() error { return g.Run(y, x, 1) }
}

// sweep runs, rounds times per benchmark iteration, for each value of a
// setting in turn: set it, time a read pass over buf (the level's
// streaming loop), time run. It reports each value's median read time /
// run time, its fraction of the read bandwidth, as
// pct-of-read-bw@name=value. Alternating values and read passes in one
// process cancels the machine's drift, which separate runs do not manage
// on a shared VM. set is restored at the end.
func sweep(b *testing.B, name string, set func(int) int, dists []int, rounds int, buf []byte, run func() error) {
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
		b.ReportMetric(100*ratios[i][len(ratios[i])/2], fmt.Sprintf("pct-of-read-bw@%s=%d", name, d))
	}
}
