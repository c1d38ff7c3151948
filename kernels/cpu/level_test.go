package cpu_test

import (
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/cpu"
)

func TestParseLevel(t *testing.T) {
	for in, want := range map[string]cpu.Level{"generic": cpu.LevelGeneric, "AVX2": cpu.LevelAVX2,
		"avx512": cpu.LevelAVX512, " avx512vnni ": cpu.LevelAVX512, "purego": cpu.LevelGeneric} {
		if got, err := cpu.ParseLevel(in); err != nil || got != want {
			t.Errorf("ParseLevel(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := cpu.ParseLevel("sse9"); err == nil || !strings.Contains(err.Error(), `"sse9"`) {
		t.Errorf("ParseLevel(sse9) = %v", err)
	}
}

func TestLevelsStartGenericEndBest(t *testing.T) {
	ls := cpu.Levels()
	if ls[0] != cpu.LevelGeneric || ls[len(ls)-1] != cpu.Best() {
		t.Fatalf("Levels() = %v, Best() = %v", ls, cpu.Best())
	}
	t.Logf("levels on this machine: %v", ls)
}

func TestBITNETISAForcesTheLevel(t *testing.T) {
	t.Setenv(cpu.EnvISA, "generic")
	if l, err := cpu.DefaultLevel(); err != nil || l != cpu.LevelGeneric {
		t.Fatalf("BITNET_ISA=generic: %v, %v", l, err)
	}
	t.Setenv(cpu.EnvISA, "nonsense")
	if _, err := cpu.DefaultLevel(); err == nil || !strings.Contains(err.Error(), cpu.EnvISA) {
		t.Fatalf("BITNET_ISA=nonsense: %v", err)
	}
	// A level this machine lacks makes the backend unavailable, never a
	// silent fallback to another level.
	for _, l := range []cpu.Level{cpu.LevelAVX2, cpu.LevelAVX512, cpu.LevelNEON, cpu.LevelSDOT} {
		if cpu.Supported(l) {
			continue
		}
		t.Setenv(cpu.EnvISA, string(l))
		if _, err := cpu.DefaultLevel(); err == nil {
			t.Errorf("BITNET_ISA=%s accepted on a machine without it", l)
		}
		b := cpu.New(l)
		if b.Available() == nil {
			t.Errorf("New(%s) available on a machine without it", l)
		}
		if _, err := b.Prepare(&kernels.Problem{Op: kernels.OpReLU, M: 1, K: 1, X: []float32{1}, Y: []float32{0}}); err == nil {
			t.Errorf("New(%s).Prepare ran on a machine without it", l)
		}
	}
}

func TestAMD64LevelsFollowCPUID(t *testing.T) {
	if runtime.GOARCH != "amd64" || !slices.Contains(cpu.Levels(), cpu.LevelAVX2) {
		t.Skip("no AVX2 here, or not amd64, or a purego build")
	}
	if cpu.SIMDOps(cpu.LevelAVX2) == nil || cpu.SIMDOps(cpu.LevelGeneric) != nil {
		t.Error("SIMDOps")
	}
}
