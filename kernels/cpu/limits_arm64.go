//go:build !purego

package cpu

//go:noescape
func readNEON(p *byte, n int) uint64

func peakSDOT(iters int) uint64

func peakNEON(iters int) uint64

func readerFor(l Level) func([]byte) uint64 {
	switch l {
	case LevelNEON, LevelSDOT:
		// Loads are the same at both levels; only the arithmetic differs.
		return func(b []byte) uint64 {
			if len(b) == 0 {
				return 0
			}
			return readNEON(&b[0], len(b))
		}
	}
	return readGeneric
}

// peakFor returns the level's int8 peak loop and the MACs one iteration does.
func peakFor(l Level) (func(int) uint64, int) {
	switch l {
	case LevelSDOT:
		return peakSDOT, 16 * 16
	case LevelNEON:
		return peakNEON, 32 * 8
	}
	return nil, 0
}
