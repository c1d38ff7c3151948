package cpu_test

import (
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"github.com/bitnet-go/bitnet-bench/internal/kerneltest"
	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/cpu"
	"github.com/bitnet-go/bitnet-bench/memory"
)

// The kernels' weight copies live in the memory pool: Close gives them back
// and a second Run is an error, not a read of freed memory.
func TestCloseGivesWeightsBack(t *testing.T) {
	pool := memory.Default()
	for _, l := range cpu.Levels() {
		be := cpu.New(l)
		p := kerneltest.BitLinearProblem(rand.New(rand.NewPCG(3, 4)), 1, 2048, 1024, false) // 512 KiB of weights
		// Cleanups of kernels other tests dropped may free pool memory
		// meanwhile (never allocate it): hence the inequalities, and a
		// Prepare that a cleanup overlapped is measured again.
		var before, prepared uint64
		var k kernels.Kernel
		for try := 0; ; try++ {
			runtime.GC()
			before = pool.Stats().LiveBytes
			var err error
			if k, err = be.Prepare(p); err != nil {
				t.Fatal(err)
			}
			prepared = pool.Stats().LiveBytes
			if prepared >= before+512<<10 {
				break
			}
			if try == 4 {
				t.Fatalf("%s: Prepare took %d bytes from the pool (5 tries); want the 512 KiB of weights", l, int64(prepared)-int64(before))
			}
			if err := k.Close(); err != nil {
				t.Fatal(err)
			}
		}
		if err := k.Run(); err != nil {
			t.Fatal(err)
		}
		if err := k.Close(); err != nil {
			t.Fatal(err)
		}
		if got := pool.Stats().LiveBytes; got > before || got > prepared-512<<10 {
			t.Errorf("%s: %d live bytes after Close, %d before Prepare, %d after", l, got, before, prepared)
		}
		if err := k.Run(); err == nil {
			t.Errorf("%s: Run after Close succeeded", l)
		}
		if err := k.Close(); err != nil {
			t.Errorf("%s: second Close: %v", l, err)
		}

		q := make([]int8, 64*300)
		g, err := be.NewInt8GEMV(q, make([]float32, 64), 64, 300)
		if err != nil {
			continue // not implemented at this level
		}
		if err := g.Close(); err != nil {
			t.Fatal(err)
		}
		if err := g.Run(make([]float32, 64), make([]int8, 300), 1); err == nil {
			t.Errorf("%s: Int8GEMV Run after Close succeeded", l)
		}
	}
}

// A kernel dropped without Close gives its weights back once collected.
func TestDroppedKernelGivesWeightsBack(t *testing.T) {
	pool := memory.Default()
	before := pool.Stats().LiveBytes
	func() {
		p := kerneltest.BitLinearProblem(rand.New(rand.NewPCG(5, 6)), 1, 4096, 1024, false)
		k, err := cpu.New(cpu.Best()).Prepare(p)
		if err != nil {
			t.Fatal(err)
		}
		if err := k.Run(); err != nil {
			t.Fatal(err)
		}
	}()
	deadline := time.Now().Add(5 * time.Second)
	for pool.Stats().LiveBytes > before {
		if time.Now().After(deadline) {
			t.Fatalf("%d live bytes 5 s after the kernel was dropped, %d before", pool.Stats().LiveBytes, before)
		}
		runtime.GC()
		time.Sleep(time.Millisecond)
	}
}
