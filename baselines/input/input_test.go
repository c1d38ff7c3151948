package input

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/bitnet-go/bitnet-bench/baselines/machine"

	"github.com/bitnet-go/bitnet-bench/bench/results"
)

// jsonHead is the start of a valid results file, 4 lines long, so the first
// case object opens on line 5.
const jsonHead = `{
  "schema": "bitnet-bench/results/v1",
  "complete": true,
  "cases": [
`

const jsonCaseA = `    {"name": "A", "status": "ok", "iterations": 10, "samples_ns": [100, 101]}`

func TestParseInputBadInput(t *testing.T) {
	tests := []struct {
		name     string // test and file name
		data     string
		wantLine int
		wantCol  int // checked when > 0
		wantMsg  string
	}{
		{"empty.json", "", 0, 0, "empty file: want results JSON or Go benchmark text"},
		{"blank.txt", " \n\t\r\n  ", 0, 0, "empty file: want results JSON or Go benchmark text"},
		{"bom-only.txt", "\xef\xbb\xbf\n", 0, 0, "empty file"},
		{"truncated.json", jsonHead + jsonCaseA + ",\n    {\"name\": \"B\", \"sta", 6, 0, "truncated JSON"},
		{"syntax.json", jsonHead + "    {\"name\": \"A\" \"status\": \"ok\"}\n  ]\n}\n", 5, 0, "invalid JSON"},
		{"schema.json", `{"schema": "other/v9", "cases": []}`, 0, 0, `schema "other/v9" is not supported`},
		{"unknown-field.json", `{"schema": "bitnet-bench/results/v1", "bogus": 1}`, 1, 39, `unknown field "bogus"`},
		{"trailing.json", `{"schema": "bitnet-bench/results/v1"}` + "\n{}", 2, 1, "unexpected data after the results object"},
		{"dup.json", jsonHead + jsonCaseA + ",\n" +
			`    {"name": "B", "status": "ok", "iterations": 10, "samples_ns": [5]},` + "\n" +
			`    {"name": "A", "status": "ok", "iterations": 10, "samples_ns": [7]}` + "\n  ]\n}\n",
			7, 0, `cases[2] "A": duplicate name (also cases[0])`},
		{"negative.json", jsonHead + jsonCaseA + ",\n" +
			`    {"name": "B", "status": "ok", "iterations": 10, "samples_ns": [5, -1]}` + "\n  ]\n}\n",
			6, 0, "samples_ns[1] = -1: want a finite positive time"},
		{"zero.json", jsonHead + `    {"name": "Z", "status": "ok", "iterations": 10, "samples_ns": [0]}` + "\n  ]\n}\n",
			5, 0, "samples_ns[0] = 0: want a finite positive time"},
		{"tiny.json", jsonHead + `    {"name": "T", "status": "ok", "iterations": 10, "samples_ns": [1e-320]}` + "\n  ]\n}\n",
			5, 0, "out of range"},
		{"huge-rate.json", jsonHead + `    {"name": "H", "status": "ok", "iterations": 10, "samples_ns": [1e-300], "bytes_per_op": 1000000000}` + "\n  ]\n}\n",
			5, 0, "B/s: out of range"},

		{"bench.txt", "goos: linux\ngoarch: amd64\npkg: x\ncpu: c\n\nBenchmarkA-2  100  12 ns/op\nBenchmarkB-2  abc  12 ns/op\n", 7, 0,
			`malformed benchmark line: want "BenchmarkName iterations value unit [value unit...]": parsing iteration count: invalid syntax`},
		{"no-units.txt", "BenchmarkA-2 100 12\n", 1, 0, "malformed benchmark line: want \"BenchmarkName iterations value unit [value unit...]\": missing units"},
		{"no-values.txt", "BenchmarkA-2 100\n", 1, 0, "missing measurements"},
		{"same-unit-twice.txt", "BenchmarkA 1 5 ns/op\nBenchmarkA 1 5 ns/op 6 ns/op\n", 2, 0, "two values in ns/op on one line: a line is one sample"},
		{"bad-value.txt", "BenchmarkA-2 100 1x2 ns/op\n", 1, 0, "parsing measurement"},
		{"prose.txt", "Benchmarking is fun\n", 1, 0, "malformed benchmark line"},
		{"nan.txt", "BenchmarkA 100 12 ns/op\nBenchmarkA 100 NaN ns/op\n", 2, 0, "benchmark A: NaN ns/op: want a finite number"},
		{"inf.txt", "BenchmarkA 100 +Inf ns/op\n", 1, 0, "+Inf ns/op: want a finite number"},
		{"inf-after-tidy.txt", "BenchmarkA 100 1 ns/op 1e308 MB/s\n", 1, 0, "1e+308 MB/s: want a finite number"},
		{"negative.txt", "BenchmarkA 100 -5 ns/op\n", 1, 0, "-5 ns/op: want a value >= 0"},
		{"negative-count.txt", "BenchmarkA 100 5 ns/op -1 allocs/op\n", 1, 0, "-1 allocs/op: want a value >= 0"},
		{"zero-time.txt", "BenchmarkA 100 0 ns/op\n", 1, 0, "0 ns/op: want a time or rate > 0"},
		{"zero-rate.txt", "BenchmarkA 100 5 ns/op 0 MB/s\n", 1, 0, "0 MB/s: want a time or rate > 0"},
		{"zero-custom-rate.txt", "Unit score better=higher\nBenchmarkA 100 5 ns/op 0 score\n", 2, 0, "0 score: want a time or rate > 0"},
		{"zero-iters.txt", "BenchmarkA 0 5 ns/op\n", 1, 0, "iteration count 0: want > 0"},
		{"no-name.txt", "Benchmark 10 5 ns/op\n", 1, 0, "missing benchmark name"},
		{"unit-line.txt", "Unit ns/op better\nBenchmarkA 1 1 ns/op\n", 1, 0, `malformed unit metadata line: want "Unit unit key=value [key=value...]": expected key=value`},
		{"unit-conflict.txt", "Unit x/op better=higher\nUnit x/op better=lower\n", 2, 0, "already set to higher"},
		{"two-pkgs.txt", "pkg: a\nBenchmarkA 1 1 ns/op\npkg: b\nBenchmarkA 1 2 ns/op\n", 4, 0, `appears in pkg "a" (line 2) and pkg "b"`},
		{"long-line.txt", "BenchmarkA 1 1 ns/op\n" + strings.Repeat("x", 70000) + "\n", 2, 0, "token too long"},
		{"prose-only.txt", "hello\nworld\n", 0, 0, "no benchmark results"},
		{"config-only.txt", "goos: linux\npkg: x\nPASS\nok  x 0.1s\n", 0, 0, "no benchmark results"},
		{"names-only.txt", "=== RUN BenchmarkA\nBenchmarkA\n", 0, 0, "no benchmark results"},
		{"array.json", "[{\"name\": \"A\"}]", 0, 0, "looks like a JSON array"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := ParseInput([]byte(tt.data), tt.name)
			if err == nil {
				t.Fatalf("ParseInput succeeded (%d cases), want an error", len(in.Names))
			}
			ie := asInputError(t, err)
			if ie.File != tt.name || ie.Line != tt.wantLine {
				t.Errorf("error at %s:%d, want %s:%d: %v", ie.File, ie.Line, tt.name, tt.wantLine, err)
			}
			if tt.wantCol > 0 && ie.Col != tt.wantCol {
				t.Errorf("column %d, want %d: %v", ie.Col, tt.wantCol, err)
			}
			if !strings.Contains(ie.Msg, tt.wantMsg) {
				t.Errorf("message %q does not contain %q", ie.Msg, tt.wantMsg)
			}
			// The printed form leads with the position so editors can jump to it.
			prefix := tt.name + ": "
			if tt.wantLine > 0 {
				prefix = tt.name + ":" + strconv.Itoa(tt.wantLine) + ":"
			}
			if !strings.HasPrefix(err.Error(), prefix) {
				t.Errorf("Error() = %q, want prefix %q", err.Error(), prefix)
			}
		})
	}
}

func TestReadInput(t *testing.T) {
	dir := t.TempDir()

	missing := filepath.Join(dir, "nope.json")
	_, err := ReadInput(missing)
	ie := asInputError(t, err)
	if ie.File != missing || ie.Line != 0 || !strings.Contains(err.Error(), missing) {
		t.Errorf("missing file: %v (File %q, Line %d), want the path and no line", err, ie.File, ie.Line)
	}
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file: errors.Is(err, fs.ErrNotExist) = false for %v", err)
	}
	if strings.Count(err.Error(), missing) != 1 {
		t.Errorf("missing file: path repeated in %q", err)
	}

	_, err = ReadInput(dir) // a directory cannot be read as a file
	if ie := asInputError(t, err); ie.File != dir {
		t.Errorf("directory: File = %q, want %q", ie.File, dir)
	}

	path := filepath.Join(dir, "base.json")
	f := resultsFile(2, okCase("A", []float64{100, 110}))
	if err := os.WriteFile(path, jsonBytes(t, f), 0o644); err != nil {
		t.Fatal(err)
	}
	in, err := ReadInput(path)
	if err != nil {
		t.Fatal(err)
	}
	if in.File != path || in.Kind != KindResultsJSON || len(in.Names) != 1 {
		t.Errorf("ReadInput = %+v", in)
	}

	_, err = ReadInput("testdata/malformed.txt")
	ie = asInputError(t, err)
	if ie.File != "testdata/malformed.txt" || ie.Line != 7 || !strings.Contains(ie.Msg, "malformed benchmark line") {
		t.Errorf("testdata/malformed.txt: %v, want an error on line 7", err)
	}
}

// TestJSONAndTextAgree checks that a results file and its Go benchmark text
// twin read as the same cases, units and values, so either can be compared
// with the other.
func TestJSONAndTextAgree(t *testing.T) {
	f := resultsFile(8,
		okCase("BitLinear/2560x2560/b1/i2/generic", []float64{1.5e6, 1.6e6, 1.55e6}),
		okCase("Quantize/k-64", []float64{123.25, 125}),
		results.Case{Name: "MatMul/x/cuda", Status: results.StatusUnavailable, Error: "no GPU"},
	)
	f.Cases[1].MACsPerOp = 0 // only bytes: GMAC/s absent for this case
	js := mustParse(t, jsonBytes(t, f), "r.json")
	tx := mustParse(t, textBytes(t, f), "r.txt")

	if js.Kind != KindResultsJSON || tx.Kind != KindBenchText {
		t.Errorf("kinds %q, %q", js.Kind, tx.Kind)
	}
	if js.GOMAXPROCS != 8 || tx.GOMAXPROCS != 8 {
		t.Errorf("GOMAXPROCS json %d text %d, want 8", js.GOMAXPROCS, tx.GOMAXPROCS)
	}
	if js.CPU != "Test CPU" || tx.CPU != "Test CPU" {
		t.Errorf("CPU json %q text %q", js.CPU, tx.CPU)
	}
	wantNames := []string{"BitLinear/2560x2560/b1/i2/generic", "Quantize/k-64", "MatMul/x/cuda"}
	if !reflect.DeepEqual(js.Names, wantNames) {
		t.Errorf("json names %q, want %q", js.Names, wantNames)
	}
	// The text twin writes unmeasured cases as comments, which benchfmt skips.
	if !reflect.DeepEqual(tx.Names, wantNames[:2]) {
		t.Errorf("text names %q, want %q", tx.Names, wantNames[:2])
	}
	if got := js.Cases["MatMul/x/cuda"].NotMeasured; got != "unavailable: no GPU" {
		t.Errorf("NotMeasured = %q", got)
	}
	for _, name := range wantNames[:2] {
		j, x := js.Cases[name], tx.Cases[name]
		if !reflect.DeepEqual(j.Units, x.Units) {
			t.Errorf("%s: units json %q text %q", name, j.Units, x.Units)
		}
		if !reflect.DeepEqual(j.Samples, x.Samples) {
			t.Errorf("%s: samples differ:\njson %v\ntext %v", name, j.Samples, x.Samples)
		}
	}
	bl := js.Cases[wantNames[0]]
	if want := []string{UnitSecPerOp, UnitBps, UnitGMACps}; !reflect.DeepEqual(bl.Units, want) {
		t.Errorf("units %q, want %q", bl.Units, want)
	}
	// 1.5e6 ns is 1.5e-3 s; 4 MiB per 1.5 ms; 2560² MACs per 1.5e6 ns.
	checks := []struct {
		unit string
		want float64
	}{
		{UnitSecPerOp, 1.5e-3},
		{UnitBps, float64(4<<20) / 1.5e-3},
		{UnitGMACps, 2560 * 2560 / 1.5e6},
	}
	for _, c := range checks {
		if got := bl.Samples[c.unit][0]; !closeTo(got, c.want, 1e-12) {
			t.Errorf("%s[0] = %v, want %v", c.unit, got, c.want)
		}
	}
	for _, in := range []*Input{js, tx} {
		if in.HigherIsBetter(UnitSecPerOp) || !in.HigherIsBetter(UnitBps) || !in.HigherIsBetter(UnitGMACps) {
			t.Errorf("%s: directions %v", in.File, in.Better)
		}
	}
}

func TestProcsSuffix(t *testing.T) {
	tests := []struct {
		name      string
		text      string
		wantNames []string
		wantProcs int
		wantWarn  bool
	}{
		{"uniform", "BenchmarkA-4 1 1 ns/op\nBenchmarkB/x-4 1 1 ns/op\n", []string{"A", "B/x"}, 4, false},
		{"none means GOMAXPROCS 1", "BenchmarkA 1 1 ns/op\nBenchmarkPack/k-64 1 1 ns/op\n", []string{"A", "Pack/k-64"}, 1, false},
		{"cpu list kept apart", "BenchmarkA 1 1 ns/op\nBenchmarkA-2 1 1 ns/op\nBenchmarkA-4 1 1 ns/op\n", []string{"A", "A-2", "A-4"}, 0, true},
		{"dash without digits", "BenchmarkA-x 1 1 ns/op\nBenchmarkB- 1 1 ns/op\n", []string{"A-x", "B-"}, 1, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := mustParse(t, []byte(tt.text), "x.txt")
			if !reflect.DeepEqual(in.Names, tt.wantNames) || in.GOMAXPROCS != tt.wantProcs {
				t.Errorf("names %q procs %d, want %q procs %d", in.Names, in.GOMAXPROCS, tt.wantNames, tt.wantProcs)
			}
			if got := len(in.Warnings) > 0; got != tt.wantWarn {
				t.Errorf("warnings %q, want any: %v", in.Warnings, tt.wantWarn)
			}
		})
	}
}

func TestUnitDirections(t *testing.T) {
	text := "Unit score better=higher\nUnit bogo/s better=lower\n" +
		"BenchmarkA 1 5 ns/op 3 score 2 bogo/s 7 widgets/s 0 allocs/op 0 B/op 9 GMAC/s 4 x/op" +
		" 5 ops/J 6 GMAC/W 7 J/op 8 pct-of-peak 9 pct-of-read-bw\n"
	in := mustParse(t, []byte(text), "dir.txt")
	want := map[string]int{
		UnitSecPerOp: -1, "score": 1, "bogo/s": -1, "widgets/s": 1,
		"allocs/op": -1, "B/op": -1, UnitGMACps: 1, "x/op": -1,
		"ops/J": 1, "GMAC/W": 1, "J/op": -1, "pct-of-peak": 1, "pct-of-read-bw": 1,
	}
	if !reflect.DeepEqual(in.Better, want) {
		t.Errorf("Better = %v, want %v", in.Better, want)
	}
	// Zero counts are normal (0 allocs/op) and must be accepted.
	if got := in.Cases["A"].Samples["allocs/op"]; !reflect.DeepEqual(got, []float64{0}) {
		t.Errorf("allocs/op = %v", got)
	}
}

func TestGoTestOutput(t *testing.T) {
	in, err := ReadInput("testdata/gotest.txt")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"BitLinear/2560x2560/b1/i2/generic", "Pack/k-64"}; !reflect.DeepEqual(in.Names, want) {
		t.Errorf("names %q, want %q", in.Names, want)
	}
	if in.GOMAXPROCS != 2 || in.CPU == "" {
		t.Errorf("GOMAXPROCS %d CPU %q", in.GOMAXPROCS, in.CPU)
	}
	c := in.Cases["BitLinear/2560x2560/b1/i2/generic"]
	if want := []string{UnitSecPerOp, UnitBps, UnitGMACps, "B/op", "allocs/op"}; !reflect.DeepEqual(c.Units, want) {
		t.Errorf("units %q, want %q", c.Units, want)
	}
	if n := len(c.Samples[UnitSecPerOp]); n != 5 {
		t.Errorf("%d sec/op samples, want 5", n)
	}
}

func TestIncompleteRunWarns(t *testing.T) {
	f := resultsFile(2, okCase("A", []float64{1, 2}))
	f.Complete = false
	in := mustParse(t, jsonBytes(t, f), "partial.json")
	if len(in.Warnings) != 1 || !strings.Contains(in.Warnings[0], "interrupted") {
		t.Errorf("warnings %q, want one about the interrupted run", in.Warnings)
	}
}

func TestTextFingerprint(t *testing.T) {
	in := mustParse(t, []byte("goos: linux\ngoarch: arm64\npkg: p\ncpu: Neoverse\nBenchmarkA-4 1 1 ns/op\ncommit: abc\nBenchmarkB-4 1 1 ns/op\n"), "a.txt")
	if in.Machine != (machine.Fingerprint{OS: "linux", Arch: "arm64", CPU: "Neoverse", GOMAXPROCS: 4}) || in.Commit != "abc" {
		t.Errorf("fingerprint %+v commit %q", in.Machine, in.Commit)
	}
	// Two machines in one file is an error naming the line.
	_, err := ParseInput([]byte("cpu: X\nBenchmarkA 1 1 ns/op\ncpu: Y\nBenchmarkA 1 1 ns/op\n"), "two.txt")
	if ie := asInputError(t, err); ie.Line != 4 || !strings.Contains(ie.Msg, `another machine than the lines before it (CPU "X" vs "Y")`) {
		t.Errorf("%v", err)
	}
}

// TestLargeTextIsStreamedAndCapped: a benchmark text far larger than
// MaxSamples per case is read as a stream into at most MaxSamples samples
// per case and unit, a uniform subsample (its mean matches the file's),
// with a warning, and the heap it leaves does not grow with the file.
func TestLargeTextIsStreamedAndCapped(t *testing.T) {
	const n = 400000 // 10 MB of text
	p := filepath.Join(t.TempDir(), "big.txt")
	fh, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(fh)
	fmt.Fprintf(w, "goos: linux\ncpu: X\n")
	for i := range n {
		fmt.Fprintf(w, "BenchmarkA-2 10 %d ns/op\n", 1+i) // 1..n: mean (n+1)/2
	}
	w.Flush()
	fh.Close()
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	in, err := ReadInput(p)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	s := in.Cases["A"].Samples[UnitSecPerOp]
	if len(s) != MaxSamples {
		t.Fatalf("kept %d samples, want %d", len(s), MaxSamples)
	}
	mean, tail := 0.0, 0
	for _, v := range s {
		mean += v * 1e9 / MaxSamples
		if v*1e9 > MaxSamples {
			tail++
		}
	}
	if want := float64(n+1) / 2; math.Abs(mean-want) > 0.03*want || tail < MaxSamples*9/10 {
		t.Errorf("subsample mean %.0f (file's %.0f), %d of it past the first %d: not uniform", mean, want, tail, MaxSamples)
	}
	if len(in.Warnings) == 0 || !strings.Contains(strings.Join(in.Warnings, "\n"), "subsample") {
		t.Errorf("no warning of the subsample: %q", in.Warnings)
	}
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); grew > 4<<20 {
		t.Errorf("the parsed input holds %d MB of heap for a %d MB file", grew>>20, n*25>>20)
	}
}
