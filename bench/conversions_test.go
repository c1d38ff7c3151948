package bench

import (
	"runtime"
	"strings"
	"testing"

	"github.com/bitnet-go/bitnet-bench/bench/results"
	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/memory"
)

// BenchmarkConversions runs the memory engine's conversions of a
// 2560x2560 f32 tensor (640x2560 with -short) to every format, each mode:
// the suite behind compare --conversions, under the same names.
func BenchmarkConversions(b *testing.B) {
	cfg := Config{Devices: []string{"cpu"}, Conversions: mustConversions(b, "all"), Sizes: []Size{{2560, 2560}}, Seed: 1}
	if testing.Short() {
		cfg.Sizes = []Size{{640, 2560}}
	}
	cases, err := conversionCases(cfg)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range cases {
		benchPrepared(b, c.Name, func() (kernels.Kernel, Work, error) { return prepareConversion(&c, memory.Default(), cfg.Seed) },
			func(k kernels.Kernel) (float64, string) { return k.(*conversionKernel).stats.Ratio, "compression-x" })
	}
}

func mustConversions(t testing.TB, list string) []memory.DType {
	ds, err := ParseConversions(list)
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

func TestParseConversions(t *testing.T) {
	if got := mustConversions(t, "all"); len(got) != 4 {
		t.Errorf("all = %v", got)
	}
	if got := mustConversions(t, "I8, f16,i8"); len(got) != 2 || got[0] != memory.I8 || got[1] != memory.F16 {
		t.Errorf("I8,f16,i8 = %v", got)
	}
	for _, bad := range []string{"", "f32", "int4", "f16,x"} {
		if _, err := ParseConversions(bad); err == nil {
			t.Errorf("ParseConversions(%q) accepted", bad)
		}
	}
}

// TestConversionCasesRun: every format and mode runs on the generic CPU
// level with the engine's ratio; batch is named and recorded with its
// goroutines; another backend is not implemented.
func TestConversionCasesRun(t *testing.T) {
	cfg := QuickConfig()
	cfg.Ops, cfg.Sizes, cfg.Devices = nil, []Size{{16, 96}}, []string{"cpu"}
	cfg.Conversions = mustConversions(t, "all")
	cfg.Samples, cfg.Warmup, cfg.SampleTime = 10, 0, 0
	cases, err := Catalogue(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 4*3 {
		t.Fatalf("%d cases, want 4 formats × 3 modes", len(cases))
	}
	if cases[0].Name != "ConvertF16/16x96/direct/f32/generic" || !strings.HasPrefix(cases[5].Name, "ConvertBF16/16x96/batch/f32/generic") {
		t.Errorf("names %s, %s", cases[0].Name, cases[5].Name)
	}
	r := Runner{Config: cfg, Pool: memory.Default()}
	got, err := r.Run(t.Context(), cases)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"ConvertF16": 2, "ConvertBF16": 2, "ConvertI8": 4, "ConvertTernary": 4}
	for _, c := range got {
		if !c.OK() || c.Family != results.FamilyConversion || c.Extra["compression-x"] != want[c.Op] || c.BytesPerOp <= 16*96*4 {
			t.Errorf("%s: %s %s, family %s, extra %v, %d bytes/op", c.Name, c.Status, c.Error, c.Family, c.Extra, c.BytesPerOp)
		}
		batch := strings.Contains(c.Name, "/batch/")
		if wantT := min(runtime.GOMAXPROCS(0), batchJobs); batch && c.Threads != wantT {
			t.Errorf("%s: %d threads recorded, want %d", c.Name, c.Threads, wantT)
		}
	}
	c := cases[0]
	c.Backend = otherBackend{}
	if _, _, err := prepareConversion(&c, nil, 1); !kernels.IsNotImplemented(err) {
		t.Errorf("a conversion on another backend: %v, want not implemented", err)
	}
}
