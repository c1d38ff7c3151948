package cpu

import "github.com/bitnet-go/bitnet-bench/kernels"

// matMulKernel is y = x·Wᵀ on a level's SIMD row loop, split over the
// worker pool by output rows; each chunk of rows meets every token while
// it is in cache.
type matMulKernel struct {
	p    *kernels.Problem
	rows func(y []float32, x, w []float32)
	pool *workerPool
	do   func(lo, hi int)
}

func newMatMulKernel(p *kernels.Problem, rows func(y []float32, x, w []float32), pool *workerPool) *matMulKernel {
	k := &matMulKernel{p: p, rows: rows, pool: pool}
	k.do = k.runRows
	return k
}

// matMulChunk rows of 2560 f32 weights are 40 KB: they stay in L1 while
// every token passes.
const matMulChunk = 4

func (k *matMulKernel) Run() error {
	k.pool.run(k.p.N, matMulChunk, k.do)
	return nil
}

func (k *matMulKernel) runRows(lo, hi int) {
	p := k.p
	for n := lo; n < hi; n += matMulChunk {
		e := min(n+matMulChunk, hi)
		w := p.W[n*p.K : e*p.K]
		for m := 0; m < p.M; m++ {
			k.rows(p.Y[m*p.N+n:m*p.N+e], p.X[m*p.K:(m+1)*p.K], w)
		}
	}
}

func (k *matMulKernel) Fetch() error { return nil }
func (k *matMulKernel) Close() error { return nil }
