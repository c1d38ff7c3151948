package pack

import (
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
)

// The benchmark matrix: a 2560×2560 projection, the hidden size of
// BitNet b1.58 2B.
const benchRows, benchCols = 2560, 2560

var benchSparsities = []float64{0, 0.5, 0.9, 0.99}

var benchCodes = sync.OnceValue(func() map[float64][]int8 {
	m := map[float64][]int8{}
	for i, s := range benchSparsities {
		m[s] = sparseCodes(rand.New(rand.NewPCG(uint64(i), 99)), benchRows*benchCols, s)
	}
	return m
})

// BenchmarkUnpack decodes the whole matrix row by row into a reused buffer.
// MB/s counts codes produced (one byte each).
func BenchmarkUnpack(b *testing.B) {
	for _, s := range Strategies() {
		b.Run(s.String(), func(b *testing.B) {
			for _, sp := range benchSparsities {
				b.Run(fmt.Sprintf("sparsity=%g", sp), func(b *testing.B) {
					codes := benchCodes()[sp]
					p, err := Pack(s, codes, benchRows, benchCols)
					if err != nil {
						b.Fatal(err)
					}
					dst := make([]int8, len(codes))
					copy(dst, codes) // fault the pages in before timing
					b.SetBytes(int64(len(codes)))
					for b.Loop() {
						unpackInto(p, dst)
					}
					// After the loop: b.Loop's timer reset drops metrics
					// reported before it.
					b.ReportMetric(p.BitsPerWeight(), "bits/weight")
				})
			}
		})
	}
}

// BenchmarkPack is the encode side, for reference.
func BenchmarkPack(b *testing.B) {
	for _, s := range Strategies() {
		b.Run(s.String(), func(b *testing.B) {
			for _, sp := range []float64{0, 0.99} {
				b.Run(fmt.Sprintf("sparsity=%g", sp), func(b *testing.B) {
					codes := benchCodes()[sp]
					b.SetBytes(int64(len(codes)))
					for b.Loop() {
						if _, err := Pack(s, codes, benchRows, benchCols); err != nil {
							b.Fatal(err)
						}
					}
				})
			}
		})
	}
}

// BenchmarkSelect is a whole Select with the default options: packing with
// every strategy, checking the round trips and timing the decodes.
func BenchmarkSelect(b *testing.B) {
	for _, sp := range []float64{0, 0.99} {
		b.Run(fmt.Sprintf("sparsity=%g", sp), func(b *testing.B) {
			codes := benchCodes()[sp]
			b.SetBytes(int64(len(codes)))
			var ch Choice
			for b.Loop() {
				var err error
				if ch, err = Select(codes, benchRows, benchCols, SelectOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			b.Logf("%v\n%s", ch.Reason, ch.Table())
		})
	}
}
