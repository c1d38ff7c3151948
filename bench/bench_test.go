package bench

import (
	"runtime"
	"strings"
	"testing"

	"github.com/bitnet-go/bitnet-bench/kernels"
	_ "github.com/bitnet-go/bitnet-bench/kernels/cpu" // registers the cpu backend
)

// The benchmarks iterate the same catalogue as the runner, one top-level
// benchmark per op, so `go test -bench 'BitLinear/2560x6912'` selects the
// same cases as `bitnet-bench compare --operations bitlinear --sizes 2560x6912`.
// Every ISA level the machine has runs side by side, and ops that split
// their work also run on all cores; -short runs the quick catalogue.

func BenchmarkBitLinear(b *testing.B)           { benchOp(b, kernels.OpBitLinear) }
func BenchmarkMatMul(b *testing.B)              { benchOp(b, kernels.OpMatMul) }
func BenchmarkQuantizeWeights(b *testing.B)     { benchOp(b, kernels.OpQuantizeWeights) }
func BenchmarkQuantizeActivations(b *testing.B) { benchOp(b, kernels.OpQuantizeActivations) }
func BenchmarkPack2Bit(b *testing.B)            { benchOp(b, kernels.OpPack2Bit) }
func BenchmarkUnpack2Bit(b *testing.B)          { benchOp(b, kernels.OpUnpack2Bit) }
func BenchmarkReLU(b *testing.B)                { benchOp(b, kernels.OpReLU) }
func BenchmarkGELU(b *testing.B)                { benchOp(b, kernels.OpGELU) }
func BenchmarkSiLU(b *testing.B)                { benchOp(b, kernels.OpSiLU) }
func BenchmarkSigmoid(b *testing.B)             { benchOp(b, kernels.OpSigmoid) }
func BenchmarkTanh(b *testing.B)                { benchOp(b, kernels.OpTanh) }

func benchOp(b *testing.B, op kernels.Op) {
	cfg := DefaultConfig()
	if testing.Short() {
		cfg = QuickConfig()
	}
	cfg.Ops = []kernels.Op{op}
	cfg.Levels = []string{"all"}
	if n := runtime.NumCPU(); n > 1 {
		cfg.Threads = []int{1, n}
	}
	cases, err := Catalogue(cfg)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range cases {
		b.Run(strings.TrimPrefix(c.Name, string(op)+"/"), func(b *testing.B) {
			if c.Unavailable != "" {
				b.Skipf("%s unavailable: %s", c.Backend.Name(), c.Unavailable)
			}
			p, err := NewProblem(c.Op, c.Shape, cfg.Seed)
			if err != nil {
				b.Fatal(err)
			}
			k, err := c.Backend.Prepare(p)
			if kernels.IsNotImplemented(err) {
				b.Skip(err)
			}
			if err != nil {
				b.Fatal(err)
			}
			defer k.Close()
			w := WorkOf(c.Op, c.Shape)
			b.SetBytes(w.Bytes)
			for b.Loop() {
				if err := k.Run(); err != nil {
					b.Fatal(err)
				}
			}
			if w.MACs > 0 {
				b.ReportMetric(float64(w.MACs)*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "GMAC/s")
			}
		})
	}
}
