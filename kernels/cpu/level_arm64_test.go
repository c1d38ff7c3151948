//go:build !purego

package cpu_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/cpuid/v2"

	"github.com/bitnet-go/bitnet-bench/kernels/cpu"
)

// envWantLevels, when set (CI sets it for each emulated CPU model), is the
// comma-separated list of levels the test expects, so a detection that
// silently saw the wrong CPU fails instead of testing fewer levels.
const envWantLevels = "BITNET_TEST_WANT_LEVELS"

func TestARM64LevelsFollowCPUID(t *testing.T) {
	ls := cpu.Levels()
	dp := cpuid.CPU.Supports(cpuid.ASIMDDP)
	t.Logf("levels %v; cpuid: %q ASIMD=%v ASIMDDP=%v I8MM=%v", ls, cpuid.CPU.BrandName,
		cpuid.CPU.Supports(cpuid.ASIMD), dp, cpuid.CPU.Supports(cpuid.I8MM))
	want := []cpu.Level{cpu.LevelGeneric, cpu.LevelNEON}
	if dp {
		want = append(want, cpu.LevelSDOT)
	}
	if !slices.Equal(ls, want) {
		t.Fatalf("Levels() = %v, want %v (sdot exactly when cpuid reports ASIMDDP)", ls, want)
	}
	if v := os.Getenv(envWantLevels); v != "" {
		var w []cpu.Level
		for _, s := range strings.Split(v, ",") {
			w = append(w, cpu.Level(strings.TrimSpace(s)))
		}
		if !slices.Equal(ls, w) {
			t.Fatalf("Levels() = %v, but %s=%s", ls, envWantLevels, v)
		}
	}
	if cpu.SIMDOps(cpu.LevelNEON) == nil {
		t.Error("neon has no SIMD ops")
	}
}

func TestParseARM64Levels(t *testing.T) {
	for in, want := range map[string]cpu.Level{"neon": cpu.LevelNEON, "ASIMD": cpu.LevelNEON,
		" sdot ": cpu.LevelSDOT, "dotprod": cpu.LevelSDOT} {
		if got, err := cpu.ParseLevel(in); err != nil || got != want {
			t.Errorf("ParseLevel(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := cpu.ParseLevel("sve"); err == nil || !strings.Contains(err.Error(), "neon or sdot") {
		t.Errorf("ParseLevel(sve) = %v, want an error listing the arm64 levels", err)
	}
}
