//go:build purego || !amd64

package cpu

func vecKernelsFor(Level) *vecKernels { return &vecKernels{} }
