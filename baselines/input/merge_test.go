package input

import (
	"math"
	"strings"
	"testing"
)

func TestReadInputsMerges(t *testing.T) {
	dir := t.TempDir()
	hdr := "goos: linux\ngoarch: amd64\ncpu: X\n"
	a := writeFile(t, dir, "a.txt", []byte(hdr+benchLines("-2", "ns/op", map[string][]float64{"A": {1, 2, 3}, "B": {10}}, "A", "B")))
	b := writeFile(t, dir, "b.txt", []byte(hdr+benchLines("-2", "ns/op", map[string][]float64{"A": {4, 5}, "C": {7}}, "A", "C")))
	bf := resultsFile(2, okCase("A", []float64{6e9}))
	bf.Machine.CPUModel = "X"
	js := writeFile(t, dir, "c.json", jsonBytes(t, bf))
	in, err := ReadInputs([]string{a, b, js})
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(in.Names, ","); got != "A,B,C" {
		t.Errorf("names %s", got)
	}
	if got := in.Cases["A"].Samples[UnitSecPerOp]; len(got) != 6 || got[0] != 1e-9 || got[5] != 6 {
		t.Errorf("A's samples %v, want the three files' in order", got)
	}
	if in.File != a+","+b+","+js || len(in.Sources) != 3 || in.Kind != "mixed" || in.GOMAXPROCS != 2 || in.Machine.CPU != "X" {
		t.Errorf("merged input %+v", in)
	}
	// The JSON side knows the ISA level the text does not.
	if in.Machine.OS != "linux" {
		t.Errorf("fingerprint %+v", in.Machine)
	}
}

func TestReadInputsErrors(t *testing.T) {
	dir := t.TempDir()
	x := writeFile(t, dir, "x.txt", []byte("cpu: X\nBenchmarkA-2 1 1 ns/op\n"))
	y := writeFile(t, dir, "y.txt", []byte("cpu: Y\nBenchmarkA-2 1 1 ns/op\n"))
	x4 := writeFile(t, dir, "x4.txt", []byte("cpu: X\nBenchmarkA-4 1 1 ns/op\n"))
	hi := writeFile(t, dir, "hi.txt", []byte("Unit score better=higher\nBenchmarkA 1 1 score\n"))
	lo := writeFile(t, dir, "lo.txt", []byte("Unit score better=lower\nBenchmarkA 1 1 score\n"))
	bad := writeFile(t, dir, "bad.txt", []byte("BenchmarkA 1 NaN ns/op\n"))
	for _, tt := range []struct {
		name  string
		paths []string
		want  string
	}{
		{"none", nil, "no input files"},
		{"twice", []string{x, dir + "/./x.txt"}, "given twice"},
		{"two machines", []string{x, y}, `measured on another machine than ` + x + ` (CPU "Y" vs "X")`},
		{"two GOMAXPROCS", []string{x, x4}, "GOMAXPROCS 4 vs 2"},
		{"directions disagree", []string{hi, lo}, "unit score is lower-is-better here but higher-is-better in " + hi},
		{"one bad file", []string{x, bad}, "bad.txt:1"},
	} {
		_, err := ReadInputs(tt.paths)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
			continue
		}
		asInputError(t, err)
	}
}

func TestMergeNotMeasured(t *testing.T) {
	failed := resultsFile(2, okCase("A", noisy(1e6, 10, 0)), okCase("B", noisy(1e6, 10, 0)))
	failed.Cases[1].Status, failed.Cases[1].Error, failed.Cases[1].SamplesNs, failed.Cases[1].Iterations = "error", "boom", nil, 0
	ok := resultsFile(2, okCase("B", noisy(2e6, 10, 0)))
	a := mustParse(t, jsonBytes(t, failed), "a.json")
	b := mustParse(t, jsonBytes(t, ok), "b.json")
	for _, order := range [][]*Input{{a, b}, {b, a}} {
		in, err := MergeInputs(order...)
		if err != nil {
			t.Fatal(err)
		}
		if cd := in.Cases["B"]; cd.NotMeasured != "" || len(cd.Samples[UnitSecPerOp]) != 10 {
			t.Errorf("B measured in one file: %+v", cd)
		}
	}
	in, _ := MergeInputs(a, a)
	if cd := in.Cases["B"]; cd.NotMeasured != "error: boom" {
		t.Errorf("B measured in no file: %q", cd.NotMeasured)
	}
}

// TestMergeKeepsControlRuns: merged files keep which run each control
// measurement came from, as they do for samples.
func TestMergeKeepsControlRuns(t *testing.T) {
	dir := t.TempDir()
	hdr := "goos: linux\ngoarch: amd64\ncpu: X\n"
	a := writeFile(t, dir, "a.txt", []byte(hdr+"BenchmarkA-2 10 100 ns/op 1000 ctl-compute-ns\nBenchmarkA-2 10 100 ns/op 1100 ctl-compute-ns\n"))
	b := writeFile(t, dir, "b.txt", []byte(hdr+"BenchmarkA-2 10 100 ns/op 2000 ctl-compute-ns\n"))
	in, err := ReadInputs([]string{a, b})
	if err != nil {
		t.Fatal(err)
	}
	runs, ids := in.ControlRunsOf("compute")
	near := func(x, want float64) bool { return math.Abs(x-want) < 1e-12 }
	if len(runs) != 2 || len(ids) != 2 || ids[1] != 1 || len(runs[0]) != 2 || !near(runs[0][1], 1.1e-6) || len(runs[1]) != 1 || !near(runs[1][0], 2e-6) {
		t.Errorf("control runs %v, want [[1e-6 1.1e-6] [2e-6]]", runs)
	}
}
