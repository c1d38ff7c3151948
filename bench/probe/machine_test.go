package probe

import (
	"runtime"
	"runtime/debug"
	"testing"
)

func TestMachineDescribesThisMachine(t *testing.T) {
	m := Machine()
	if m.OS != runtime.GOOS || m.Arch != runtime.GOARCH || m.LogicalCores != runtime.NumCPU() || m.GOMAXPROCS < 1 {
		t.Fatalf("machine = %+v", m)
	}
	// Either a value or a stated reason, never neither.
	if m.CPUModel == "" && m.Unavailable["cpu_model"] == "" {
		t.Error("no CPU model and no reason")
	}
	if m.L1DBytes == 0 && m.L2Bytes == 0 && m.L3Bytes == 0 && m.Unavailable["caches"] == "" {
		t.Error("no cache sizes and no reason")
	}
	if m.MemoryBytes == 0 && m.Unavailable["memory"] == "" {
		t.Error("no memory size and no reason")
	}
	if runtime.GOARCH == "amd64" && len(m.CPUFeatures) == 0 {
		t.Error("cpuid found no features on amd64")
	}
}

func TestToolNamesItself(t *testing.T) {
	tool := Tool("1.2.3")
	if tool.Name != "bitnet-bench" || tool.Version != "1.2.3" || tool.GoVersion != runtime.Version() {
		t.Fatalf("tool = %+v", tool)
	}
}

func TestToolCommitFromBuildInfo(t *testing.T) {
	stamped := &debug.BuildInfo{Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.modified", Value: "true"}}}
	if got := toolFrom("v", stamped); got.Commit != "0123abcd" || !got.Dirty {
		t.Errorf("stamped build: commit %q dirty %v, want 0123abcd true", got.Commit, got.Dirty)
	}
	// No VCS stamp: "unknown", whatever repository the process runs in
	// (this test runs inside one, whose HEAD must not leak in).
	for _, bi := range []*debug.BuildInfo{nil, {}} {
		if got := toolFrom("v", bi); got.Commit != UnknownCommit || got.Dirty {
			t.Errorf("unstamped build %+v: commit %q dirty %v, want %q false", bi, got.Commit, got.Dirty, UnknownCommit)
		}
	}
}
