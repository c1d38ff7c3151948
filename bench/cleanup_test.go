package bench

import (
	"testing"

	"github.com/bitnet-go/bitnet-bench/bench/results"
	"github.com/bitnet-go/bitnet-bench/kernels"
)

// BenchmarkCleanup runs each cleanup strategy on the allocation cycle of a
// 6912x2560 BitLinear call (640x2560 with -short), one token: the suite
// behind compare --cleanup, under the same names.
func BenchmarkCleanup(b *testing.B) {
	cfg := Config{Devices: []string{"cpu"}, Cleanup: CleanupStrategies, Sizes: []Size{{6912, 2560}}, Batches: []int{1}}
	if testing.Short() {
		cfg.Sizes = []Size{{640, 2560}}
	}
	cases, err := cleanupCases(cfg)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range cases {
		benchPrepared(b, c.Name, func() (kernels.Kernel, Work, error) { return prepareCleanup(&c) },
			func(k kernels.Kernel) (float64, string) {
				return k.(*cleanupKernel).metrics(0)["bytes-released/op"], "bytes-released/op"
			})
	}
}

func TestParseCleanup(t *testing.T) {
	if got, err := ParseCleanup("all"); err != nil || len(got) != len(CleanupStrategies) {
		t.Errorf("all = %v, %v", got, err)
	}
	if got, err := ParseCleanup("Idle, none"); err != nil || len(got) != 2 || got[0] != "idle" {
		t.Errorf("Idle,none = %v, %v", got, err)
	}
	for _, bad := range []string{"", "lru", "idle,lru"} {
		if _, err := ParseCleanup(bad); err == nil {
			t.Errorf("ParseCleanup(%q) accepted", bad)
		}
	}
}

// TestCleanupCasesRun: each strategy's cycle runs on a pool of its own;
// none and generational (whose just-freed memory is young) hand nothing
// back, idle, periodic and pressure the free arena; another backend is not
// implemented.
func TestCleanupCasesRun(t *testing.T) {
	cfg := QuickConfig()
	cfg.Ops, cfg.Sizes, cfg.Batches, cfg.Devices = nil, []Size{{64, 256}}, []int{2}, []string{"cpu"}
	cfg.Cleanup = CleanupStrategies
	cfg.Samples, cfg.Warmup, cfg.SampleTime = 10, 0, 0
	cases, err := Catalogue(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != len(CleanupStrategies) || cases[1].Name != "CleanupIdle/64x256/b2/i2/generic" {
		t.Fatalf("%d cases, the second %q", len(cases), cases[1].Name)
	}
	r := Runner{Config: cfg}
	got, err := r.Run(t.Context(), cases)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range got {
		released := c.Extra["bytes-released/op"]
		hands := c.Op == "CleanupIdle" || c.Op == "CleanupPeriodic" || c.Op == "CleanupPressure"
		if !c.OK() || c.Family != results.FamilyCleanup || (released > 0) != hands || c.Extra["reserved-peak-B"] <= 0 {
			t.Errorf("%s: %s %s, family %s, extra %v (want bytes released: %v)", c.Name, c.Status, c.Error, c.Family, c.Extra, hands)
		}
	}
	c := cases[0]
	c.Backend = otherBackend{}
	if _, _, err := prepareCleanup(&c); !kernels.IsNotImplemented(err) {
		t.Errorf("a cleanup case on another backend: %v, want not implemented", err)
	}
}
