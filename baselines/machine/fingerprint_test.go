package machine

import (
	"strings"
	"testing"

	"github.com/bitnet-go/bitnet-bench/bench/results"
)

func TestISALevel(t *testing.T) {
	for _, tt := range []struct {
		arch     string
		features []string
		want     string
	}{
		{"amd64", nil, ""},
		{"amd64", []string{"SSE2"}, "generic"},
		{"amd64", []string{"AVX2", "FMA3"}, "avx2"},
		{"amd64", []string{"AVX2", "AVX512F", "AVX512BW"}, "avx2"}, // no VNNI
		{"amd64", []string{"AVX2", "AVX512F", "AVX512BW", "AVX512VNNI"}, "avx512vnni"},
		{"amd64", []string{"AVX2", "AVXVNNI"}, "avxvnni"}, // Alder Lake and later client cores
		{"amd64", []string{"AVX2", "AVXVNNI", "AVX512F", "AVX512BW", "AVX512VNNI"}, "avx512vnni"},
		{"amd64", []string{"AVXVNNI"}, "generic"}, // VNNI without AVX2: no level
		{"arm64", []string{"ASIMD"}, "neon"},
		{"arm64", []string{"ASIMD", "ASIMDDP"}, "sdot"},
		{"riscv64", []string{"X"}, "generic"},
	} {
		if got := ISALevel(tt.arch, tt.features); got != tt.want {
			t.Errorf("ISALevel(%s, %v) = %q, want %q", tt.arch, tt.features, got, tt.want)
		}
	}
}

func TestFingerprint(t *testing.T) {
	m := results.Machine{OS: "linux", Arch: "amd64", CPUModel: " AMD  EPYC ", CPUFeatures: []string{"AVX2"}, LogicalCores: 2, GOMAXPROCS: 2}
	fp := Of(m)
	if fp != (Fingerprint{OS: "linux", Arch: "amd64", CPU: "AMD EPYC", ISA: "avx2", Cores: 2, GOMAXPROCS: 2}) {
		t.Errorf("Of = %+v", fp)
	}
	if got := fp.String(); got != "linux/amd64, AMD EPYC, avx2, 2 cores, GOMAXPROCS 2" {
		t.Errorf("String = %q", got)
	}
	if (Fingerprint{}).String() != "unknown machine" || !(Fingerprint{}).IsZero() {
		t.Error("zero fingerprint")
	}
	key := fp.Key()
	if !strings.HasPrefix(key, "linux-amd64-avx2-2c-") || len(key) != len("linux-amd64-avx2-2c-")+12 {
		t.Errorf("Key = %q", key)
	}
	// Every field changes the key.
	for _, f := range []func(*Fingerprint){
		func(f *Fingerprint) { f.OS = "darwin" }, func(f *Fingerprint) { f.Arch = "arm64" },
		func(f *Fingerprint) { f.CPU = "Other" }, func(f *Fingerprint) { f.ISA = "generic" },
		func(f *Fingerprint) { f.Cores = 4 }, func(f *Fingerprint) { f.GOMAXPROCS = 1 },
	} {
		g := fp
		f(&g)
		if g.Key() == key {
			t.Errorf("%+v has the same key as %+v", g, fp)
		}
		if len(fp.Diff(g)) != 1 {
			t.Errorf("Diff(%+v) = %q, want one field", g, fp.Diff(g))
		}
	}
	if k := (Fingerprint{CPU: "a/b c"}).Key(); strings.ContainsAny(k, "/ ") {
		t.Errorf("key %q is not a safe file name", k)
	}
	// Unknown fields match anything.
	if d := fp.Diff(Fingerprint{CPU: "AMD EPYC"}); len(d) != 0 {
		t.Errorf("Diff with a partial fingerprint: %q", d)
	}
}
