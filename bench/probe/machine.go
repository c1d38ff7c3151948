// Package probe reads the machine and, later, its telemetry. What cannot be
// read is reported as unavailable with the reason, never guessed.
package probe

import (
	"fmt"
	"os"
	"os/exec"
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

// Tool describes the running binary and the code under test. The commit
// comes from the build's VCS stamp when present, else from git in the
// working directory; it stays empty, not guessed, when neither knows.
func Tool(version string) results.Tool {
	t := results.Tool{Name: "bitnet-bench", Version: version, GoVersion: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				t.Commit = s.Value
			case "vcs.modified":
				t.Dirty = s.Value == "true"
			}
		}
	}
	if t.Commit == "" {
		if out, err := exec.Command("git", "rev-parse", "HEAD").Output(); err == nil {
			t.Commit = strings.TrimSpace(string(out))
			if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil {
				t.Dirty = len(strings.TrimSpace(string(st))) > 0
			}
		}
	}
	return t
}
