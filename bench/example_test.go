package bench_test

import (
	"context"
	"fmt"
	"time"

	"github.com/bitnet-go/bitnet-bench/bench"
	"github.com/bitnet-go/bitnet-bench/kernels"
)

// Run measures a selection of the catalogue into a results file, as
// bitnet-bench compare does: here BitLinear on one small shape at the
// portable level, with short samples.
func ExampleRun() {
	cfg := bench.QuickConfig()
	cfg.Ops = []kernels.Op{kernels.OpBitLinear}
	cfg.Sizes, cfg.Batches, cfg.Levels = []bench.Size{{N: 64, K: 256}}, []int{1, 8}, []string{"generic"}
	cfg.Warmup, cfg.SampleTime = time.Millisecond, 200*time.Microsecond
	f, err := bench.Run(context.Background(), bench.RunConfig{Config: cfg})
	if err != nil {
		panic(err)
	}
	for _, c := range f.Cases {
		fmt.Println(c.Name, c.Status, len(c.SamplesNs), "samples", c.MACsPerOp, "MACs/op")
	}
	// Output:
	// BitLinear/64x256/b1/i2/generic ok 10 samples 16384 MACs/op
	// BitLinear/64x256/b8/i2/generic ok 10 samples 131072 MACs/op
}
