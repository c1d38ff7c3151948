package cpu_test

import (
	"runtime"
	"strings"
	"testing"

	"github.com/klauspost/cpuid/v2"

	"github.com/bitnet-go/bitnet-bench/kernels/cpu"
)

// TestAMXUnavailable: there is no AMX kernel, so the answer always gives a
// reason, and on a CPU without AMX-INT8 that reason is the CPU.
func TestAMXUnavailable(t *testing.T) {
	why := cpu.AMXUnavailable()
	t.Log(why)
	if why == "" {
		t.Fatal("no reason given, but no AMX kernel exists")
	}
	if runtime.GOARCH == "amd64" && runtime.GOOS == "linux" && !cpuid.CPU.Supports(cpuid.AMXTILE, cpuid.AMXINT8) && !strings.Contains(why, "no AMX-INT8") {
		t.Fatalf("CPU without AMX-INT8, reason %q does not say so", why)
	}
}
