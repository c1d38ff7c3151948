package results

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/perf/benchfmt"
)

func sampleFile() *File {
	return &File{
		Schema:   Schema,
		Tool:     Tool{Name: "bitnet-bench", Version: "test", GoVersion: "go1.26", Commit: "abc123"},
		Created:  time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC),
		Command:  []string{"bitnet-bench", "compare", "--quick"},
		Machine:  Machine{OS: "linux", Arch: "amd64", CPUModel: "Test CPU", GOMAXPROCS: 2},
		Complete: true,
		Cases: []Case{
			{Name: "BitLinear/8x8/b1/i2/generic", Op: "BitLinear", Status: StatusOK, Iterations: 100,
				SamplesNs: []float64{100, 110, 105}, BytesPerOp: 1000, MACsPerOp: 64},
			{Name: "GELU/8/b1/f32/cuda", Op: "GELU", Status: StatusNotImplemented, Error: "GELU: not implemented on cuda"},
		},
	}
}

func TestRoundTrip(t *testing.T) {
	f := sampleFile()
	data, err := f.Encode()
	if err != nil {
		t.Fatal(err)
	}
	g, err := Parse(data, "x.json")
	if err != nil {
		t.Fatal(err)
	}
	again, _ := g.Encode()
	if !bytes.Equal(data, again) {
		t.Fatalf("encode(parse(encode(f))) differs:\n%s\n%s", data, again)
	}
	if g.Find("GELU/8/b1/f32/cuda") == nil || g.Find("nope") != nil {
		t.Fatal("Find")
	}
}

func TestParseErrorsNameWhereAndWhat(t *testing.T) {
	good, _ := sampleFile().Encode()
	for _, tc := range []struct {
		name, data string
		want       []string
	}{
		{"empty", "", []string{"f.json", "empty file"}},
		{"blank", " \n\t", []string{"empty file"}},
		{"truncated", string(good[:len(good)/2]), []string{"f.json:", "truncated JSON"}},
		{"syntax", "{\n  \"schema\": ,\n}", []string{"f.json: 2:", "invalid JSON"}},
		{"wrong type", `{"schema": "` + Schema + `", "cases": [{"name": 5}]}`, []string{"f.json: 1:", `"cases.name"`, "want string"}},
		{"unknown field", `{"schema": "` + Schema + `", "speed": 1}`, []string{`f.json: 1:`, `unknown field "speed"`}},
		{"unknown nested field", "{\"schema\": \"" + Schema + "\",\n \"cases\": [\n  {\"name\": \"a\", \"speed\": 1}]}", []string{`f.json: 3:17: unknown field "speed" (at cases[0].speed)`}},
		{"repeated key", "{\"schema\": \"" + Schema + "\",\n \"complete\": true,\n \"complete\": false}", []string{`f.json: 3:2: key "complete" appears twice`}},
		{"trailing data", string(good) + "{}", []string{"unexpected data after the results object"}},
		{"no schema", `{"cases": []}`, []string{"missing \"schema\""}},
		{"other schema", `{"schema": "bitnet-bench/results/v0"}`, []string{`"bitnet-bench/results/v0" is not supported`}},
	} {
		_, err := Parse([]byte(tc.data), "f.json")
		if err == nil {
			t.Errorf("%s: parsed without error", tc.name)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not contain %q", tc.name, err, w)
			}
		}
	}
}

// TestParseSkipsBOM: a byte order mark is skipped, as regression-check's
// reader skips it, so report and regression-check take the same files.
func TestParseSkipsBOM(t *testing.T) {
	good, _ := sampleFile().Encode()
	if _, err := Parse(append([]byte(BOM), good...), "f.json"); err != nil {
		t.Fatal(err)
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(f *File)
		want   string
	}{
		{"duplicate", func(f *File) { f.Cases[1].Name = f.Cases[0].Name }, "duplicate name"},
		{"empty name", func(f *File) { f.Cases[0].Name = "" }, "empty name"},
		{"ok without samples", func(f *File) { f.Cases[0].SamplesNs = nil }, "no samples"},
		{"zero sample", func(f *File) { f.Cases[0].SamplesNs[1] = 0 }, "samples_ns[1] = 0"},
		{"negative sample", func(f *File) { f.Cases[0].SamplesNs[2] = -3 }, "samples_ns[2] = -3"},
		{"zero iterations", func(f *File) { f.Cases[0].Iterations = 0 }, "iterations = 0"},
		{"failed with samples", func(f *File) { f.Cases[1].SamplesNs = []float64{1} }, "but has samples"},
		{"unknown status", func(f *File) { f.Cases[1].Status = "meh" }, `unknown status "meh"`},
	} {
		f := sampleFile()
		tc.mutate(f)
		err := f.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: Validate = %v, want %q", tc.name, err, tc.want)
		}
		if werr := f.WriteFile(filepath.Join(t.TempDir(), "r.json")); werr == nil {
			t.Errorf("%s: WriteFile wrote an invalid file", tc.name)
		}
	}
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "results.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A failed write (invalid file) leaves the old content and no temp file.
	bad := sampleFile()
	bad.Cases[0].SamplesNs = nil
	if err := bad.WriteFile(path); err == nil {
		t.Fatal("invalid file written")
	}
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Fatalf("old file changed to %q", got)
	}
	if err := sampleFile().WriteFile(path); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadFile(path); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("directory holds %d entries, want only results.json (temp files left?)", len(entries))
	}
	// A directory that does not exist is an error, not a panic.
	if err := WriteFileAtomic(filepath.Join(dir, "no", "such", "x"), []byte("x"), 0o644); err == nil {
		t.Fatal("wrote into a missing directory")
	}
}

func TestBenchTextReadsBack(t *testing.T) {
	f := sampleFile()
	var buf bytes.Buffer
	if err := f.WriteBenchText(&buf); err != nil {
		t.Fatal(err)
	}
	text := buf.String()
	if !strings.Contains(text, "# GELU/8/b1/f32/cuda: not-implemented: GELU: not implemented on cuda") {
		t.Errorf("not-implemented case is not noted:\n%s", text)
	}
	r := benchfmt.NewReader(strings.NewReader(text), "results.txt")
	var n int
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.SyntaxError:
			t.Fatalf("benchfmt: %v", rec)
		case *benchfmt.Result:
			if got := rec.Name.String(); got != "BitLinear/8x8/b1/i2/generic-2" {
				t.Errorf("name %q", got)
			}
			if rec.GetConfig("cpu") != "Test CPU" || rec.GetConfig("commit") != "abc123" {
				t.Errorf("config: cpu %q commit %q", rec.GetConfig("cpu"), rec.GetConfig("commit"))
			}
			ns, _ := rec.Value("sec/op")
			gmac, _ := rec.Value("GMAC/s")
			want := f.Cases[0].SamplesNs[n]
			if ns*1e9 < want*(1-1e-12) || ns*1e9 > want*(1+1e-12) || gmac != 64/want || rec.Iters != 100 {
				t.Errorf("sample %d: %v sec/op, %v GMAC/s, %d iters; want %v ns", n, ns, gmac, rec.Iters, want)
			}
			n++
		}
	}
	if n != 3 {
		t.Fatalf("read %d samples, want 3", n)
	}
	if got := r.Units().GetBetter("GMAC/s"); got != 1 {
		t.Errorf("GMAC/s better = %d, want higher (+1)", got)
	}
}

// A model workload's samples carry tokens per second, which benchstat and
// regression-check read as a higher-is-better unit.
func TestBenchTextTokens(t *testing.T) {
	f := sampleFile()
	f.Cases = []Case{{Name: "Prefill/tiny/b128/generic", Op: "Prefill", Status: StatusOK, Iterations: 2,
		SamplesNs: []float64{1e6, 2e6}, TokensPerOp: 128}}
	var buf bytes.Buffer
	if err := f.WriteBenchText(&buf); err != nil {
		t.Fatal(err)
	}
	r := benchfmt.NewReader(&buf, "results.txt")
	var got []float64
	for r.Scan() {
		if rec, ok := r.Result().(*benchfmt.Result); ok {
			v, _ := rec.Value("tokens/s")
			got = append(got, v)
		}
	}
	if len(got) != 2 || got[0] != 128e3 || got[1] != 64e3 {
		t.Errorf("tokens/s per sample = %v, want [128000 64000]", got)
	}
	if b := r.Units().GetBetter("tokens/s"); b != 1 {
		t.Errorf("tokens/s better = %d, want higher (+1)", b)
	}
}

func TestBenchName(t *testing.T) {
	if got := BenchName("X/y", 1); got != "BenchmarkX/y" {
		t.Error(got)
	}
	if got := BenchName("X/y", 8); got != "BenchmarkX/y-8" {
		t.Error(got)
	}
}

// FuzzParse: Parse never panics, and whatever it accepts is valid and
// survives an encode/parse round trip unchanged.
func FuzzParse(f *testing.F) {
	good, _ := sampleFile().Encode()
	f.Add(good)
	f.Add([]byte(`{"schema": "` + Schema + `", "cases": [{"name": "a", "status": "ok", "iterations": 1, "samples_ns": [1]}]}`))
	f.Add([]byte("{"))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse(data, "fuzz.json")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.json") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if err := file.Validate(); err != nil {
			t.Fatalf("accepted an invalid file: %v", err)
		}
		enc, err := file.Encode()
		if err != nil {
			t.Fatal(err)
		}
		again, err := Parse(enc, "again.json")
		if err != nil {
			t.Fatalf("re-parse: %v", err)
		}
		enc2, _ := again.Encode()
		if !bytes.Equal(enc, enc2) {
			t.Fatal("round trip changed the file")
		}
	})
}

// compare --format md|csv|json prints one row per case.
func TestWriteTable(t *testing.T) {
	f := sampleFile()
	f.Cases[0].MedianNs, f.Cases[0].CILowNs, f.Cases[0].CIHighNs = 105, 100, 110
	f.Cases[0].GMACps, f.Cases[0].GBps = 64/105.0, 1000/105.0
	f.Cases[0].Backend, f.Cases[0].Level = "cpu", "generic"
	var md, csvOut, js bytes.Buffer
	for _, w := range []struct {
		buf    *bytes.Buffer
		format string
	}{{&md, FormatMarkdown}, {&csvOut, FormatCSV}, {&js, FormatJSON}} {
		if err := f.WriteTable(w.buf, w.format); err != nil {
			t.Fatal(err)
		}
	}
	lines := strings.Split(strings.TrimSpace(md.String()), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[2], "| BitLinear/8x8/b1/i2/generic | cpu/generic | 1 | ok | 0.105 | 4.8 | 0.61 | 9.52 |") ||
		!strings.Contains(lines[3], "not-implemented: GELU: not implemented on cuda") {
		t.Errorf("markdown:\n%s", md.String())
	}
	if got := strings.Count(csvOut.String(), "\n"); got != 3 || !strings.Contains(csvOut.String(), "BitLinear/8x8/b1/i2/generic,cpu/generic,1,ok,0.105,4.8,0.61,9.52,,3") {
		t.Errorf("csv:\n%s", csvOut.String())
	}
	var rows []TableRow
	if err := json.Unmarshal(js.Bytes(), &rows); err != nil || len(rows) != 2 || rows[0].MedianNs != 105 {
		t.Errorf("json rows %+v, %v", rows, err)
	}
	if _, err := ParseFormat("xml"); err == nil {
		t.Error("ParseFormat(xml) accepted")
	}
}
