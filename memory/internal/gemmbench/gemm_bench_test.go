package gemmbench

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/pack"
	"github.com/bitnet-go/bitnet-bench/kernels/quant"
	"github.com/bitnet-go/bitnet-bench/memory"
)

type gemm struct {
	m, n, k int
	w       *kernels.Weights
	x       []float32
}

func newGemm(b *testing.B) *gemm {
	const m, n, k = 8, 512, 1024
	rng := rand.New(rand.NewPCG(1, 2))
	codes := make([]int8, n*k)
	for i := range codes {
		codes[i] = int8(rng.IntN(3) - 1)
	}
	packed, err := pack.Pack2Bit(codes, n, k)
	if err != nil {
		b.Fatal(err)
	}
	x := make([]float32, m*k)
	for i := range x {
		x[i] = float32(rng.NormFloat64())
	}
	return &gemm{m, n, k, &kernels.Weights{Packed: packed, Scale: 0.02}, x}
}

// run does one GEMM with its activations and outputs allocated from p.
func (g *gemm) run(b *testing.B, p *memory.Pool) {
	xq, _ := p.AllocInt8(g.m * g.k)
	xs, _ := p.AllocFloat32(g.m)
	y, _ := p.AllocFloat32(g.m * g.n)
	if err := quant.QuantizeActivations(xq.Data(), xs.Data(), g.x, g.m, g.k); err != nil {
		b.Fatal(err)
	}
	kernels.RefBitLinear(&kernels.Problem{Op: kernels.OpBitLinear, M: g.m, N: g.n, K: g.k,
		XQ: xq.Data(), XScales: xs.Data(), Weights: g.w, Y: y.Data()})
	xq.Free()
	xs.Free()
	y.Free()
}

// BenchmarkBitLinearTracking runs a BitLinear GEMM (the kernel library's
// reference, M=8 N=512 K=1024) whose activations and outputs are allocated
// from the pool on every iteration, at each tracking level: Detailed must
// cost at most 1%. The Interleaved benchmark measures the ratio directly.
func BenchmarkBitLinearTracking(b *testing.B) {
	g := newGemm(b)
	for _, lvl := range []memory.TrackingLevel{memory.TrackNone, memory.TrackBasic, memory.TrackDetailed} {
		b.Run(fmt.Sprintf("%dx%dx%d/track=%v", g.m, g.n, g.k, lvl), func(b *testing.B) {
			p, err := memory.New(memory.Config{Tracking: lvl})
			if err != nil {
				b.Fatal(err)
			}
			defer p.Close()
			for range b.N {
				g.run(b, p)
			}
		})
	}
}

// BenchmarkBitLinearTrackingInterleaved alternates a pool with tracking off
// and one with Detailed tracking, iteration by iteration, and reports the
// ratio of their median iteration times: noise from other processes hits
// both sides alike.
func BenchmarkBitLinearTrackingInterleaved(b *testing.B) {
	g := newGemm(b)
	none, _ := memory.New(memory.Config{Tracking: memory.TrackNone})
	det, _ := memory.New(memory.Config{Tracking: memory.TrackDetailed})
	defer none.Close()
	defer det.Close()
	var tn, td []float64
	for i := range b.N {
		p, ts := none, &tn
		if i%2 == 1 {
			p, ts = det, &td
		}
		t0 := time.Now()
		g.run(b, p)
		*ts = append(*ts, float64(time.Since(t0)))
	}
	if len(tn) > 0 && len(td) > 0 {
		slices.Sort(tn)
		slices.Sort(td)
		b.ReportMetric(td[len(td)/2]/tn[len(tn)/2], "detailed/none")
	}
}
