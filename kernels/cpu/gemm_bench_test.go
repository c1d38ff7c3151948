//go:build linux

package cpu

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/bitnet-go/bitnet-bench/internal/kerneltest"
	"github.com/bitnet-go/bitnet-bench/kernels"
)

// BenchmarkGEMMPaths times the GEMM path of each level that has one on
// one thread and reports speedup-vs-gemv-path: the same M-token problem on
// the GEMV path (the one-token row loops once per token, what BitLinear of
// several tokens ran before the GEMM path), timed alternately with it by
// thread CPU time (the machine is shared; see bench's threadCPU).
func BenchmarkGEMMPaths(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, l := range Levels() {
		gk := gemmFor(l)
		if gk == nil {
			continue
		}
		ms, shapes := []int{8, 128}, [][2]int{{2560, 2560}, {6912, 2560}, {2560, 6912}}
		if testing.Short() { // the smoke run
			ms, shapes = ms[:1], shapes[:1]
		}
		for _, m := range ms {
			for _, s := range shapes {
				n, k := s[0], s[1]
				b.Run(fmt.Sprintf("%dx%d/b%d/%s", n, k, m, l), func(b *testing.B) {
					p := kerneltest.BitLinearProblem(r, m, n, k, false)
					pool := poolFor(1)
					gemv, err := newBitLinearKernel(p, blockKernelsFor(l), epilogueFor(l), pool)
					if err != nil {
						b.Fatal(err)
					}
					defer gemv.Close()
					gemm, err := newGEMMKernel(p, gk, epilogueFor(l), pool)
					if err != nil {
						b.Fatal(err)
					}
					defer gemm.Close()
					for b.Loop() {
						gemm.Run()
					}
					b.ReportMetric(float64(m*n*k)*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "GMAC/s")
					b.StopTimer()
					tv, tg := pairedCPU(b, gemv, gemm, max(40/m, 3))
					b.ReportMetric(tv/tg, "speedup-vs-gemv-path")
				})
			}
		}
	}
}

// pairedCPU alternates blocks of calls of a and c, 9 rounds, and returns
// the median thread CPU time of a call of each.
func pairedCPU(b *testing.B, a, c kernels.Kernel, calls int) (ta, tc float64) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	now := func() time.Duration { return threadNow(b) }
	var xa, xc []float64
	for range 9 {
		for _, kk := range []struct {
			k    kernels.Kernel
			into *[]float64
		}{{a, &xa}, {c, &xc}} {
			kk.k.Run() // back into the caches
			for range calls {
				t0 := now()
				kk.k.Run()
				*kk.into = append(*kk.into, (now() - t0).Seconds())
			}
		}
	}
	slices.Sort(xa)
	slices.Sort(xc)
	return xa[len(xa)/2], xc[len(xc)/2]
}

// threadNow is the calling thread's CPU time (lock the goroutine to its
// thread around the interval).
func threadNow(b testing.TB) time.Duration {
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ts.Nano())
}

// levelVersus times BitLinear at level l on one thread on the six 2B4T
// shapes at each of ms tokens (the first shape and M under -short) and
// reports speedup-vs-<base>: the same problem at level base, timed
// alternately with it by thread CPU time.
func levelVersus(b *testing.B, l, base Level, ms []int, seed uint64) {
	r := rand.New(rand.NewPCG(seed, seed+1))
	shapes := [][2]int{{2560, 2560}, {640, 2560}, {3840, 2560}, {6912, 2560}, {13824, 2560}, {2560, 6912}}
	if testing.Short() {
		ms, shapes = ms[:1], shapes[:1]
	}
	for _, m := range ms {
		for _, s := range shapes {
			n, k := s[0], s[1]
			b.Run(fmt.Sprintf("%dx%d/b%d", n, k, m), func(b *testing.B) {
				p := kerneltest.BitLinearProblem(r, m, n, k, false)
				kl, err := New(l).Prepare(p)
				if err != nil {
					b.Fatal(err)
				}
				defer kl.Close()
				kb, err := New(base).Prepare(p)
				if err != nil {
					b.Fatal(err)
				}
				defer kb.Close()
				for b.Loop() {
					kl.Run()
				}
				b.ReportMetric(float64(m*n*k)*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "GMAC/s")
				b.StopTimer()
				tb, tl := pairedCPU(b, kb, kl, max(40/m, 3))
				b.ReportMetric(tb/tl, "speedup-vs-"+string(base))
			})
		}
	}
}
