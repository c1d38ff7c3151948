package baselines_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"flag"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/bitnet-go/bitnet-bench/baselines/ciout"
	"github.com/bitnet-go/bitnet-bench/baselines/input"
	"github.com/bitnet-go/bitnet-bench/baselines/internal/fixture"
	"github.com/bitnet-go/bitnet-bench/baselines/machine"
	"github.com/bitnet-go/bitnet-bench/baselines/stats"
	"github.com/bitnet-go/bitnet-bench/baselines/store"
)

// Large seeds are left out of a fuzzing run (-test.fuzz), and run only as
// seeds under go test: the fuzzer minimizes every input that reaches new
// code, for up to -fuzzminimizetime (a minute) each, and mutants of the
// 4-5 KB scenario files kept FuzzMergeInputs minimizing for minutes (9
// executions in 90 s). The small seeds below reach the same code.
func fuzzing() bool {
	fl := flag.Lookup("test.fuzz")
	return fl != nil && fl.Value.String() != ""
}

var (
	smallJSON = []byte(`{"schema": "bitnet-bench/results/v1", "complete": true, "machine": {"os": "linux", "arch": "amd64", "cpu_model": "X", "cpu_features": null, "logical_cores": 2, "physical_cores": 2, "gomaxprocs": 2},
"cases": [{"name": "A", "status": "ok", "iterations": 10, "samples_ns": [100, 103, 98], "bytes_per_op": 64, "macs_per_op": 16},
{"name": "B", "status": "not_implemented", "error": "no"}]}`)
	smallText = []byte("goos: linux\ncpu: X\nUnit GMAC/s better=higher\nBenchmarkA-2 10 100 ns/op 640 MB/s\nBenchmarkA-2 10 103 ns/op 621 MB/s\nBenchmarkC-2 5 7 ns/op 0 allocs/op\n")
)

// fuzzResamples is the bootstrap size in fuzz targets: the properties
// checked (a side compared with itself is unchanged) hold at any size, and
// fewer resamples make more executions.
const fuzzResamples = 100 // the least stats.Options takes

// FuzzParseInput checks that no input panics, that every failure is an
// *input.InputError naming the file, and that whatever parses compares with
// itself as unchanged and renders as a table and as valid JSON.
func FuzzParseInput(f *testing.F) {
	if !fuzzing() {
		bf, cf := fixture.Scenario()
		f.Add(fixture.JSONBytes(f, bf))
		f.Add(fixture.TextBytes(f, cf))
		for _, name := range []string{"input/testdata/gotest.txt", "input/testdata/malformed.txt"} {
			data, err := os.ReadFile(name)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(data)
		}
	}
	f.Add(smallJSON)
	f.Add(smallText)
	for _, s := range []string{
		"", " \n", "{", "[", "{}", "{\n  \"schema\": \"bitnet-bench/results/v1\",\n  \"complete\": true,\n  \"cases\": [\n    {\"name\": \"A\", \"status\": \"ok\", \"iterations\": 10, \"samples_ns\": [100, 101]}\n  ]\n}\n",
		"BenchmarkA-2 1 1 ns/op\nBenchmarkA-4 1 1 ns/op\n",
		"Unit x/op better=higher\nBenchmarkA 10 0 x/op 0 allocs/op\n",
		"BenchmarkA 1 1e-320 ns/op\n", "Benchmark 1 1 ns/op\n", "BenchmarkA 1 NaN ns/op\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := input.ParseInput(data, "fuzz.in")
		if err != nil {
			var ie *input.InputError
			if !errors.As(err, &ie) || ie.File != "fuzz.in" || ie.Line < 0 || ie.Msg == "" {
				t.Fatalf("error %v (%T) is not an *input.InputError naming fuzz.in", err, err)
			}
			return
		}
		if len(in.Names) != len(in.Cases) {
			t.Fatalf("%d names for %d cases", len(in.Names), len(in.Cases))
		}
		for _, name := range in.Names {
			cd := in.Cases[name]
			if cd == nil || name == "" {
				t.Fatalf("case %q: %v", name, cd)
			}
			if len(cd.Units) != len(cd.Samples) {
				t.Fatalf("case %q: units %q for %d sample sets", name, cd.Units, len(cd.Samples))
			}
			for _, u := range cd.Units {
				for _, v := range cd.Samples[u] {
					if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
						t.Fatalf("case %q: %v %s accepted", name, v, u)
					}
				}
			}
		}
		cmp, err := stats.Compare(in, in, stats.Options{Resamples: fuzzResamples})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range cmp.Rows {
			// A case without the gating unit has nothing to gate it:
			// inconclusive, never no change.
			noGate := r.Verdict == stats.Inconclusive && r.Gated && r.Baseline == nil && r.Current == nil
			if r.Verdict != stats.NoChange && !noGate {
				t.Fatalf("%s %s: %q comparing a file with itself", r.Name, r.Unit, r.Verdict)
			}
		}
		var buf bytes.Buffer
		if err := ciout.Table(&buf, cmp); err != nil {
			t.Fatal(err)
		}
		buf.Reset()
		if err := ciout.JSON(&buf, cmp); err != nil {
			t.Fatal(err)
		}
		if !json.Valid(buf.Bytes()) {
			t.Fatalf("invalid JSON:\n%s", buf.Bytes())
		}
		buf.Reset()
		if err := ciout.Markdown(&buf, cmp); err != nil {
			t.Fatal(err)
		}
		buf.Reset()
		if err := ciout.JUnit(&buf, cmp); err != nil {
			t.Fatal(err)
		}
		var doc junitDoc
		if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil || doc.Failures != 0 {
			t.Fatalf("JUnit: %v, %d failures comparing a file with itself\n%s", err, doc.Failures, buf.Bytes())
		}
	})
}

// FuzzMergeInputs reads two files as one side, as --baseline a,b does:
// no panic, failures are *InputErrors naming a file, and a merged side
// holds exactly the samples of its parts and compares as unchanged with
// itself, in every output format.
func FuzzMergeInputs(f *testing.F) {
	if !fuzzing() {
		bf, cf := fixture.Scenario()
		f.Add(fixture.JSONBytes(f, bf), fixture.TextBytes(f, cf))
		f.Add(fixture.TextBytes(f, bf), fixture.TextBytes(f, cf))
	}
	f.Add(smallJSON, smallText)
	f.Add([]byte("cpu: X\nBenchmarkA-2 1 1 ns/op\n"), []byte("cpu: Y\nBenchmarkA-2 1 1 ns/op\n"))
	f.Add([]byte("BenchmarkA-2 1 1 ns/op\n"), []byte("BenchmarkA-4 1 1 ns/op\n"))
	f.Add([]byte("Unit s better=higher\nBenchmarkA 1 1 s\n"), []byte("Unit s better=lower\nBenchmarkA 1 1 s\n"))
	f.Add([]byte("BenchmarkA 1 1 ns/op\n"), []byte("BenchmarkA 1 1 ms/op\n"))
	f.Add([]byte("BenchmarkA 1 1 ns/op\n"), []byte("{}"))
	f.Fuzz(func(t *testing.T, d1, d2 []byte) {
		a, err1 := input.ParseInput(d1, "a.txt")
		b, err2 := input.ParseInput(d2, "b.txt")
		if err1 != nil || err2 != nil {
			return // FuzzParseInput covers single files
		}
		m, err := input.MergeInputs(a, b)
		if err != nil {
			var ie *input.InputError
			if !errors.As(err, &ie) || (ie.File != "a.txt" && ie.File != "b.txt") || ie.Msg == "" {
				t.Fatalf("error %v (%T) is not an *input.InputError naming a file", err, err)
			}
			return
		}
		total := func(in *input.Input) int {
			n := 0
			for _, cd := range in.Cases {
				for _, v := range cd.Samples {
					n += len(v)
				}
			}
			return n
		}
		if total(m) != total(a)+total(b) {
			t.Fatalf("merged %d samples from %d and %d", total(m), total(a), total(b))
		}
		if len(m.Names) != len(m.Cases) {
			t.Fatalf("%d names for %d cases", len(m.Names), len(m.Cases))
		}
		cmp, err := stats.Compare(m, m, stats.Options{Resamples: fuzzResamples})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range cmp.Rows {
			// A case without the gating unit has nothing to gate it:
			// inconclusive, never no change.
			noGate := r.Verdict == stats.Inconclusive && r.Gated && r.Baseline == nil && r.Current == nil
			if r.Verdict != stats.NoChange && !noGate {
				t.Fatalf("%s %s: %q comparing a merged side with itself", r.Name, r.Unit, r.Verdict)
			}
		}
		// Both sides against each other: never a silent pass on a case
		// that one side lacks.
		cmp, err = stats.Compare(a, b, stats.Options{Resamples: fuzzResamples})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range cmp.Rows {
			if (r.Baseline == nil || r.Current == nil) && r.Verdict != stats.MissingBaseline && r.Verdict != stats.MissingCurrent && !(r.Verdict == stats.Inconclusive && (strings.HasPrefix(r.Reason, "unit mismatch") || strings.HasPrefix(r.Reason, "no "))) {
				t.Fatalf("%s %s: one side missing, verdict %q", r.Name, r.Unit, r.Verdict)
			}
		}
		var buf bytes.Buffer
		for _, w := range []func(*bytes.Buffer) error{
			func(b *bytes.Buffer) error { return ciout.Table(b, cmp) },
			func(b *bytes.Buffer) error { return ciout.Markdown(b, cmp) },
			func(b *bytes.Buffer) error { return ciout.JUnit(b, cmp) },
		} {
			buf.Reset()
			if err := w(&buf); err != nil {
				t.Fatal(err)
			}
		}
		var doc junitDoc
		if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
			t.Fatalf("invalid JUnit XML: %v\n%s", err, buf.Bytes())
		}
	})
}

// FuzzParseConfig: no panic, errors are *InputErrors naming the file, and
// a config that parses survives a round trip through MarshalJSON.
func FuzzParseConfig(f *testing.F) {
	for _, s := range []string{
		`{"thresholds": [{"match": "^BitLinear/", "threshold": "3%"}], "default": "5%"}`,
		`{"thresholds": [{"match": "(", "threshold": "3%"}]}`,
		`{"default": 0.05}`, `{"default": "5"}`, `{"x": 1}`, `{"thresholds": [null]}`,
		`{"thresholds": [{"match": "a", "threshold": 1e400}]}`, `null`, `[]`, `{`, "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := stats.ParseConfig(data, "fuzz.json")
		if err != nil {
			var ie *input.InputError
			if !errors.As(err, &ie) || ie.File != "fuzz.json" || ie.Msg == "" || ie.Line < 0 {
				t.Fatalf("error %v (%T) is not an *input.InputError naming fuzz.json", err, err)
			}
			return
		}
		for _, r := range c.Rules {
			if !(r.Threshold > 0) || math.IsInf(r.Threshold, 0) {
				t.Fatalf("rule %+v accepted", r)
			}
		}
		if c.Default < 0 || math.IsNaN(c.Default) || math.IsInf(c.Default, 0) {
			t.Fatalf("default %v accepted", c.Default)
		}
		out, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		back, err := stats.ParseConfig(out, "back.json")
		if err != nil {
			t.Fatalf("round trip: %v\n%s", err, out)
		}
		if len(back.Rules) != len(c.Rules) {
			t.Fatalf("round trip kept %d of %d rules", len(back.Rules), len(c.Rules))
		}
	})
}

// FuzzParseBaseline: a stored baseline file, however damaged, is read or
// refused with an *input.InputError, never a panic; one that is read parses.
func FuzzParseBaseline(f *testing.F) {
	bf, _ := fixture.Scenario()
	b := &store.Baseline{Schema: store.Schema, Name: "main", Fingerprint: machine.Fingerprint{OS: "linux", CPU: "X"},
		Sources: []store.Source{{File: "r.json", Kind: input.KindResultsJSON, Data: string(fixture.JSONBytes(f, bf))}}}
	b.Key = b.Fingerprint.Key()
	good, err := json.Marshal(b)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{"schema": "bitnet-bench/baseline/v1"}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := store.ParseBaseline(data, "store.json")
		if err != nil {
			var ie *input.InputError
			if !errors.As(err, &ie) || ie.File != "store.json" {
				t.Fatalf("error %v (%T) is not an *input.InputError naming store.json", err, err)
			}
			return
		}
		if _, err := b.Input("store.json"); err != nil {
			var ie *input.InputError
			if !errors.As(err, &ie) || !strings.HasPrefix(ie.File, "store.json[") {
				t.Fatalf("source error %v (%T) does not name the store file", err, err)
			}
		}
	})
}

// junitDoc is the part of ciout's JUnit XML the fuzz targets check.
type junitDoc struct {
	Failures int `xml:"failures,attr"`
}
