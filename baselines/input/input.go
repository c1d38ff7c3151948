// Package input reads the results a comparison compares: bitnet-bench
// results.json and Go benchmark text (go test -bench output from any Go
// project), one file or several merged as one side, with the machine each
// was measured on. Values are kept in benchfmt's tidied units.
package input

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/bitnet-go/bitnet-bench/baselines/machine"
	"github.com/bitnet-go/bitnet-bench/bench/results"
	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchunit"
)

// Kind is the format an input was read from.
type Kind string

const (
	KindResultsJSON Kind = "results-json" // bitnet-bench results.json
	KindBenchText   Kind = "bench-text"   // Go benchmark text (go test -bench, WriteBenchText)
)

// Tidied units this package knows by name. Units are stored tidied as
// benchfmt does, so "ns/op" from either format becomes UnitSecPerOp.
const (
	UnitSecPerOp = "sec/op" // time per op, the primary unit
	UnitBps      = "B/s"
	UnitGMACps   = results.UnitGMACps
)

// Input is one side of a comparison: every measured case of one file.
//
// Values are stored in tidied units, as benchfmt reads them: "ns/op" becomes
// "sec/op" in seconds and "MB/s" becomes "B/s". From results.json it takes
// the time samples and derives B/s, GMAC/s and tokens/s per sample with
// results.Case.SampleValues, as results.File.WriteBenchText does; per-case Extra metrics are single values,
// not samples, and are left out.
type Input struct {
	File string
	Kind Kind
	// Names lists the cases in file order, including those without samples.
	Names []string
	Cases map[string]*CaseData
	// Better maps each tidied unit seen to +1 when higher values are better
	// and -1 when lower values are better.
	Better map[string]int
	// GOMAXPROCS the benchmarks ran with; 0 when unknown or not uniform.
	GOMAXPROCS int
	// CPU is the processor model the file names, "" when it names none.
	CPU string
	// Machine is the fingerprint of the machine the file was measured on,
	// as far as the file tells.
	Machine machine.Fingerprint
	// Sources are the files read, in order; one unless inputs were merged.
	Sources []string
	// Commit is the commit of the code measured, when the file records it
	// (results.json's tool.commit, a "commit:" line in benchmark text).
	Commit string
	// Warnings are facts about the file a reader should see (an
	// interrupted run, ...) that do not make it unusable.
	Warnings []string
	// Runs is the number of separate runs (processes, machine states) the
	// samples come from: one per file read, so 1 unless files were merged.
	// CaseData.RunIDs says which run each sample came from.
	Runs int
	// Failed maps a case that failed in this run to why: a results.json
	// case with status "error", or a "--- FAIL: BenchmarkX" line.
	Failed map[string]string
	// RunFailed is set when Go benchmark text printed a FAIL line (a
	// failing test or benchmark in the package); it says which.
	RunFailed string
	// ControlSet holds the control workloads (package bench/controls)
	// measured during the run, pooled over its cases; each case's own are
	// in its CaseData.
	ControlSet
}

// ControlSet is a set of control measurements (package bench/controls):
// they track the machine's state, not the code under test.
type ControlSet struct {
	// Controls are the measurements by control name, in seconds per op,
	// one value per measurement.
	Controls map[string][]float64
	// ControlRunIDs maps a control to the run (0 to Input.Runs-1) of each
	// of its measurements, parallel to Controls, as CaseData.RunIDs does
	// samples.
	ControlRunIDs map[string][]int
	// ControlNames lists Controls' keys in order of first appearance.
	ControlNames []string
}

// ControlRunsOf splits the measurements of control name by run, in run
// order, leaving out runs without any, and returns the runs' ids.
func (cs *ControlSet) ControlRunsOf(name string) ([][]float64, []int) {
	return splitRuns(cs.Controls[name], cs.ControlRunIDs[name])
}

// ControlUnitPrefix starts the units of control measurements in Go
// benchmark text ("ctl-compute-ns"): values in these units are the
// machine-state covariates of bench/controls, not samples of the case.
const ControlUnitPrefix = "ctl-"

// addControl records one control measurement of run 0 in seconds per op.
func (cs *ControlSet) addControl(name string, sec float64) { cs.addControlRun(name, sec, 0) }

// addControlRun records one control measurement of the given run.
func (cs *ControlSet) addControlRun(name string, sec float64, run int) {
	if cs.Controls == nil {
		cs.Controls, cs.ControlRunIDs = map[string][]float64{}, map[string][]int{}
	}
	if _, ok := cs.Controls[name]; !ok {
		cs.ControlNames = append(cs.ControlNames, name)
	}
	cs.Controls[name] = append(cs.Controls[name], sec)
	cs.ControlRunIDs[name] = append(cs.ControlRunIDs[name], run)
}

// mergeControls appends src's measurements with their run ids moved by
// runBase.
func (cs *ControlSet) mergeControls(src *ControlSet, runBase int) {
	for _, c := range src.ControlNames {
		for v, run := range withRuns(src.Controls[c], src.ControlRunIDs[c]) {
			cs.addControlRun(c, v, runBase+run)
		}
	}
}

// fail records that case name failed.
func (in *Input) fail(name, why string) {
	if in.Failed == nil {
		in.Failed = map[string]string{}
	}
	if _, ok := in.Failed[name]; !ok {
		in.Failed[name] = why
	}
}

// CaseData is the samples of one case in one file.
type CaseData struct {
	// Units lists the tidied units in order of first appearance.
	Units []string
	// Samples maps a tidied unit to its values, one per sample.
	Samples map[string][]float64
	// RunIDs maps a tidied unit to the run (0 to Input.Runs-1) of each of
	// its samples, parallel to Samples.
	RunIDs map[string][]int
	// NotMeasured is why a results.json case has no samples (its status and
	// error); "" for measured cases.
	NotMeasured string
	// ControlSet holds the controls measured with this case (on its
	// result lines, or its results.json case): the machine's state while
	// it ran.
	ControlSet
}

// RunsOf splits the samples of unit by run, in run order, leaving out runs
// without samples.
func (cd *CaseData) RunsOf(unit string) [][]float64 {
	runs, _ := cd.RunsWithIDs(unit)
	return runs
}

// RunsWithIDs is RunsOf with the run id (0 to Input.Runs-1) of each run
// returned, so that a run's samples can be matched with its controls
// (Input.ControlRunsOf).
func (cd *CaseData) RunsWithIDs(unit string) ([][]float64, []int) {
	if cd == nil {
		return nil, nil
	}
	return splitRuns(cd.Samples[unit], cd.RunIDs[unit])
}

// withRuns yields each value with its run id (ids parallel to vals; a
// value without an id is run 0's).
func withRuns(vals []float64, ids []int) iter.Seq2[float64, int] {
	return func(yield func(float64, int) bool) {
		for i, v := range vals {
			id := 0
			if i < len(ids) {
				id = ids[i]
			}
			if !yield(v, id) {
				return
			}
		}
	}
}

// splitRuns groups vals by their run ids (withRuns), in run order, and
// returns the ids.
func splitRuns(vals []float64, ids []int) ([][]float64, []int) {
	byRun := map[int][]float64{}
	var order []int
	for v, id := range withRuns(vals, ids) {
		if _, ok := byRun[id]; !ok {
			order = append(order, id)
		}
		byRun[id] = append(byRun[id], v)
	}
	slices.Sort(order)
	out := make([][]float64, 0, len(order))
	for _, id := range order {
		out = append(out, byRun[id])
	}
	return out, order
}

// caseNamed returns the case called name, adding it after the others when
// it is new: benchmark text repeats a name once per sample line, and merged
// files repeat it once per file.
func (in *Input) caseNamed(name string) *CaseData {
	cd, ok := in.Cases[name]
	if !ok {
		cd = &CaseData{Samples: map[string][]float64{}, RunIDs: map[string][]int{}}
		in.Cases[name] = cd
		in.Names = append(in.Names, name)
	}
	return cd
}

// HigherIsBetter reports whether higher values of the tidied unit are better.
func (in *Input) HigherIsBetter(unit string) bool { return in.Better[unit] > 0 }

// InputError is an input file that cannot be used: missing, empty or
// malformed. The CLI maps it to exit status 2.
type InputError struct {
	File string
	Line int // 1-based; 0 when no line applies
	Col  int // 1-based; 0 when unknown
	Msg  string
	Err  error // underlying error, if any
}

func (e *InputError) Error() string {
	switch {
	case e.Line > 0 && e.Col > 0:
		return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

func (e *InputError) Unwrap() error { return e.Err }

// ReadInput reads the results JSON or Go benchmark text file at path.
// Benchmark text is read as a stream, and at most MaxSamples samples are
// kept per case and unit, so memory does not grow with the file.
func ReadInput(path string) (*Input, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, readError(path, err)
	}
	defer fh.Close()
	reopen := func() (io.ReadCloser, error) { return os.Open(path) }
	return parseStream(fh, reopen, path)
}

func readError(path string, err error) *InputError {
	var pe *fs.PathError
	msg := err.Error()
	if errors.As(err, &pe) {
		msg = pe.Err.Error() // the path is already in InputError.File
	}
	return &InputError{File: path, Msg: "cannot read file: " + msg, Err: err}
}

// ParseInput reads data in either format; name is used in errors. A file
// whose first non-space byte is '{' is results JSON, anything else is Go
// benchmark text.
func ParseInput(data []byte, name string) (*Input, error) {
	reopen := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	return parseStream(bytes.NewReader(data), reopen, name)
}

// parseStream reads either format from r; reopen reads the same bytes
// again from the start, to quote a line in an error or find FAIL lines.
func parseStream(r io.Reader, reopen func() (io.ReadCloser, error), name string) (*Input, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if bom, err := br.Peek(3); err == nil && string(bom) == "\xef\xbb\xbf" {
		br.Discard(3) // editors add a BOM; neither parser accepts one
	}
	// The first byte that is not space decides the format.
	first := byte(0)
	for n := 1; ; n++ {
		b, err := br.Peek(n)
		if len(b) < n {
			if err != nil && err != io.EOF && !errors.Is(err, bufio.ErrBufferFull) {
				return nil, readError(name, err)
			}
			break
		}
		if c := b[n-1]; c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\v' && c != '\f' {
			first = c
			break
		}
		if n == br.Size() { // a buffer of blanks: keep reading
			br.Discard(n)
			n = 0
		}
	}
	switch first {
	case 0:
		return nil, &InputError{File: name, Msg: "empty file: want results JSON or Go benchmark text"}
	case '{':
		data, err := io.ReadAll(br) // results.json is small: a few samples per case
		if err != nil {
			return nil, readError(name, err)
		}
		return parseJSON(data, name)
	}
	return parseText(br, reopen, name, first == '[')
}

// New returns an empty input read from the file name in format kind,
// for callers that build one side themselves (a synthetic workload).
func New(name string, kind Kind) *Input {
	return &Input{File: name, Kind: kind, Cases: map[string]*CaseData{}, Better: map[string]int{}, Sources: []string{name}, Runs: 1}
}

// Add appends a sample of run 0 in the tidied unit.
func (cd *CaseData) Add(unit string, v float64) { cd.AddRun(unit, v, 0) }

// AddRun appends a sample of the given run in the tidied unit.
func (cd *CaseData) AddRun(unit string, v float64, run int) {
	if _, ok := cd.Samples[unit]; !ok {
		cd.Units = append(cd.Units, unit)
	}
	if cd.Samples == nil {
		cd.Samples = map[string][]float64{}
	}
	if cd.RunIDs == nil {
		cd.RunIDs = map[string][]int{}
	}
	cd.Samples[unit] = append(cd.Samples[unit], v)
	cd.RunIDs[unit] = append(cd.RunIDs[unit], run)
}

// --- results.json ---

var (
	// results.Parse errors look like "name:line:col: msg" or "name: msg".
	posPrefix = regexp.MustCompile(`^: ?(\d+):(\d+): `)
	// results.File.Validate names the offending case by index.
	caseIndex = regexp.MustCompile(`^cases\[(\d+)\]`)
)

func parseJSON(data []byte, name string) (*Input, error) {
	f, err := results.Parse(data, name)
	if err != nil {
		return nil, jsonError(data, name, err)
	}
	in := New(name, KindResultsJSON)
	in.GOMAXPROCS = f.Machine.GOMAXPROCS
	in.CPU = f.Machine.CPUModel
	in.Machine = machine.Of(f.Machine)
	in.Commit = f.Tool.Commit
	// results.json holds time samples; throughput is derived per sample the
	// same way WriteBenchText derives it, so a JSON side and a text side
	// carry the same units.
	in.Better[UnitSecPerOp] = -1
	for i := range f.Cases {
		c := &f.Cases[i]
		cd := &CaseData{Samples: map[string][]float64{}, RunIDs: map[string][]int{}}
		for _, ctl := range slices.Sorted(maps.Keys(c.ControlsNs)) {
			in.addControl(ctl, c.ControlsNs[ctl]*1e-9) // results.Validate checked the values
			cd.addControl(ctl, c.ControlsNs[ctl]*1e-9)
		}
		in.Names = append(in.Names, c.Name)
		in.Cases[c.Name] = cd
		if !c.OK() {
			cd.NotMeasured = c.Status
			if c.Error != "" {
				cd.NotMeasured += ": " + c.Error
			}
			if c.Status == results.StatusError {
				in.fail(c.Name, cd.NotMeasured)
			}
			continue
		}
		for j, ns := range c.SamplesNs {
			for _, v := range c.SampleValues(ns) {
				t, u := benchunit.Tidy(v.Value, v.Unit)
				// Extreme samples can underflow or overflow once scaled.
				if t <= 0 || math.IsInf(t, 0) {
					return nil, &InputError{File: name, Line: jsonCaseLine(data, i),
						Msg: fmt.Sprintf("cases[%d] %q: samples_ns[%d] = %v gives %v %s: out of range", i, c.Name, j, ns, t, u)}
				}
				cd.Add(u, t)
				if u != UnitSecPerOp {
					in.Better[u] = 1
				}
			}
		}
	}
	if !f.Complete {
		in.Warnings = append(in.Warnings, fmt.Sprintf("%s: the run was interrupted; it holds only the %d cases that finished", name, len(f.Cases)))
	}
	return in, nil
}

// jsonError turns a results.Parse error into an *InputError, keeping the
// position it names or, for a bad case, finding the line where it starts.
func jsonError(data []byte, name string, err error) *InputError {
	ie := &InputError{File: name, Err: err}
	rest, ok := strings.CutPrefix(err.Error(), name)
	if !ok {
		ie.Msg = err.Error()
		return ie
	}
	if m := posPrefix.FindStringSubmatch(rest); m != nil {
		ie.Line, _ = strconv.Atoi(m[1])
		ie.Col, _ = strconv.Atoi(m[2])
		ie.Msg = rest[len(m[0]):]
		return ie
	}
	ie.Msg = strings.TrimPrefix(rest, ": ")
	if m := caseIndex.FindStringSubmatch(ie.Msg); m != nil {
		if i, err := strconv.Atoi(m[1]); err == nil {
			ie.Line = jsonCaseLine(data, i)
		}
	}
	return ie
}

// jsonCaseLine returns the line where cases[idx] starts in a syntactically
// valid results file, or 0.
func jsonCaseLine(data []byte, idx int) int {
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return 0
	}
	for dec.More() {
		key, err := dec.Token()
		if err != nil {
			return 0
		}
		if key != "cases" {
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return 0
			}
			continue
		}
		if tok, err := dec.Token(); err != nil || tok != json.Delim('[') {
			return 0
		}
		for i := 0; dec.More(); i++ {
			// InputOffset is just past the previous token; the element
			// starts after the separating comma and space.
			off := dec.InputOffset()
			for off < int64(len(data)) && bytes.IndexByte([]byte(" \t\r\n,"), data[off]) >= 0 {
				off++
			}
			if i == idx {
				return 1 + bytes.Count(data[:off], []byte{'\n'})
			}
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return 0
			}
		}
		return 0
	}
	return 0
}

// --- Go benchmark text ---

const wantBenchLine = `want "BenchmarkName iterations value unit [value unit...]"`

// MaxSamples is the most samples kept per case and unit of Go benchmark
// text: beyond it a uniform random subsample of MaxSamples is kept
// (reservoir sampling, seeded, so a file always gives the same one), which
// bounds memory and the bootstrap's work whatever the file's size.
const MaxSamples = 10000

// textCase is a case as the stream finds it, under its name as written
// (with its -N suffix) until the whole file tells whether to strip it.
type textCase struct {
	cd   *CaseData
	seen map[string]int // samples seen per unit, kept or not
}

func parseText(src io.Reader, reopen func() (io.ReadCloser, error), name string, looksLikeJSONArray bool) (*Input, error) {
	r := benchfmt.NewReader(src, name)
	raw := map[string]*textCase{}
	var rawNames []string
	pkgOf := map[string]string{} // full name → pkg, to refuse silent merges
	pkgLine := map[string]int{}
	in := New(name, KindBenchText)
	rng := rand.New(rand.NewPCG(1, 2))
	subsampled := 0
	units := map[string]bool{}
	for r.Scan() {
		switch rec := r.Result().(type) {
		case *benchfmt.SyntaxError:
			return nil, textSyntaxError(reopen, name, rec)
		case *benchfmt.Result:
			rname := string(rec.Name)
			_, line := rec.Pos()
			if rname == "" {
				return nil, &InputError{File: name, Line: line, Msg: "malformed benchmark line: missing benchmark name after \"Benchmark\""}
			}
			if rec.Iters <= 0 {
				return nil, &InputError{File: name, Line: line, Msg: fmt.Sprintf("benchmark %s: iteration count %d: want > 0", rname, rec.Iters)}
			}
			onLine := map[string]bool{}
			for i, v := range rec.Values {
				// benchfmt tidies only when the value changes, so 0 ns/op
				// would stay "ns/op"; tidy every value to keep one unit.
				if v.OrigUnit == "" {
					v.OrigValue, v.OrigUnit = v.Value, v.Unit
					v.Value, v.Unit = benchunit.Tidy(v.Value, v.Unit)
				}
				rec.Values[i] = v
				if err := checkValue(v, r.Units()); err != "" {
					return nil, &InputError{File: name, Line: line, Msg: fmt.Sprintf("benchmark %s: %s", rname, err)}
				}
				// A line is one sample: a second value in the same unit
				// is not a second sample.
				if onLine[v.Unit] {
					return nil, &InputError{File: name, Line: line, Msg: fmt.Sprintf("benchmark %s: two values in %s on one line: a line is one sample, with one value per unit", rname, v.OrigUnit)}
				}
				onLine[v.Unit] = true
			}
			// The same name in two packages would merge two different
			// benchmarks into one sample.
			pkg := rec.GetConfig("pkg")
			if have, ok := pkgOf[rname]; ok && have != pkg {
				return nil, &InputError{File: name, Line: line, Msg: fmt.Sprintf("benchmark %s appears in pkg %q (line %d) and pkg %q: compare one package per file", rname, have, pkgLine[rname], pkg)}
			} else if !ok {
				pkgOf[rname] = pkg
				pkgLine[rname] = line
			}
			fp := machine.Fingerprint{OS: rec.GetConfig("goos"), Arch: rec.GetConfig("goarch"), CPU: machine.NormalizeCPU(rec.GetConfig("cpu"))}
			if d := in.Machine.Diff(fp); len(d) > 0 {
				return nil, &InputError{File: name, Line: line, Msg: fmt.Sprintf("benchmark %s was measured on another machine than the lines before it (%s): compare one machine per file", rname, strings.Join(d, ", "))}
			}
			in.Machine = in.Machine.Merge(fp)
			if in.CPU == "" {
				in.CPU = in.Machine.CPU
			}
			if in.Commit == "" {
				in.Commit = rec.GetConfig("commit")
			}
			tc := raw[rname]
			if tc == nil {
				tc = &textCase{cd: &CaseData{Samples: map[string][]float64{}, RunIDs: map[string][]int{}}, seen: map[string]int{}}
				raw[rname] = tc
				rawNames = append(rawNames, rname)
			}
			for _, v := range rec.Values {
				if ctl, ok := controlName(v.OrigUnit); ok {
					in.addControl(ctl, v.OrigValue*1e-9)
					tc.cd.addControl(ctl, v.OrigValue*1e-9)
					continue
				}
				units[v.Unit] = true
				tc.seen[v.Unit]++
				if n := tc.seen[v.Unit]; n <= MaxSamples {
					tc.cd.Add(v.Unit, v.Value)
				} else {
					if n == MaxSamples+1 {
						subsampled++
					}
					if k := rng.IntN(n); k < MaxSamples {
						tc.cd.Samples[v.Unit][k] = v.Value
					}
				}
			}
		}
	}
	if err := r.Err(); err != nil {
		ie := &InputError{File: name, Msg: "reading Go benchmark text: " + err.Error(), Err: err}
		if rest, ok := strings.CutPrefix(err.Error(), name+":"); ok {
			// benchfmt counts the lines it read; the failing one is next.
			if i := strings.IndexByte(rest, ':'); i > 0 {
				if n, convErr := strconv.Atoi(rest[:i]); convErr == nil {
					ie.Line = n + 1
					ie.Msg = "reading Go benchmark text:" + rest[i+1:]
				}
			}
		}
		return nil, ie
	}
	failures, err := scanFailures(reopen)
	if err != nil {
		return nil, readError(name, err)
	}
	if len(rawNames) == 0 && len(failures) > 0 {
		// A run that failed before printing any result is a failure of
		// the code under test, not bad input.
		in.RunFailed = failures[0].text
		return in, nil
	}
	if len(rawNames) == 0 {
		msg := `no benchmark results: want Go benchmark text with lines like "BenchmarkName-8  1000  1234 ns/op", or a results JSON object`
		if looksLikeJSONArray {
			msg += ` (this looks like a JSON array; results.json is an object starting with "{")`
		}
		return nil, &InputError{File: name, Msg: msg}
	}
	if subsampled > 0 {
		in.Warnings = append(in.Warnings, fmt.Sprintf("%s: %d case units have more than %d samples; each is compared on a uniform random subsample of %d", name, subsampled, MaxSamples, MaxSamples))
	}

	strip, procs := procsSuffix(rawNames)
	in.GOMAXPROCS = procs
	in.Machine.GOMAXPROCS = procs
	if !strip && procs == 0 {
		in.Warnings = append(in.Warnings, fmt.Sprintf("%s: benchmark names end in different -N (GOMAXPROCS) suffixes; the suffixes are kept as part of the names", name))
	}
	for _, rn := range rawNames {
		n := rn
		if strip {
			n, _ = splitProcs(n) // one suffix for every name: the bases are distinct
		}
		in.Cases[n] = raw[rn].cd
		in.Names = append(in.Names, n)
	}
	for u := range units {
		in.Better[u] = better(r.Units(), u)
	}
	for _, f := range failures {
		if f.bench == "" {
			if in.RunFailed == "" {
				in.RunFailed = f.text
			}
			continue
		}
		n := f.bench
		if b, p := splitProcs(n); strip && p > 0 {
			n = b
		}
		in.fail(n, fmt.Sprintf("%s:%d: %s", name, f.line, f.text))
	}
	return in, nil
}

// controlName returns the control a unit such as "ctl-compute-ns" holds.
func controlName(unit string) (string, bool) {
	rest, ok := strings.CutPrefix(unit, ControlUnitPrefix)
	if !ok {
		return "", false
	}
	name, ok := strings.CutSuffix(rest, "-ns")
	return name, ok && name != ""
}

// textFailure is a FAIL line of go test output.
type textFailure struct {
	bench string // the failing benchmark's name less "Benchmark"; "" for a package FAIL line
	line  int
	text  string
}

// scanFailures finds the lines by which go test reports a failure, which
// benchfmt skips as noise: "--- FAIL: BenchmarkX" for a benchmark and
// "FAIL" or "FAIL	pkg	0.1s" for the package. It reads the file again,
// as a stream.
func scanFailures(reopen func() (io.ReadCloser, error)) ([]textFailure, error) {
	rc, err := reopen()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	var out []textFailure
	sc := bufio.NewScanner(rc)
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	for i := 0; ; i++ {
		if !sc.Scan() {
			if errors.Is(sc.Err(), bufio.ErrTooLong) {
				return out, nil // benchfmt has said so already
			}
			return out, sc.Err()
		}
		line := strings.TrimRight(sc.Text(), "\r")
		t := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(t, "--- FAIL: Benchmark"):
			f := strings.Fields(strings.TrimPrefix(t, "--- FAIL: Benchmark"))
			if len(f) > 0 {
				out = append(out, textFailure{bench: f[0], line: i + 1, text: t})
			}
		case line == "FAIL" || strings.HasPrefix(line, "FAIL\t") || strings.HasPrefix(line, "FAIL "):
			out = append(out, textFailure{line: i + 1, text: t})
		}
	}
}

// procsSuffix decides whether to strip the -N suffix `go test` appends when
// GOMAXPROCS is not 1. Only a suffix shared by every line is one: with
// GOMAXPROCS=1 there is none, and a name such as "Pack/k-64" keeps its
// digits. procs is 1 when some line has no suffix and no name appears with
// two suffixes, 0 when that cannot be told (go test -cpu 1,2,4, or files
// from several runs joined).
func procsSuffix(names []string) (strip bool, procs int) {
	seen := map[string]int{} // name without suffix → its procs (0: none)
	uniform, bare, repeated := true, false, false
	first := -1
	for _, n := range names {
		base, p := splitProcs(n)
		if first < 0 {
			first = p
		}
		uniform = uniform && p == first && p > 0
		bare = bare || p == 0
		if have, ok := seen[base]; ok && have != p {
			repeated = true
		}
		seen[base] = p
	}
	switch {
	case uniform:
		return true, first
	case bare && !repeated:
		return false, 1
	}
	return false, 0
}

// splitProcs splits "Name-8" into "Name" and 8; procs is 0 without a suffix.
func splitProcs(name string) (base string, procs int) {
	i := strings.LastIndexByte(name, '-')
	if i <= 0 || i == len(name)-1 {
		return name, 0
	}
	for _, c := range name[i+1:] {
		if c < '0' || c > '9' {
			return name, 0
		}
	}
	p, err := strconv.Atoi(name[i+1:])
	if err != nil || p <= 0 {
		return name, 0
	}
	return name[:i], p
}

// better resolves the direction of a tidied unit: explicit better= metadata,
// then benchfmt's defaults, then names: a rate (…/s), work per energy or
// power (ops/J, GMAC/J, …/W) and a share of a machine limit (pct-of-peak,
// pct-of-read-bw) are higher-is-better; anything else (a cost per op, such
// as sec/op, B/op, J/op) is lower-is-better.
func better(units benchfmt.UnitMetadataMap, unit string) int {
	if b := units.GetBetter(unit); b != 0 {
		return b
	}
	switch {
	case unit == UnitGMACps, strings.HasPrefix(unit, "pct-of-"):
		return 1
	}
	for _, per := range []string{"/s", "/J", "/W", "/Wh", "/kWh"} {
		if strings.HasSuffix(unit, per) {
			return 1
		}
	}
	return -1
}

// checkValue refuses values no comparison can use. Zero is allowed only for
// counts such as allocs/op; a zero time or rate is a broken measurement.
func checkValue(v benchfmt.Value, units benchfmt.UnitMetadataMap) string {
	orig, unit := v.Value, v.Unit
	if v.OrigUnit != "" {
		orig, unit = v.OrigValue, v.OrigUnit
	}
	switch {
	case math.IsNaN(v.Value) || math.IsInf(v.Value, 0):
		return fmt.Sprintf("%v %s: want a finite number", orig, unit)
	case v.Value < 0:
		return fmt.Sprintf("%v %s: want a value >= 0", orig, unit)
	case v.Value == 0 && (v.Unit == UnitSecPerOp || better(units, v.Unit) > 0):
		return fmt.Sprintf("%v %s: want a time or rate > 0", orig, unit)
	}
	return ""
}

// textSyntaxError reports a benchfmt syntax error with what the line should
// have looked like.
func textSyntaxError(reopen func() (io.ReadCloser, error), name string, e *benchfmt.SyntaxError) *InputError {
	line := textLine(reopen, e.Line)
	var msg string
	switch {
	case strings.HasPrefix(line, "Benchmark"):
		msg = "malformed benchmark line: " + wantBenchLine + ": " + e.Msg
	case strings.HasPrefix(line, "Unit"):
		msg = `malformed unit metadata line: want "Unit unit key=value [key=value...]": ` + e.Msg
	default:
		msg = e.Msg
	}
	return &InputError{File: name, Line: e.Line, Msg: msg, Err: e}
}

// textLine returns 1-based line n of the file as bufio.ScanLines splits it.
func textLine(reopen func() (io.ReadCloser, error), n int) string {
	rc, err := reopen()
	if err != nil {
		return ""
	}
	defer rc.Close()
	sc := bufio.NewScanner(rc)
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	for i := 1; sc.Scan(); i++ {
		if i == n {
			return strings.TrimSuffix(sc.Text(), "\r")
		}
	}
	return ""
}
