//go:build amd64 && !purego

package cpu

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/bitnet-go/bitnet-bench/memory"
)

// TestStreamReadsCoverTheBuffer checks the SIMD levels' read loops, four
// streams and one, on sizes around their steps: the result is the XOR of
// every byte they must read (each quarter and the tail's whole steps),
// folded by position mod 8, so a loop that skips or repeats a step fails.
func TestStreamReadsCoverTheBuffer(t *testing.T) {
	r := rand.New(rand.NewPCG(71, 72))
	steps := map[Level]int{LevelAVX512: 256, LevelAVX2: 128}
	for l, step := range steps {
		if !Supported(l) {
			continue
		}
		for _, n := range []int{1, 127, 255, 256, 1023, 1024, 1100, 4*step + 3*step - 1, 4096 + 300, 65536 + 777, 1 << 20} {
			b := make([]byte, n)
			for i := range b {
				b[i] = byte(r.Uint32())
			}
			q := n / 4 / step * step
			covered := 4*q + (n-4*q)/step*step
			var want [8]byte
			for i := range covered {
				want[i%8] ^= b[i]
			}
			var w uint64
			for i, v := range want {
				w |= uint64(v) << (8 * i)
			}
			if got := readerFor(l)(b); got != w {
				t.Errorf("%s: four-stream read of %d bytes = %#x, want %#x", l, n, got, w)
			}
			covered = n / step * step
			want = [8]byte{}
			for i := range covered {
				want[i%8] ^= b[i]
			}
			w = 0
			for i, v := range want {
				w |= uint64(v) << (8 * i)
			}
			if got := oneStreamReaderFor(l)(b); got != w {
				t.Errorf("%s: one-stream read of %d bytes = %#x, want %#x", l, n, got, w)
			}
		}
	}
}

// BenchmarkReadStreams times the SIMD levels' one-stream and four-stream
// reads of a 256 MiB pool buffer, alternating, and reports each one's
// median rate and their ratio: why readerFor reads four streams.
func BenchmarkReadStreams(b *testing.B) {
	size, rounds := 256<<20, 15
	if testing.Short() {
		size, rounds = 4<<20, 1
	}
	for _, l := range []Level{LevelAVX512, LevelAVX2} {
		if !Supported(l) {
			continue
		}
		b.Run(string(l), func(b *testing.B) {
			mem, err := memory.Default().AllocBytes(size, 64)
			if err != nil {
				b.Fatal(err)
			}
			defer mem.Free()
			buf := mem.Data()
			for i := range buf {
				buf[i] = byte(i)
			}
			one, four := oneStreamReaderFor(l), readerFor(l)
			var r1, r4, ratio []float64
			for range b.N {
				for range rounds {
					t0 := time.Now()
					keep(one(buf))
					t1 := time.Since(t0).Seconds()
					t0 = time.Now()
					keep(four(buf))
					t4 := time.Since(t0).Seconds()
					r1, r4, ratio = append(r1, float64(size)/t1/1e9), append(r4, float64(size)/t4/1e9), append(ratio, t1/t4)
				}
			}
			b.ReportMetric(median(r1), "GB/s-one-stream")
			b.ReportMetric(median(r4), "GB/s-four-streams")
			b.ReportMetric(median(ratio), "four/one")
		})
	}
}
