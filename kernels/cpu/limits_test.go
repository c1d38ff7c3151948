package cpu_test

import (
	"strings"
	"testing"

	"github.com/bitnet-go/bitnet-bench/kernels/cpu"
)

// The limits are measurements, so the tests check that they are sane and
// consistent, not that they reach a figure.
func TestMeasureLimits(t *testing.T) {
	for _, l := range cpu.Levels() {
		lim, err := cpu.MeasureLimits(l, 8<<20)
		if err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		// Anything under 100 MB/s or over 10 TB/s for one core is a broken
		// timer or loop; under the race detector the Go loop is instrumented,
		// so only the ceiling applies.
		if (lim.ReadBytesPerSec < 1e8 && !raceEnabled) || lim.ReadBytesPerSec > 1e13 || lim.ReadBytesPerSec <= 0 {
			t.Errorf("%s: read bandwidth %.3g B/s is not plausible", l, lim.ReadBytesPerSec)
		}
		if l == cpu.LevelGeneric {
			if lim.Int8MACsPerSec != 0 || !strings.Contains(lim.Int8Unavailable, "no int8") {
				t.Errorf("generic: int8 peak %v, reason %q", lim.Int8MACsPerSec, lim.Int8Unavailable)
			}
			continue
		}
		if lim.Int8MACsPerSec < 1e9 || lim.Int8MACsPerSec > 1e14 {
			t.Errorf("%s: int8 peak %.3g MAC/s is not plausible", l, lim.Int8MACsPerSec)
		}
		t.Logf("%s: read %.1f GB/s on 8 MiB, int8 peak %.1f GMAC/s", l, lim.ReadBytesPerSec/1e9, lim.Int8MACsPerSec/1e9)
	}
	if _, err := cpu.MeasureReadBandwidth(cpu.LevelGeneric, 1000); err == nil {
		t.Error("a 1000-byte buffer was timed")
	}
}
