package cpu

import (
	"fmt"
	"slices"
	"time"

	"github.com/bitnet-go/bitnet-bench/memory"
)

// Limits are this machine's own ceilings, measured in-process, that kernel
// throughput is set against (the roofline): how fast one core streams
// memory, and how many int8 multiply-accumulates it can issue.
type Limits struct {
	Level Level `json:"level"`
	// ReadBytesPerSec is the median single-thread streaming read rate over
	// a buffer of BufferBytes (sized past the caches, so it is DRAM).
	ReadBytesPerSec float64 `json:"read_bytes_per_sec"`
	BufferBytes     int     `json:"buffer_bytes"`
	// Int8MACsPerSec is the median single-core rate of the int8 dot-product
	// instruction sequence the level's kernels use; 0 when the level has none.
	Int8MACsPerSec float64 `json:"int8_macs_per_sec,omitempty"`
	// Int8Unavailable says why Int8MACsPerSec is 0.
	Int8Unavailable string `json:"int8_unavailable,omitempty"`
}

// MeasureLimits measures the read bandwidth on a buffer of bufBytes and the
// int8 peak at level, each as the median of several timed passes.
func MeasureLimits(level Level, bufBytes int) (Limits, error) {
	if !Supported(level) {
		return Limits{}, fmt.Errorf("cpu: level %s is not supported here", level)
	}
	l := Limits{Level: level, BufferBytes: bufBytes}
	bw, err := MeasureReadBandwidth(level, bufBytes)
	if err != nil {
		return l, err
	}
	l.ReadBytesPerSec = bw
	peak, err := MeasureInt8Peak(level)
	if err != nil {
		l.Int8Unavailable = err.Error()
	} else {
		l.Int8MACsPerSec = peak
	}
	return l, nil
}

// readPasses is the number of timed passes; the median is reported.
const readPasses = 7

// MeasureReadBandwidth streams a buffer of bufBytes once to fault it in and
// warm up, then times readPasses passes and returns the median bytes/s.
func MeasureReadBandwidth(level Level, bufBytes int) (float64, error) {
	if bufBytes < 1<<20 {
		return 0, fmt.Errorf("cpu: read-bandwidth buffer of %d bytes is too small to time; want at least 1 MiB", bufBytes)
	}
	read := readerFor(level)
	bufBytes &^= 255
	// Pool memory, like the weights the kernels stream (see poolBytes), so
	// the bound is what the machine reads at best.
	mem, err := memory.Default().AllocBytes(bufBytes, 64)
	if err != nil {
		return 0, fmt.Errorf("cpu: read-bandwidth buffer: %w", err)
	}
	defer mem.Free()
	buf := mem.Data()
	for i := 0; i < len(buf); i += 4096 {
		buf[i] = byte(i >> 12) // fault every page in before timing
	}
	sink := read(buf)
	rates := make([]float64, 0, readPasses)
	for i := 0; i < readPasses; i++ {
		t0 := time.Now()
		sink ^= read(buf)
		rates = append(rates, float64(bufBytes)/time.Since(t0).Seconds())
	}
	keep(sink)
	return median(rates), nil
}

// MeasureInt8Peak times the level's int8 dot-product sequence on registers
// alone and returns the median MACs/s of one core.
func MeasureInt8Peak(level Level) (float64, error) {
	peak, macsPerIter := peakFor(level)
	if peak == nil {
		return 0, fmt.Errorf("cpu: level %s has no int8 dot-product instructions to measure", level)
	}
	// Calibrate to about 20 ms a pass.
	iters := 1 << 16
	for {
		t0 := time.Now()
		keep(peak(iters))
		if d := time.Since(t0); d > 5*time.Millisecond {
			iters = int(float64(iters) * float64(20*time.Millisecond) / float64(d))
			break
		}
		iters *= 4
	}
	rates := make([]float64, 0, readPasses)
	for i := 0; i < readPasses; i++ {
		t0 := time.Now()
		keep(peak(iters))
		rates = append(rates, float64(iters)*float64(macsPerIter)/time.Since(t0).Seconds())
	}
	return median(rates), nil
}

// StreamRead returns the level's streaming read loop, the one the read
// bandwidth is measured with: it reads a whole buffer (a multiple of 256
// bytes is read in full) and returns a value that depends on every byte.
// Benchmarks use it to time a read pass beside a kernel pass over the same
// memory.
func StreamRead(l Level) func([]byte) uint64 { return readerFor(l) }

var sinkValue uint64

// keep stores v where the compiler cannot prove it unused.
func keep(v uint64) { sinkValue ^= v }

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// readGeneric is the portable streaming read: eight independent XOR chains.
func readGeneric(buf []byte) uint64 {
	var a [8]uint64
	for i := 0; i+64 <= len(buf); i += 64 {
		b := buf[i : i+64 : i+64]
		for j := range a {
			a[j] ^= uint64(b[8*j]) | uint64(b[8*j+1])<<8 | uint64(b[8*j+2])<<16 | uint64(b[8*j+3])<<24 |
				uint64(b[8*j+4])<<32 | uint64(b[8*j+5])<<40 | uint64(b[8*j+6])<<48 | uint64(b[8*j+7])<<56
		}
	}
	return a[0] ^ a[1] ^ a[2] ^ a[3] ^ a[4] ^ a[5] ^ a[6] ^ a[7]
}

// Int8PeakLoop returns the loop MeasureInt8Peak times at level l and the
// int8 MACs one iteration issues (nil, 0 where the level has none), so a
// benchmark can time it beside a kernel.
func Int8PeakLoop(l Level) (loop func(iters int) uint64, macsPerIter int) { return peakFor(l) }
