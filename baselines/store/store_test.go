package store

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bitnet-go/bitnet-bench/baselines/input"
	"github.com/bitnet-go/bitnet-bench/baselines/machine"
	"github.com/bitnet-go/bitnet-bench/baselines/stats"
)

func TestStoreRoundTrip(t *testing.T) {
	dir := t.TempDir()
	st := Store{Dir: filepath.Join(dir, "store")}
	bf, _ := scenario()
	js := writeFile(t, dir, "base.json", jsonBytes(t, bf))
	created := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	b, in, err := NewBaseline("main", []string{js}, Meta{Created: created, Commit: "abc123", Command: []string{"bitnet-bench", "baseline", "save"}}, machine.Fingerprint{})
	if err != nil {
		t.Fatal(err)
	}
	if b.Fingerprint != in.Machine || b.Fingerprint.CPU != "Test CPU" || b.Fingerprint.GOMAXPROCS != 2 {
		t.Errorf("fingerprint %+v, input's %+v", b.Fingerprint, in.Machine)
	}
	path, _, err := st.Save(b, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := st.HistoryDir(b.Fingerprint.Key(), "main"); filepath.Dir(path) != want {
		t.Errorf("saved to %s, want a file in %s", path, want)
	}
	// Saving the same files again would count their samples twice: refused,
	// unless forced; then the history holds two runs and no temporary file.
	b.Commit = "def456"
	var dup *DuplicateError
	if _, _, err := st.Save(b, false); !errors.As(err, &dup) || dup.Path != path {
		t.Fatalf("saving the same files again: %v, want a DuplicateError naming %s", err, path)
	}
	b.Created = created.Add(time.Minute)
	if _, _, err := st.Save(b, true); err != nil {
		t.Fatal(err)
	}
	files, _ := os.ReadDir(filepath.Dir(path))
	if len(files) != 2 {
		t.Errorf("history holds %d files, want 2", len(files))
	}
	entries, err := st.List()
	if err != nil || len(entries) != 2 || entries[0].Err != nil {
		t.Fatalf("List: %v %+v", err, entries)
	}
	got := entries[0].Baseline
	if got.Name != "main" || got.Commit != "def456" || !got.Created.Equal(created.Add(time.Minute)) || len(got.Command) != 3 || len(got.Sources) != 1 || got.Sources[0].Kind != input.KindResultsJSON {
		t.Errorf("stored baseline %+v", got)
	}
	back, err := got.Input(path)
	if err != nil {
		t.Fatal(err)
	}
	cmp, err := stats.Compare(back, in, stats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range cmp.Rows {
		if r.Verdict != stats.NoChange && r.Verdict != stats.MissingCurrent && r.Verdict != stats.MissingBaseline || r.Ratio != 0 && r.Ratio != 1 {
			t.Errorf("%s %s: %q ratio %v comparing the stored baseline with its source", r.Name, r.Unit, r.Verdict, r.Ratio)
		}
	}
	if len(cmp.MachineMismatch) > 0 {
		t.Errorf("mismatch %q", cmp.MachineMismatch)
	}
}

func TestStoreFind(t *testing.T) {
	dir := t.TempDir()
	st := Store{Dir: dir}
	save := func(name, cpu string, procs int, features []string, created time.Time) machine.Fingerprint {
		t.Helper()
		f := resultsFile(procs, okCase("A", noisy(1e6, 10, 0)))
		f.Machine.CPUModel, f.Machine.CPUFeatures, f.Machine.LogicalCores = cpu, features, procs
		p := writeFile(t, t.TempDir(), "r.json", jsonBytes(t, f))
		b, _, err := NewBaseline(name, []string{p}, Meta{Created: created}, machine.Fingerprint{})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := st.Save(b, false); err != nil {
			t.Fatal(err)
		}
		return b.Fingerprint
	}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	avx2 := []string{"AVX2", "FMA3"}
	here := save("main", "CPU X", 8, avx2, t0)
	other := save("main", "CPU Y", 8, avx2, t0.Add(time.Hour)) // newer, other machine
	save("main", "CPU X", 4, avx2, t0.Add(2*time.Hour))
	save("release", "CPU Y", 8, avx2, t0)

	tests := []struct {
		name, baseline string
		fp             machine.Fingerprint
		want           machine.Fingerprint
		mismatch       string // substring of the joined mismatch; "" for none
		err            string
	}{
		{"exact", "main", here, here, "", ""},
		{"exact other", "main", other, other, "", ""},
		// Go benchmark text knows no ISA level or core count.
		{"compatible", "main", machine.Fingerprint{OS: "linux", Arch: "amd64", CPU: "CPU X", GOMAXPROCS: 8}, here, "", ""},
		{"only on another machine", "release", here, other, `CPU "CPU X" vs "CPU Y"`, ""},
		{"closest of several", "main", machine.Fingerprint{OS: "linux", Arch: "amd64", CPU: "CPU Z", ISA: "avx2", Cores: 8, GOMAXPROCS: 8}, other, `CPU "CPU Z" vs "CPU Y"`, ""},
		{"no such name", "nightly", here, machine.Fingerprint{}, "", `no baseline named "nightly"`},
		{"bad name", "../etc", here, machine.Fingerprint{}, "", "baseline name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			found, err := st.Find(tt.baseline, tt.fp)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if found.Baseline.Fingerprint != tt.want {
				t.Errorf("found %v, want %v", found.Baseline.Fingerprint, tt.want)
			}
			mm := strings.Join(found.Mismatch, "; ")
			if tt.mismatch == "" && mm != "" || !strings.Contains(mm, tt.mismatch) {
				t.Errorf("mismatch %q, want %q", mm, tt.mismatch)
			}
		})
	}
	if _, err := (Store{Dir: filepath.Join(dir, "missing")}).Find("main", here); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty store: %v", err)
	}
}

func TestStoreBadFiles(t *testing.T) {
	dir := t.TempDir()
	st := Store{Dir: dir}
	f := resultsFile(2, okCase("A", noisy(1e6, 10, 0)))
	p := writeFile(t, t.TempDir(), "r.json", jsonBytes(t, f))
	b, _, err := NewBaseline("main", []string{p}, Meta{}, machine.Fingerprint{})
	if err != nil {
		t.Fatal(err)
	}
	path, _, err := st.Save(b, false)
	if err != nil {
		t.Fatal(err)
	}
	good, _ := os.ReadFile(path)
	edit := func(fn func(m map[string]any)) []byte {
		var m map[string]any
		json.Unmarshal(good, &m)
		fn(m)
		out, _ := json.Marshal(m)
		return out
	}
	for _, tt := range []struct {
		name string
		data []byte
		want string
	}{
		{"not JSON", []byte("BenchmarkA 1 1 ns/op\n"), "not a stored baseline"},
		{"unknown field", edit(func(m map[string]any) { m["extra"] = 1 }), `unknown field "extra"`},
		{"schema", edit(func(m map[string]any) { m["schema"] = "v0" }), `schema "v0"`},
		{"edited fingerprint", edit(func(m map[string]any) { m["fingerprint"].(map[string]any)["cpu"] = "Other" }), "does not match the fingerprint"},
		{"no sources", edit(func(m map[string]any) { m["sources"] = []any{} }), "no sources"},
		{"bad name", edit(func(m map[string]any) { m["name"] = "a/b" }), "baseline name"},
		{"trailing data", append(append([]byte{}, good...), "{}"...), "unexpected data"},
	} {
		_, err := ParseBaseline(tt.data, "x.json")
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
		var ie *input.InputError
		if err != nil && !errors.As(err, &ie) {
			t.Errorf("%s: %T is not an *input.InputError", tt.name, err)
		}
	}
	// A corrupt stored source is an error naming the store file.
	bad := edit(func(m map[string]any) { m["sources"].([]any)[0].(map[string]any)["data"] = "BenchmarkA ten 1 ns/op\n" })
	if b, err := ParseBaseline(bad, "x.json"); err != nil {
		t.Fatal(err)
	} else if _, err := b.Input("x.json"); err == nil || !strings.Contains(err.Error(), "x.json[r.json]:1") {
		t.Errorf("corrupt source: %v", err)
	}
	// List reports unreadable and misplaced files instead of skipping them.
	os.WriteFile(filepath.Join(filepath.Dir(path), "broken.json"), []byte("{"), 0o644)
	os.MkdirAll(filepath.Join(dir, b.Key, "other"), 0o755)
	os.WriteFile(filepath.Join(dir, b.Key, "other", "renamed.json"), good, 0o644)
	entries, err := st.List()
	if err != nil {
		t.Fatal(err)
	}
	var errs []string
	for _, e := range entries {
		if e.Err != nil {
			errs = append(errs, e.Err.Error())
		}
	}
	if len(entries) != 3 || len(errs) != 2 || !strings.Contains(strings.Join(errs, "\n"), "moved or renamed") {
		t.Errorf("entries %d, errors %q", len(entries), errs)
	}
}

func TestNewBaselineErrors(t *testing.T) {
	dir := t.TempDir()
	notMeasured := resultsFile(2)
	notMeasured.Cases = append(notMeasured.Cases, okCase("A", noisy(1, 10, 0)))
	notMeasured.Cases[0].Status, notMeasured.Cases[0].SamplesNs, notMeasured.Cases[0].Iterations = "error", nil, 0
	empty := writeFile(t, dir, "empty.json", jsonBytes(t, notMeasured))
	good := writeFile(t, dir, "good.txt", []byte("cpu: X\nBenchmarkA-2 10 100 ns/op\n"))
	for _, tt := range []struct {
		name  string
		bname string
		paths []string
		want  string
	}{
		{"bad name", "a b", []string{good}, "baseline name"},
		{"name with .json", "a.json", []string{good}, "baseline name"},
		{"no measured case", "x", []string{empty}, "no measured case"},
		{"missing file", "x", []string{filepath.Join(dir, "nope.txt")}, "nope.txt"},
		{"file twice", "x", []string{good, good}, "given twice"},
	} {
		if _, _, err := NewBaseline(tt.bname, tt.paths, Meta{}, machine.Fingerprint{}); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
	// Text names no ISA level or core count: they come from fill when it
	// agrees with what the text names, and not otherwise.
	fill := machine.Fingerprint{OS: "linux", CPU: "X", ISA: "avx2", Cores: 2}
	b, _, err := NewBaseline("x", []string{good}, Meta{}, fill)
	if err != nil || b.Fingerprint.ISA != "avx2" || b.Fingerprint.Cores != 2 || b.Fingerprint.GOMAXPROCS != 2 {
		t.Errorf("filled fingerprint %+v (%v)", b.Fingerprint, err)
	}
	fill.CPU = "Y"
	if b, _, _ := NewBaseline("x", []string{good}, Meta{}, fill); b.Fingerprint.ISA != "" || b.Fingerprint.CPU != "X" {
		t.Errorf("fingerprint %+v filled from another machine", b.Fingerprint)
	}
}

func TestDefaultStoreDir(t *testing.T) {
	t.Setenv(Env, "")
	t.Setenv("XDG_DATA_HOME", "")
	if got := DefaultDir(); got != filepath.Join(".bitnet-bench", "baselines") {
		t.Errorf("default %q", got)
	}
	t.Setenv("XDG_DATA_HOME", "/data")
	if got := DefaultDir(); got != "/data/bitnet-bench/baselines" {
		t.Errorf("XDG %q", got)
	}
	t.Setenv(Env, "/ci/store")
	if got := DefaultDir(); got != "/ci/store" {
		t.Errorf("env %q", got)
	}
}

// TestStoreHistory: saves add runs, the oldest beyond Keep are pruned, and
// concurrent saves all land (issue 18: three concurrent saves printed
// "saved" and the last won).
func TestStoreHistory(t *testing.T) {
	st := Store{Dir: t.TempDir(), Keep: 4}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	newBaseline := func(i int) *Baseline {
		f := resultsFile(2, okCase("A", noisy(1e6+float64(i), 10, i)))
		p := writeFile(t, t.TempDir(), "r.json", jsonBytes(t, f))
		b, _, err := NewBaseline("main", []string{p}, Meta{Created: t0.Add(time.Duration(i) * time.Second)}, machine.Fingerprint{})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range 3 {
		b := newBaseline(i)
		wg.Go(func() { _, _, errs[i] = (Store{Dir: st.Dir, Keep: 100}).Save(b, false) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	found, err := st.Find("main", machine.Fingerprint{})
	if err != nil || len(found.Runs) != 3 {
		t.Fatalf("after 3 concurrent saves: %v, %d runs", err, len(found.Runs))
	}
	var pruned []string
	for i := 3; i < 6; i++ {
		_, p, err := st.Save(newBaseline(i), false)
		if err != nil {
			t.Fatal(err)
		}
		pruned = append(pruned, p...)
	}
	found, err = st.Find("main", machine.Fingerprint{})
	if err != nil || len(found.Runs) != 4 || len(pruned) != 2 {
		t.Fatalf("Keep 4: %v, %d runs, pruned %q", err, len(found.Runs), pruned)
	}
	if !found.Baseline.Created.Equal(t0.Add(5 * time.Second)) {
		t.Errorf("newest run %v, want the last saved", found.Baseline.Created)
	}
	in, err := found.Input()
	if err != nil || in.Runs != 4 || len(in.Cases["A"].RunsOf(input.UnitSecPerOp)) != 4 {
		t.Fatalf("history input: %v, %+v", err, in)
	}
}
