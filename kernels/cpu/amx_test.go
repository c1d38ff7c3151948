package cpu_test

import (
	"runtime"
	"strings"
	"testing"

	"github.com/klauspost/cpuid/v2"

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
