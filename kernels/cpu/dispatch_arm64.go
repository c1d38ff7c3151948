//go:build !purego

package cpu

import "github.com/klauspost/cpuid/v2"

// supported is decided once, at init. ASIMD (neon) is present on every
// arm64 system Go runs on: Go's own standard library requires it
// (internal/bytealg's search and compare loops use it unconditionally), so
// neon does not depend on cpuid, which on some systems (Windows, for one)
// reports no features at all. The dot product (FEAT_DotProd: optional in
// Armv8.2, mandatory from v8.4) comes from cpuid: HWCAP_ASIMDDP on Linux,
// hw.optional.arm.FEAT_DotProd on Darwin.
var supported = func() []Level {
	l := []Level{LevelGeneric, LevelNEON}
	if cpuid.CPU.Supports(cpuid.ASIMDDP) {
		l = append(l, LevelSDOT)
	}
	return l
}()

func blockKernelsFor(l Level) *blockKernels {
	switch l {
	case LevelNEON:
		return &neonKernels
	case LevelSDOT:
		return &sdotKernels
	}
	return &genericKernels
}
