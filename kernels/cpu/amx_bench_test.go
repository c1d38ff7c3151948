//go:build linux && amd64 && !purego

package cpu

import "testing"

// BenchmarkAMXVersusVNNI times BitLinear at the AMX level on one thread
// and reports speedup-vs-avx512vnni: the same problem at the avx512vnni
// level (whose loops the AMX level replaces for whole 16-token tiles),
// timed alternately with it by thread CPU time. The peak sub-benchmark
// reports both levels' int8 peak loops (MeasureInt8Peak) and their ratio.
func BenchmarkAMXVersusVNNI(b *testing.B) {
	if !Supported(LevelAMX) {
		b.Skip(AMXUnavailable())
	}
	b.Run("peak", func(b *testing.B) {
		var amx, vnni float64
		for b.Loop() {
			var err error
			if amx, err = MeasureInt8Peak(LevelAMX); err != nil {
				b.Fatal(err)
			}
			if vnni, err = MeasureInt8Peak(LevelAVX512); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(amx/1e9, "amx-GMAC/s")
		b.ReportMetric(vnni/1e9, "vnni-GMAC/s")
		b.ReportMetric(amx/vnni, "amx/vnni")
	})
	levelVersus(b, LevelAMX, LevelAVX512, []int{16, 128}, 5)
}
