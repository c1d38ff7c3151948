package bench

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/ext"
)

// BenchmarkExtPaired measures other libraries' BitLinear kernels
// (BITNET_EXT_LIBS) against ours on the same problem, interleaved: per
// problem, every kernel is prepared (and checked) on one set of operands,
// then timed in alternating blocks of calls for pairedRounds rounds, and
// each external kernel reports its median call time over ours as
// x-<target> (above 1: slower than ours). ns/op is our kernel's. On a
// shared machine, drift between two separately timed cases can exceed the
// difference being measured; alternating blocks cancel it.
//
//	BITNET_EXT_LIBS=libbb_ggml.so:libbb_bitnet.so go test -run '^$' -bench ExtPaired ./bench/
func BenchmarkExtPaired(b *testing.B) {
	if os.Getenv(ext.EnvLibs) == "" {
		b.Skipf("set %s to the libraries to measure", ext.EnvLibs)
	}
	cfg := DefaultConfig()
	if testing.Short() {
		cfg = QuickConfig()
	}
	cfg.Ops = []kernels.Op{kernels.OpBitLinear}
	cfg.Devices = []string{"cpu", "ext"}
	cases, err := Catalogue(cfg)
	if err != nil {
		b.Fatal(err)
	}
	type problem struct {
		name  string
		cases []Case
	}
	var problems []*problem
	for _, c := range cases { // the catalogue orders by shape and batch, then backend
		name := strings.TrimPrefix(c.Name, "BitLinear/")
		name = name[:strings.LastIndex(name, "/i2/")]
		if len(problems) == 0 || problems[len(problems)-1].name != name {
			problems = append(problems, &problem{name: name})
		}
		p := problems[len(problems)-1]
		p.cases = append(p.cases, c)
	}
	for _, pr := range problems {
		b.Run(pr.name, func(b *testing.B) {
			ours := pr.cases[0]
			if ours.BackendName() != "cpu" || len(pr.cases) < 2 {
				b.Skip("no kernel of ours and another library's on this problem")
			}
			p, err := NewProblem(kernels.OpBitLinear, ours.Shape, cfg.Seed)
			if err != nil {
				b.Fatal(err)
			}
			var ks []kernels.Kernel
			var names []string
			for _, c := range pr.cases {
				k, err := c.Backend.Prepare(p) // an external one is checked against the reference here
				if kernels.IsNotImplemented(err) {
					continue
				}
				if err != nil {
					b.Fatalf("%s: %v", c.Name, err)
				}
				defer k.Close()
				ks = append(ks, k)
				names = append(names, target(c.Backend))
			}
			for b.Loop() {
				if err := ks[0].Run(); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			warm, calls, rounds := 3, 20, pairedRounds
			if testing.Short() {
				warm, calls, rounds = 1, 2, 2
			}
			times := make([][]float64, len(ks))
			for range rounds {
				for i, k := range ks {
					for j := range warm + calls {
						t0 := time.Now()
						if err := k.Run(); err != nil {
							b.Fatal(err)
						}
						if j >= warm {
							times[i] = append(times[i], time.Since(t0).Seconds())
						}
					}
				}
			}
			base := medianOf(times[0])
			b.ReportMetric(base*1e9, "ns/call")
			for i := 1; i < len(ks); i++ {
				b.ReportMetric(medianOf(times[i])/base, "x-"+names[i])
			}
		})
	}
}
