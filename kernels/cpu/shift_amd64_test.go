//go:build amd64 && !purego

package cpu_test

import (
	"testing"

	"github.com/bitnet-go/bitnet-bench/kernels/cpu"
)

// TestAVX512ShiftKernels runs the BitLinear tests through the AVX-512
// kernels that extract bit planes with shifts (the path for CPUs without
// GFNI), which the level would not pick on a machine that has GFNI.
func TestAVX512ShiftKernels(t *testing.T) {
	if !cpu.Supported(cpu.LevelAVX512) {
		t.Skip("no AVX-512 VNNI here")
	}
	restore := cpu.UseAVX512ShiftKernels()
	defer restore()
	TestBitLinearRandom(t)
	TestBitLinearEdgeValues(t)
}
