package cpu

import (
	"sync/atomic"
	"testing"
)

// TestPoolCoversRangeOnce: every index in [0, n) is done exactly once, in
// chunks that respect the grain, for awkward n, grain and widths.
func TestPoolCoversRangeOnce(t *testing.T) {
	for _, threads := range []int{1, 2, 3, 5} {
		p := poolFor(threads)
		for _, grain := range []int{1, 4, 7} {
			for n := 1; n < 200; n++ {
				hits := make([]atomic.Int32, n)
				p.run(n, grain, func(lo, hi int) {
					if lo%grain != 0 {
						t.Errorf("threads %d grain %d n %d: chunk starts at %d", threads, grain, n, lo)
					}
					for i := lo; i < hi; i++ {
						hits[i].Add(1)
					}
				})
				for i := range hits {
					if h := hits[i].Load(); h != 1 {
						t.Fatalf("threads %d grain %d n %d: index %d done %d times", threads, grain, n, i, h)
					}
				}
			}
		}
	}
}
