package baselines

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/bitnet-go/bitnet-bench/bench/results"
)

// noise is a fixed ±2% pattern so synthetic samples are reproducible.
var noise = []float64{-0.02, 0.011, 0.016, -0.009, 0.0, 0.02, -0.014, 0.005, -0.004, 0.008, -0.017, 0.013}

// noisy returns n samples around center, spread by the noise pattern
// starting at offset off (so two sides do not share the exact pattern).
func noisy(center float64, n, off int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = center * (1 + noise[(i+off)%len(noise)])
	}
	return s
}

// okCase is a measured results.json case with throughput units.
func okCase(name string, samplesNs []float64) results.Case {
	return results.Case{
		Name: name, Op: "bitlinear", Family: "bitlinear", DType: "i2", Backend: "generic",
		Status: results.StatusOK, Iterations: 100, SamplesNs: samplesNs,
		BytesPerOp: 4 << 20, MACsPerOp: 2560 * 2560,
	}
}

func resultsFile(gomaxprocs int, cases ...results.Case) *results.File {
	return &results.File{
		Schema:   results.Schema,
		Tool:     results.Tool{Name: "bitnet-bench", Version: "test", GoVersion: "go1.26"},
		Created:  time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		Machine:  results.Machine{OS: "linux", Arch: "amd64", CPUModel: "Test CPU", GOMAXPROCS: gomaxprocs},
		Complete: true,
		Cases:    cases,
	}
}

func jsonBytes(t testing.TB, f *results.File) []byte {
	t.Helper()
	data, err := f.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func textBytes(t testing.TB, f *results.File) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := f.WriteBenchText(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// encode renders f in the named format: "json" or "text".
func encode(t testing.TB, f *results.File, format string) []byte {
	t.Helper()
	switch format {
	case "json":
		return jsonBytes(t, f)
	case "text":
		return textBytes(t, f)
	}
	t.Fatalf("unknown format %q", format)
	return nil
}

func mustParse(t testing.TB, data []byte, name string) *Input {
	t.Helper()
	in, err := ParseInput(data, name)
	if err != nil {
		t.Fatalf("ParseInput(%s): %v\n%s", name, err, data)
	}
	return in
}

func mustCompare(t testing.TB, b, c *Input, opt Options) *Comparison {
	t.Helper()
	cmp, err := Compare(b, c, opt)
	if err != nil {
		t.Fatalf("Compare: %v", err)
	}
	return cmp
}

// row returns the row for name and unit, failing the test when absent.
func row(t testing.TB, c *Comparison, name, unit string) Row {
	t.Helper()
	for _, r := range c.Rows {
		if r.Name == name && r.Unit == unit {
			return r
		}
	}
	var have []string
	for _, r := range c.Rows {
		have = append(have, r.Name+" "+r.Unit)
	}
	t.Fatalf("no row %s %s; have %s", name, unit, strings.Join(have, ", "))
	return Row{}
}

// benchLines writes Go benchmark text: one line per value of each case.
func benchLines(suffix, unit string, cases map[string][]float64, order ...string) string {
	var b strings.Builder
	for _, name := range order {
		for _, v := range cases[name] {
			fmt.Fprintf(&b, "Benchmark%s%s\t100\t%v %s\n", name, suffix, v, unit)
		}
	}
	return b.String()
}

func asInputError(t testing.TB, err error) *InputError {
	t.Helper()
	var ie *InputError
	if !errors.As(err, &ie) {
		t.Fatalf("error %v (%T) is not an *InputError", err, err)
	}
	return ie
}
