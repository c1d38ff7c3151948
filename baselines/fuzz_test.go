package baselines

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"os"
	"testing"
)

// FuzzParseInput checks that no input panics, that every failure is an
// *InputError naming the file, and that whatever parses compares with
// itself as unchanged and renders as a table and as valid JSON.
func FuzzParseInput(f *testing.F) {
	bf, cf := scenario()
	f.Add(jsonBytes(f, bf))
	f.Add(textBytes(f, cf))
	for _, name := range []string{"testdata/gotest.txt", "testdata/malformed.txt"} {
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"", " \n", "{", "[", "{}", jsonHead + jsonCaseA + "\n  ]\n}\n",
		"BenchmarkA-2 1 1 ns/op\nBenchmarkA-4 1 1 ns/op\n",
		"Unit x/op better=higher\nBenchmarkA 10 0 x/op 0 allocs/op\n",
		"BenchmarkA 1 1e-320 ns/op\n", "Benchmark 1 1 ns/op\n", "BenchmarkA 1 NaN ns/op\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := ParseInput(data, "fuzz.in")
		if err != nil {
			var ie *InputError
			if !errors.As(err, &ie) || ie.File != "fuzz.in" || ie.Line < 0 || ie.Msg == "" {
				t.Fatalf("error %v (%T) is not an *InputError naming fuzz.in", err, err)
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
		cmp, err := Compare(in, in, Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range cmp.Rows {
			if r.Verdict != NoChange {
				t.Fatalf("%s %s: %q comparing a file with itself", r.Name, r.Unit, r.Verdict)
			}
		}
		var buf bytes.Buffer
		if err := cmp.WriteTable(&buf); err != nil {
			t.Fatal(err)
		}
		buf.Reset()
		if err := cmp.WriteJSON(&buf); err != nil {
			t.Fatal(err)
		}
		if !json.Valid(buf.Bytes()) {
			t.Fatalf("invalid JSON:\n%s", buf.Bytes())
		}
	})
}
