package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bitnet-go/bitnet-bench/baselines/machine"
)

// fakeMachine makes this process look like the given machine.
func fakeMachine(t *testing.T, fp machine.Fingerprint) {
	t.Helper()
	old := liveFingerprint
	liveFingerprint = func() machine.Fingerprint { return fp }
	t.Cleanup(func() { liveFingerprint = old })
}

func TestBaselineStoreFlow(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	here := machine.Fingerprint{OS: "linux", Arch: "amd64", CPU: "CPU X", ISA: "avx2", Cores: 2, GOMAXPROCS: 2}
	fakeMachine(t, here)
	base := writeTemp(t, dir, "base.txt", benchText("CPU X", map[string]float64{"A": 1000, "B": 2000}, "A", "B"))
	slow := writeTemp(t, dir, "slow.txt", benchText("CPU X", map[string]float64{"A": 1300, "B": 2000}, "A", "B"))
	same := writeTemp(t, dir, "same.txt", benchText("CPU X", map[string]float64{"A": 1000, "B": 2000}, "A", "B"))
	elsewhere := writeTemp(t, dir, "elsewhere.txt", benchText("CPU Y", map[string]float64{"A": 1000, "B": 2000}, "A", "B"))

	// save: flags before or after the files.
	code, out, errOut := runCLI(t, "baseline", "save", "--store", store, base, "--name", "main", "--commit", "c0ffee")
	if code != exitOK || !strings.Contains(out, `saved baseline "main" (2 cases) for linux/amd64, CPU X, avx2, 2 cores, GOMAXPROCS 2`) {
		t.Fatalf("save: exit %d\n%s\n%s", code, out, errOut)
	}
	// The text named no ISA level or core count: they came from this machine.
	if files, err := os.ReadDir(filepath.Join(store, here.Key(), "main")); err != nil || len(files) != 1 {
		t.Fatalf("not saved under this machine's key: %v", err)
	}
	// The same file again would count twice: refused. A second run adds
	// to the history.
	if code, _, errOut := runCLI(t, "baseline", "save", "--store", store, base, "--name", "main"); code != exitBadInput || !strings.Contains(errOut, "already saved") {
		t.Fatalf("saving the same file twice: exit %d\n%s", code, errOut)
	}
	base2 := writeTemp(t, dir, "base2.txt", benchText("CPU X", map[string]float64{"A": 1010, "B": 1990}, "A", "B"))
	if code, out, errOut := runCLI(t, "baseline", "save", "--store", store, base2, "--name", "main", "--commit", "c0ffee"); code != exitOK || !strings.Contains(out, "run 2 of the 10 kept") {
		t.Fatalf("second run: exit %d\n%s\n%s", code, out, errOut)
	}

	// Two more runs: with one current run, a history of two leaves one
	// degree of freedom for the between-run spread (t = 12.7): too wide
	// to call anything unchanged.
	for i, v := range []map[string]float64{{"A": 995, "B": 2010}, {"A": 1005, "B": 1995}} {
		p := writeTemp(t, dir, fmt.Sprintf("base%d.txt", i+3), benchText("CPU X", v, "A", "B"))
		if code, out, errOut := runCLI(t, "baseline", "save", "--store", store, p, "--name", "main", "--commit", "c0ffee"); code != exitOK {
			t.Fatalf("run %d: exit %d\n%s\n%s", i+3, code, out, errOut)
		}
	}

	code, out, _ = runCLI(t, "baseline", "list", "--store", store)
	if code != exitOK || !strings.Contains(out, "*  main") || !strings.Contains(out, "c0ffee") || !strings.Contains(lastLine(out), "4 baselines in "+store) {
		t.Errorf("list: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "baseline", "list", "--store", store, "--json")
	var items []map[string]any
	if code != exitOK || json.Unmarshal([]byte(out), &items) != nil || len(items) != 4 || items[0]["this_machine"] != true {
		t.Errorf("list --json: exit %d\n%s", code, out)
	}
	code, out, _ = runCLI(t, "baseline", "show", "main", "--store", store)
	if code != exitOK || !strings.Contains(out, "commit:  c0ffee") || !strings.Contains(out, "command: bitnet-bench baseline save") || !strings.Contains(out, "A     sec/op  10") {
		t.Errorf("show: exit %d\n%s", code, out)
	}

	// regression-check against the stored baseline.
	if code, out, errOut := runCLI(t, "regression-check", "--baseline-name", "main", "--store", store, "--current", slow); code != exitFailure || !strings.Contains(out, "+29.7%") || !strings.Contains(out, "4 and 1 runs") {
		t.Errorf("slow: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, _, errOut := runCLI(t, "regression-check", "--baseline-name", "main", "--store", store, "--current", same, "--strict"); code != exitOK {
		t.Errorf("same: exit %d\n%s", code, errOut)
	}
	// A run from another machine finds only this machine's baseline: a
	// loud warning, or exit 2 with --strict.
	code, out, errOut = runCLI(t, "regression-check", "--baseline-name", "main", "--store", store, "--current", elsewhere)
	if code != exitOK || !strings.Contains(errOut, "*** WARNING: no baseline \"main\" for this machine") || !strings.Contains(lastLine(out), "MACHINE MISMATCH") {
		t.Errorf("elsewhere: exit %d\n%s\n%s", code, out, errOut)
	}
	code, _, errOut = runCLI(t, "regression-check", "--baseline-name", "main", "--store", store, "--current", elsewhere, "--strict")
	if code != exitBadInput || !strings.Contains(errOut, "--strict") || !strings.Contains(errOut, `CPU "CPU Y" vs "CPU X"`) {
		t.Errorf("elsewhere --strict: exit %d\n%s", code, errOut)
	}
	// Once that machine saves its own, it is used without a warning.
	if code, _, errOut := runCLI(t, "baseline", "save", "--store", store, "--name", "main", elsewhere); code != exitOK {
		t.Fatalf("save elsewhere: %s", errOut)
	}
	if code, _, errOut := runCLI(t, "regression-check", "--baseline-name", "main", "--store", store, "--current", elsewhere, "--strict"); code != exitOK || strings.Contains(errOut, "WARNING") {
		t.Errorf("elsewhere with its own baseline: exit %d\n%s", code, errOut)
	}
	if code, out, _ := runCLI(t, "baseline", "list", "--store", store); code != exitOK || !strings.Contains(lastLine(out), "5 baselines") {
		t.Errorf("list after five saves:\n%s", out)
	}
}

func TestBaselineBadUsage(t *testing.T) {
	dir := t.TempDir()
	store := filepath.Join(dir, "store")
	good := writeTemp(t, dir, "good.txt", benchText("X", map[string]float64{"A": 1000}, "A"))
	bad := writeTemp(t, dir, "bad.txt", "BenchmarkA 1 NaN ns/op\n")
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"baseline"}, exitBadInput, "Usage"},
		{[]string{"baseline", "frob"}, exitBadInput, `unknown subcommand "frob"`},
		{[]string{"baseline", "save", "--store", store, good}, exitBadInput, "--name"},
		{[]string{"baseline", "save", "--store", store, "--name", "x"}, exitBadInput, "input file"},
		{[]string{"baseline", "save", "--store", store, "--name", "../x", good}, exitBadInput, "baseline name"},
		{[]string{"baseline", "save", "--store", store, "--name", "x", bad}, exitBadInput, "bad.txt:1"},
		{[]string{"baseline", "show", "--store", store}, exitBadInput, "exactly one baseline name"},
		{[]string{"baseline", "show", "nope", "--store", store}, exitBadInput, `no baseline named "nope"`},
		{[]string{"regression-check", "--baseline-name", "nope", "--store", store, "--current", good}, exitBadInput, "empty"},
	}
	for _, tt := range tests {
		code, _, errOut := runCLI(t, tt.args...)
		if code != tt.code || !strings.Contains(errOut, tt.want) {
			t.Errorf("%v: exit %d (want %d), stderr %q (want %q)", tt.args, code, tt.code, errOut, tt.want)
		}
	}
	if code, out, _ := runCLI(t, "baseline", "--help"); code != exitOK || !strings.Contains(out, "baseline save") {
		t.Errorf("--help: exit %d\n%s", code, out)
	}
	if code, out, _ := runCLI(t, "baseline", "save", "--help"); code != exitOK || !strings.Contains(out, "Usage: bitnet-bench baseline save") {
		t.Errorf("save --help: exit %d\n%s", code, out)
	}
}
