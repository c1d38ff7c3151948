// Package probe reads the machine and, later, its telemetry. What cannot be
// read is reported as unavailable with the reason, never guessed.
package probe

import (
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/klauspost/cpuid/v2"
	"github.com/shirou/gopsutil/v3/host"
	"github.com/shirou/gopsutil/v3/mem"

	"github.com/bitnet-go/bitnet-bench/bench/results"
	"github.com/bitnet-go/bitnet-bench/memory"
)

// Machine describes this machine: CPU model and features from cpuid,
// caches, cores, and total memory from gopsutil.
func Machine() results.Machine {
	m := results.Machine{
		OS:           runtime.GOOS,
		Arch:         runtime.GOARCH,
		CPUModel:     cpuid.CPU.BrandName,
		CPUVendor:    cpuid.CPU.VendorString,
		CPUFeatures:  cpuid.CPU.FeatureSet(),
		LogicalCores: runtime.NumCPU(),
		PhysicalCore: cpuid.CPU.PhysicalCores,
		GOMAXPROCS:   runtime.GOMAXPROCS(0),
		Unavailable:  map[string]string{},
	}
	sort.Strings(m.CPUFeatures)
	if m.CPUModel == "" {
		m.Unavailable["cpu_model"] = "cpuid reports no brand string on " + runtime.GOARCH
	}
	if c := cpuid.CPU.Cache; c.L1D > 0 || c.L2 > 0 || c.L3 > 0 {
		m.L1DBytes, m.L2Bytes, m.L3Bytes = max(c.L1D, 0), max(c.L2, 0), max(c.L3, 0)
	} else {
		m.Unavailable["caches"] = "cpuid reports no cache sizes"
	}
	if vm, err := mem.VirtualMemory(); err != nil {
		m.Unavailable["memory"] = err.Error()
	} else {
		m.MemoryBytes = vm.Total
	}
	if k, err := host.KernelVersion(); err != nil || k == "" {
		m.Unavailable["kernel"] = fmt.Sprintf("kernel release not readable: %v", err)
	} else {
		m.Kernel = k
	}
	if b, err := os.ReadFile("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor"); err != nil {
		m.Unavailable["governor"] = "no cpufreq governor: " + err.Error()
	} else {
		m.Governor = strings.TrimSpace(string(b))
	}
	if mode, ok := memory.HugePages(); ok || strings.HasPrefix(mode, "never") {
		m.HugePages = mode
	} else {
		m.Unavailable["huge_pages"] = mode
	}
	if len(m.Unavailable) == 0 {
		m.Unavailable = nil
	}
	return m
}

// UnknownCommit is the commit recorded by a binary built without VCS
// stamping (go build outside a checkout, -buildvcs=false, go test binaries).
const UnknownCommit = "unknown"

// Tool describes the running binary and the code under test. The commit is
// the one the binary was built from (its build info's vcs.revision), or
// UnknownCommit: never the working directory's git HEAD, which need not be
// the code that runs (a binary copied to another machine, or run from
// another repository).
func Tool(version string) results.Tool {
	bi, _ := debug.ReadBuildInfo()
	return toolFrom(version, bi)
}

func toolFrom(version string, bi *debug.BuildInfo) results.Tool {
	t := results.Tool{Name: "bitnet-bench", Version: version, GoVersion: runtime.Version(), Commit: UnknownCommit}
	if bi == nil {
		return t
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if s.Value != "" {
				t.Commit = s.Value
			}
		case "vcs.modified":
			t.Dirty = s.Value == "true"
		}
	}
	return t
}
