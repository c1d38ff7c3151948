package cpu_test

import (
	"runtime"
	"strings"
	"testing"

	"github.com/klauspost/cpuid/v2"

	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/cpu"
)

// TestAMXUnavailable: the level is there exactly when no reason is given,
// and on a CPU without AMX-INT8 the reason is the CPU.
func TestAMXUnavailable(t *testing.T) {
	why := cpu.AMXUnavailable()
	t.Logf("AMX level supported: %v; reason: %q", cpu.Supported(cpu.LevelAMX), why)
	if (why == "") != cpu.Supported(cpu.LevelAMX) {
		t.Fatalf("Supported(amx) = %v, but the reason is %q", cpu.Supported(cpu.LevelAMX), why)
	}
	if runtime.GOARCH == "amd64" && runtime.GOOS == "linux" && !cpuid.CPU.Supports(cpuid.AMXTILE, cpuid.AMXINT8) && !strings.Contains(why, "no AMX-INT8") {
		t.Fatalf("CPU without AMX-INT8, reason %q does not say so", why)
	}
}

// TestAMXLevelOps: BitLinear is the amx level's one op (its others would
// be avx512vnni's code under its name), and ForOp sends the rest there.
func TestAMXLevelOps(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skipf("the amx level is amd64's; this is %s", runtime.GOARCH)
	}
	b := cpu.New(cpu.LevelAMX)
	for _, op := range []kernels.Op{kernels.OpBitLinear, kernels.OpQuantizeActivations, kernels.OpMatMul, kernels.OpUnpack2Bit} {
		if got, want := b.Implements(op), op == kernels.OpBitLinear; got != want {
			t.Errorf("amx Implements(%s) = %v, want %v", op, got, want)
		}
		want := cpu.LevelAMX
		if op != kernels.OpBitLinear {
			want = cpu.LevelAVX512
		}
		if got := b.ForOp(op).Level(); got != string(want) {
			t.Errorf("amx ForOp(%s) level %s, want %s", op, got, want)
		}
	}
	if avx := cpu.New(cpu.LevelAVX512); avx.ForOp(kernels.OpQuantizeActivations) != avx {
		t.Error("ForOp at avx512vnni is not the backend itself")
	}
}
