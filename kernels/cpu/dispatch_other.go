//go:build purego || !(amd64 || arm64)

package cpu

// Without assembly only the generic level exists.
var supported = []Level{LevelGeneric}

func blockKernelsFor(Level) *blockKernels { return &genericKernels }
