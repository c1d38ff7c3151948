package cpu

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/kerneltest"
)

// TestGEMMAB (GEMM_AB=1): GEMM path against the GEMV path for the same M, and
// a one-token GEMV, alternating, medians. A development aid.
// threadCPU is this thread's CPU time: the machine is shared, and wall
// time of a long call counts the time others ran.
func threadCPU() time.Duration {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_THREAD_CPUTIME_ID, &ts)
	return time.Duration(ts.Nano())
}

func TestGEMMAB(t *testing.T) {
	if os.Getenv("GEMM_AB") == "" {
		t.Skip("GEMM_AB unset")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if v := os.Getenv("GEMM_UNPACK_FROM"); v != "" {
		fmt.Sscan(v, &gemmUnpackFrom)
	}
	r := rand.New(rand.NewPCG(1, 2))
	shapes := [][2]int{{2560, 2560}, {6912, 2560}, {2560, 6912}}
	for _, m := range []int{8, 128} {
		for _, s := range shapes {
			n, k := s[0], s[1]
			p := kerneltest.BitLinearProblem(r, m, n, k, false)
			p1 := kerneltest.BitLinearProblem(r, 1, n, k, false)
			pool := poolFor(1)
			old, _ := newBitLinearKernel(p, blockKernelsFor(LevelAVX512), epilogueFor(LevelAVX512), pool)
			gm, _ := newGEMMKernel(p, gemmFor(LevelAVX512), epilogueFor(LevelAVX512), pool)
			one, _ := newBitLinearKernel(p1, blockKernelsFor(LevelAVX512), epilogueFor(LevelAVX512), pool)
			ks := []kernels.Kernel{old, gm, one, hostKernel(func() error { keep(peakVNNI(2000)); return nil })}
			ts := make([][]float64, 4)
			calls := 20
			if m == 128 {
				calls = 3
			}
			for range 7 {
				for i, kk := range ks {
					kk.Run()
					for range calls {
						t0 := threadCPU()
						kk.Run()
						ts[i] = append(ts[i], (threadCPU() - t0).Seconds())
					}
				}
			}
			med := func(x []float64) float64 { slices.Sort(x); return x[len(x)/2] }
			o, g, b1, pk := med(ts[0]), med(ts[1]), med(ts[2]), 2000*1024/med(ts[3])/1e9
			macs := float64(m * n * k)
			fmt.Printf("%dx%d b%d: gemv-path %.0fus gemm %.0fus (%.2fx) b1 %.0fus; per-token/b1 old %.3f new %.3f; gemm %.1f GMAC/s = %.0f%% of peak %.0f\n",
				n, k, m, o*1e6, g*1e6, o/g, b1*1e6, o/float64(m)/b1, g/float64(m)/b1, macs/g/1e9, 100*macs/g/1e9/pk, pk)
			for _, kk := range ks {
				kk.Close()
			}
		}
	}
}

// TestGEMMTileRate (GEMM_AB=1): the 8-token tile alone on an L1-resident
// block, against the peak loop, alternating.
func TestGEMMTileRate(t *testing.T) {
	if os.Getenv("GEMM_AB") == "" {
		t.Skip("GEMM_AB unset")
	}
	groups := 64 // 48×256 weights: 12 KB
	w := make([]int8, groups*gemmChunkBytes)
	x := make([]int8, groups*4*8)
	out := make([]int32, 8*48)
	var tile, peak []float64
	for range 20 {
		t0 := time.Now()
		for range 1000 {
			avx512GEMM.tile[7](w, x, groups, out, false)
		}
		tile = append(tile, float64(1000*groups*4*48*8)/time.Since(t0).Seconds()/1e9)
		t0 = time.Now()
		keep(peakVNNI(20000))
		peak = append(peak, float64(20000*1024)/time.Since(t0).Seconds()/1e9)
	}
	slices.Sort(tile)
	slices.Sort(peak)
	fmt.Printf("tile8 %.1f GMAC/s (max %.1f), peak %.1f (max %.1f)\n", tile[10], tile[19], peak[10], peak[19])
}
