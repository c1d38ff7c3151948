//go:build !purego

package cpu

//go:noescape
func readAVX512(p *byte, n int) uint64

//go:noescape
func readAVX2(p *byte, n int) uint64

//go:noescape
func read4AVX512(p *byte, q int) uint64

//go:noescape
func read4AVX2(p *byte, q int) uint64

func peakVNNI(iters int) uint64

func peakAVX2(iters int) uint64

func peakAVXVNNI(iters int) uint64

// lookupVPERMW is a table-lookup loop timed beside peakVNNI (see
// BenchmarkLookupVersusVNNI); 16·32·3 MACs an iteration.
func lookupVPERMW(iters int) uint64

// readerFor returns the level's streaming read. The SIMD levels read the
// buffer as four quarter streams side by side, then the tail as one: on
// the 2-core EPYC one core reads DRAM 10-15% faster that way than as one
// sequential stream (BenchmarkReadStreams), so the bound is the best the
// core does, not the easiest loop's rate.
func readerFor(l Level) func([]byte) uint64 {
	switch l {
	case LevelAVX512, LevelAMX:
		return func(b []byte) uint64 { return readQuarters(b, 256, read4AVX512, readAVX512) }
	case LevelAVX2, LevelAVXVNNI:
		return func(b []byte) uint64 { return readQuarters(b, 128, read4AVX2, readAVX2) }
	}
	return readGeneric
}

// readQuarters reads b's four quarters (each a multiple of step bytes) with
// four, and the rest with one.
func readQuarters(b []byte, step int, four func(p *byte, q int) uint64, one func(p *byte, n int) uint64) uint64 {
	if len(b) == 0 {
		return 0
	}
	q := len(b) / 4 / step * step
	var v uint64
	if q > 0 {
		v = four(&b[0], q)
	}
	if rest := b[4*q:]; len(rest) > 0 {
		v ^= one(&rest[0], len(rest))
	}
	return v
}

// oneStreamReaderFor is readerFor's one-stream loop, which BenchmarkReadStreams
// compares with it.
func oneStreamReaderFor(l Level) func([]byte) uint64 {
	switch l {
	case LevelAVX512, LevelAMX:
		return func(b []byte) uint64 { return readAVX512(&b[0], len(b)) }
	case LevelAVX2, LevelAVXVNNI:
		return func(b []byte) uint64 { return readAVX2(&b[0], len(b)) }
	}
	return readGeneric
}

// peakFor returns the level's int8 peak loop and the MACs one iteration does.
func peakFor(l Level) (func(int) uint64, int) {
	switch l {
	case LevelAVX512:
		return peakVNNI, 16 * 64
	case LevelAVX2:
		return peakAVX2, 8 * 32
	case LevelAVXVNNI:
		return peakAVXVNNI, 12 * 32
	case LevelAMX:
		return amxPeak()
	}
	return nil, 0
}
