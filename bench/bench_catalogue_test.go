package bench

import (
	"context"
	"errors"
	"math"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bitnet-go/bitnet-bench/bench/probe"
	"github.com/bitnet-go/bitnet-bench/bench/results"
	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/cpu"
	"github.com/bitnet-go/bitnet-bench/memory"
)

func TestCatalogueNamesAndShapes(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Levels, cfg.Threads = []string{"all"}, []int{1, 2}
	cases, err := Catalogue(cfg)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	nameRE := regexp.MustCompile(`^[A-Za-z0-9]+/[0-9x]+(/b[0-9]+)?/(i2|f32|f16|bf16)/[a-z0-9]+(/t[0-9]+)?$`)
	for _, c := range cases {
		if names[c.Name] {
			t.Errorf("duplicate case %s", c.Name)
		}
		names[c.Name] = true
		if !nameRE.MatchString(c.Name) {
			t.Errorf("case name %q does not follow Op/shape[/bM]/dtype/target", c.Name)
		}
	}
	// Every 2B4T GEMV shape is a BitLinear case at batch 1 (docs/DESIGN.md).
	for _, s := range Model2B4T {
		for _, l := range cpu.Levels() {
			for _, suffix := range []string{"", "/t2"} {
				want := "BitLinear/" + s.String() + "/b1/i2/" + string(l) + suffix
				if !names[want] {
					t.Errorf("catalogue lacks %s", want)
				}
			}
		}
	}
	for _, want := range []string{"MatMul/2560x2560/b8/f32/generic", "QuantizeWeights/6912x2560/f32/generic",
		"QuantizeActivations/6912/b1/f32/generic", "Pack2Bit/640x2560/i2/generic", "Unpack2Bit/2560x6912/i2/generic",
		"GELU/6912/b8/f32/generic", "Tanh/2560/b1/f32/generic"} {
		if !names[want] {
			t.Errorf("catalogue lacks %s", want)
		}
	}
}

func TestCatalogueLevelsAndThreads(t *testing.T) {
	cfg := QuickConfig()
	cfg.Ops = []kernels.Op{kernels.OpBitLinear}
	cfg.Sizes, cfg.Batches = []Size{{8, 8}}, []int{1}
	// Without Levels the default level runs once.
	cases, err := Catalogue(cfg)
	if err != nil || len(cases) != 1 {
		t.Fatalf("default: %d cases, %v", len(cases), err)
	}
	def, _ := cpu.DefaultLevel()
	if want := "BitLinear/8x8/b1/i2/" + string(def); cases[0].Name != want {
		t.Errorf("default case %q, want %q", cases[0].Name, want)
	}
	cfg.Levels, cfg.Threads = []string{"generic", "avx512"}, []int{1, 3}
	cases, err = Catalogue(cfg)
	if err != nil || len(cases) != 4 {
		t.Fatalf("levels × threads: %d cases, %v", len(cases), err)
	}
	for _, c := range cases {
		if strings.HasSuffix(c.Name, "/t3") != (threadsOf(c.Backend) == 3) {
			t.Errorf("%s: backend has %d threads", c.Name, threadsOf(c.Backend))
		}
		// A level this machine lacks is listed as unavailable, not dropped
		// and not replaced by another level.
		if strings.Contains(c.Name, "avx512vnni") && !cpu.Supported(cpu.LevelAVX512) && c.Unavailable == "" {
			t.Errorf("%s: unsupported level not marked unavailable", c.Name)
		}
	}
	cfg.Levels = []string{"sse9"}
	if _, err := Catalogue(cfg); err == nil || !strings.Contains(err.Error(), "sse9") {
		t.Errorf("unknown level: %v", err)
	}
}

func TestCatalogueRejectsUnknownBackend(t *testing.T) {
	cfg := QuickConfig()
	cfg.Devices = []string{"tpu"}
	if _, err := Catalogue(cfg); err == nil || !strings.Contains(err.Error(), `"tpu"`) {
		t.Fatalf("want an error naming the unknown backend, got %v", err)
	}
}

func TestParseLists(t *testing.T) {
	ops, err := ParseOps("matmul, GELU,bitlinear")
	if err != nil || len(ops) != 3 || ops[0] != kernels.OpMatMul || ops[1] != kernels.OpGELU || ops[2] != kernels.OpBitLinear {
		t.Fatalf("ParseOps = %v, %v", ops, err)
	}
	if ops, _ := ParseOps("quantize"); len(ops) != 2 {
		t.Fatalf("quantize family = %v", ops)
	}
	for _, bad := range []string{"", "softmax", ","} {
		if _, err := ParseOps(bad); err == nil {
			t.Errorf("ParseOps(%q) accepted", bad)
		}
	}
	sizes, err := ParseSizes("512x512, 2560X6912")
	if err != nil || len(sizes) != 2 || sizes[1] != (Size{2560, 6912}) {
		t.Fatalf("ParseSizes = %v, %v", sizes, err)
	}
	for _, bad := range []string{"", "512", "0x5", "ax5", "5x-1", "100000x100000"} {
		if _, err := ParseSizes(bad); err == nil {
			t.Errorf("ParseSizes(%q) accepted", bad)
		}
	}
	if _, err := ParseBatches("1,8,0"); err == nil {
		t.Error("ParseBatches accepted 0")
	}
}

// TestProblemsAgreeWithReference runs every op of a small catalogue on the
// cpu backend and on the reference, from the same seeded problem.
func TestProblemsAgreeWithReference(t *testing.T) {
	cfg := QuickConfig()
	cfg.Sizes = []Size{{37, 70}, {5, 3}}
	cfg.Batches = []int{1, 3}
	cases, err := Catalogue(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		got, err := NewProblem(c.Op, c.Shape, 7)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		want, _ := NewProblem(c.Op, c.Shape, 7)
		k, err := c.Backend.Prepare(got)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if err := k.Run(); err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if err := kernels.RunReference(want); err != nil {
			t.Fatalf("%s: reference: %v", c.Name, err)
		}
		for i := range want.Y {
			if d := math.Abs(float64(got.Y[i] - want.Y[i])); d > 1e-4*(1+math.Abs(float64(want.Y[i]))) {
				t.Fatalf("%s: Y[%d] = %v, reference %v", c.Name, i, got.Y[i], want.Y[i])
			}
		}
		if string(int8sToBytes(got.YQ)) != string(int8sToBytes(want.YQ)) || string(got.YPacked) != string(want.YPacked) {
			t.Fatalf("%s: integer outputs differ from the reference", c.Name)
		}
	}
}

func int8sToBytes(s []int8) []byte {
	b := make([]byte, len(s))
	for i, v := range s {
		b[i] = byte(v)
	}
	return b
}

func TestRunnerMeasuresCase(t *testing.T) {
	cfg := QuickConfig()
	cfg.Ops = []kernels.Op{kernels.OpBitLinear}
	cfg.Sizes = []Size{{256, 512}}
	cfg.Batches = []int{1}
	cfg.Warmup, cfg.SampleTime, cfg.Samples = time.Millisecond, time.Millisecond, 10
	cases, err := Catalogue(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := Runner{Config: cfg}
	out, err := r.Run(context.Background(), cases)
	if err != nil {
		t.Fatal(err)
	}
	c := out[0]
	if c.Status != results.StatusOK || len(c.SamplesNs) != 10 || c.Iterations < 1 {
		t.Fatalf("case = %+v", c)
	}
	if !(c.CILowNs <= c.MedianNs && c.MedianNs <= c.CIHighNs && c.CILowNs > 0) {
		t.Fatalf("median %v outside its interval [%v, %v]", c.MedianNs, c.CILowNs, c.CIHighNs)
	}
	if c.MACsPerOp != 256*512 || math.Abs(c.GMACps-float64(c.MACsPerOp)/c.MedianNs) > 1e-9 {
		t.Fatalf("throughput %v GMAC/s for %d MACs at %v ns", c.GMACps, c.MACsPerOp, c.MedianNs)
	}
	f := results.File{Schema: results.Schema, Cases: out}
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
}

// notImplemented is a backend that has no kernels, to check that the
// runner records that instead of measuring something else.
type notImplemented struct{ kernels.Backend }

func (notImplemented) Name() string               { return "none" }
func (notImplemented) Level() string              { return "none" }
func (notImplemented) Implements(kernels.Op) bool { return false }

func TestRunnerReportsNotImplementedAndUnavailable(t *testing.T) {
	r := Runner{Config: QuickConfig()}
	s := results.Shape{M: 1, N: 8, K: 8}
	c := Case{Name: "BitLinear/8x8/b1/i2/none", Op: kernels.OpBitLinear, Shape: s, Backend: notImplemented{cpu.New(cpu.LevelGeneric)}}
	rc, err := r.RunCase(context.Background(), &c)
	if err != nil || rc.Status != results.StatusNotImplemented || !strings.Contains(rc.Error, "not implemented on none") || len(rc.SamplesNs) != 0 {
		t.Fatalf("got %+v, %v", rc, err)
	}
	c.Unavailable = "no GPU"
	rc, _ = r.RunCase(context.Background(), &c)
	if rc.Status != results.StatusUnavailable || rc.Error != "no GPU" {
		t.Fatalf("got %+v", rc)
	}
}

func TestRunnerStopsOnCancel(t *testing.T) {
	cfg := QuickConfig()
	cfg.Sizes = []Size{{64, 64}}
	cfg.Batches = []int{1}
	cfg.Warmup, cfg.SampleTime = time.Millisecond, time.Millisecond
	cases, _ := Catalogue(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	out, err := (&Runner{Config: cfg}).Run(ctx, cases)
	if !errors.Is(err, context.Canceled) || len(out) != 0 {
		t.Fatalf("got %d cases, %v", len(out), err)
	}
}

// TestRunnerTensorsFromPool: a case's tensors come from the pool, the case
// reports the pool's footprint, and everything is freed afterwards.
func TestRunnerTensorsFromPool(t *testing.T) {
	pool, err := memory.New(memory.Config{Name: "bench-test", Tracking: memory.TrackBasic})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	cfg := QuickConfig()
	cfg.Ops = []kernels.Op{kernels.OpBitLinear}
	cfg.Sizes, cfg.Batches = []Size{{256, 512}}, []int{2}
	cfg.Warmup, cfg.SampleTime = time.Millisecond, time.Millisecond
	cases, err := Catalogue(cfg)
	if err != nil {
		t.Fatal(err)
	}
	r := Runner{Config: cfg, Pool: pool}
	rc, err := r.RunCase(context.Background(), &cases[0])
	if err != nil || rc.Status != results.StatusOK {
		t.Fatalf("%+v, %v", rc, err)
	}
	// Weights 256×128 B, activations 2×512 B, scales, outputs 2×256 f32.
	tensorBytes := float64(256*128 + 2*512 + 2*4 + 2*256*4)
	if rc.Telemetry == nil || rc.Telemetry.Pool["peak_bytes"] < tensorBytes || rc.Telemetry.Pool["allocs"] < 4 {
		t.Fatalf("pool telemetry %+v, want a peak of at least %v bytes over at least 4 allocations", rc.Telemetry, tensorBytes)
	}
	if live := pool.Stats().LiveBytes; live != 0 {
		t.Errorf("%d bytes still live in the pool after the case", live)
	}
}

// TestRunnerMemoryTelemetry: a kernel that allocates nothing is reported
// with zero allocations per op: the runner's own bookkeeping is outside the
// window.
func TestRunnerMemoryTelemetry(t *testing.T) {
	cfg := QuickConfig()
	cfg.Ops = []kernels.Op{kernels.OpBitLinear}
	cfg.Sizes, cfg.Batches, cfg.Levels = []Size{{64, 256}}, []int{1}, []string{"generic"}
	cfg.Warmup, cfg.SampleTime = time.Millisecond, time.Millisecond
	cases, err := Catalogue(cfg)
	if err != nil {
		t.Fatal(err)
	}
	// With a sampler too, whose marks allocate: they must stay outside.
	smp := probe.StartSampler(nil, time.Hour)
	defer smp.Stop()
	r := Runner{Config: cfg, TrackMemory: true, Sampler: smp}
	rc, err := r.RunCase(context.Background(), &cases[0])
	if err != nil || !rc.OK() {
		t.Fatalf("%+v, %v", rc, err)
	}
	if rc.Telemetry == nil || rc.Telemetry.AllocsPerOp != 0 || rc.Telemetry.AllocBytesPerOp != 0 {
		t.Errorf("telemetry %+v: want 0 allocations per op for a kernel that allocates nothing", rc.Telemetry)
	}
}

// TestCatalogueRefusesHugeShapes: a Config built in code goes through the
// same size check as --sizes instead of panicking in makeslice.
func TestCatalogueRefusesHugeShapes(t *testing.T) {
	cfg := QuickConfig()
	cfg.Sizes = []Size{{99999999, 99999999}}
	if _, err := Catalogue(cfg); err == nil || !strings.Contains(err.Error(), "2^31") {
		t.Fatalf("Catalogue(99999999x99999999) = %v, want the size refused", err)
	}
	cfg = QuickConfig()
	cfg.Batches = []int{0}
	if _, err := Catalogue(cfg); err == nil {
		t.Fatal("Catalogue(batch 0) succeeded, want an error")
	}
}

// TestEveryOpHasABenchmark: each op of the table has its top-level
// Benchmark<Op> in bench_test.go (Go cannot generate them), so a new op
// is not silently missing from go test -bench.
func TestEveryOpHasABenchmark(t *testing.T) {
	src, err := os.ReadFile("bench_test.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range kernels.Ops {
		if !strings.Contains(string(src), "func Benchmark"+string(op)+"(b *testing.B)") {
			t.Errorf("bench_test.go has no Benchmark%s: add it beside the others", op)
		}
	}
}
