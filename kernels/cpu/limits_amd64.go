//go:build !purego

package cpu

//go:noescape
func readAVX512(p *byte, n int) uint64

//go:noescape
func readAVX2(p *byte, n int) uint64

func peakVNNI(iters int) uint64

func peakAVX2(iters int) uint64

func readerFor(l Level) func([]byte) uint64 {
	switch l {
	case LevelAVX512:
		return func(b []byte) uint64 { return readAVX512(&b[0], len(b)) }
	case LevelAVX2:
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
	}
	return nil, 0
}
