//go:build purego || !(amd64 || arm64)

package cpu

func readerFor(Level) func([]byte) uint64 { return readGeneric }

func peakFor(Level) (func(int) uint64, int) { return nil, 0 }
