package results

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"

	"golang.org/x/perf/benchfmt"
)

// ControlUnit is the Go benchmark text unit of control name's
// measurement: "ctl-compute-ns".
func ControlUnit(name string) string { return "ctl-" + name + "-ns" }

// Units written to Go benchmark text besides ns/op.
const (
	UnitGMACps     = "GMAC/s"
	UnitMBps       = "MB/s"
	UnitTokensPerS = "tokens/s" // whole-model workloads
)

// RunLinePrefix starts the line of results.txt that names the run.
const RunLinePrefix = "bitnet-bench run "

// BenchName returns the Go benchmark name of a case as `go test` prints it:
// "Benchmark" + name, with the -GOMAXPROCS suffix when it is above one.
func BenchName(name string, gomaxprocs int) string {
	if gomaxprocs > 1 {
		return "Benchmark" + name + "-" + strconv.Itoa(gomaxprocs)
	}
	return "Benchmark" + name
}

// WriteBenchText writes f in the Go benchmark format (one line per sample)
// so benchstat and any benchfmt reader take it unchanged. Cases without
// samples are written as comments, which benchfmt skips.
func (f *File) WriteBenchText(w io.Writer) error {
	var buf bytes.Buffer
	if f.RunID != "" {
		// Not a "key: value" line, which benchstat would take as
		// configuration and so split a comparison of two runs: benchfmt
		// readers skip it.
		fmt.Fprintf(&buf, "%s%s\n", RunLinePrefix, f.RunID)
	}
	bw := benchfmt.NewWriter(&buf)
	cfg := []benchfmt.Config{
		{Key: "goos", Value: []byte(f.Machine.OS), File: true},
		{Key: "goarch", Value: []byte(f.Machine.Arch), File: true},
		{Key: "pkg", Value: []byte("github.com/bitnet-go/bitnet-bench/bench"), File: true},
		{Key: "cpu", Value: []byte(f.Machine.CPUModel), File: true},
	}
	if f.Tool.Commit != "" {
		cfg = append(cfg, benchfmt.Config{Key: "commit", Value: []byte(f.Tool.Commit), File: true})
	}
	for _, u := range []struct{ unit, better string }{{UnitGMACps, "higher"}, {UnitMBps, "higher"}, {UnitTokensPerS, "higher"}} {
		if err := bw.Write(&benchfmt.UnitMetadata{
			UnitMetadataKey: benchfmt.UnitMetadataKey{Unit: u.unit, Key: "better"},
			OrigUnit:        u.unit, Value: u.better,
		}); err != nil {
			return err
		}
	}
	for i := range f.Cases {
		c := &f.Cases[i]
		if !c.OK() {
			reason := c.Error
			if reason == "" {
				reason = c.Status
			}
			fmt.Fprintf(&buf, "# %s: %s: %s\n", c.Name, c.Status, reason)
			continue
		}
		for j, ns := range c.SamplesNs {
			vals := c.SampleValues(ns)
			if j == 0 {
				// The controls were measured once, before the case: on its
				// first line only, so a reader counts each measurement once.
				for _, name := range slices.Sorted(maps.Keys(c.ControlsNs)) {
					vals = append(vals, benchfmt.Value{Value: c.ControlsNs[name], Unit: ControlUnit(name)})
				}
			}
			res := &benchfmt.Result{
				Config: cfg,
				Name:   benchfmt.Name(BenchName(c.Name, f.Machine.GOMAXPROCS)[len("Benchmark"):]),
				Iters:  c.Iterations,
				Values: vals,
			}
			if err := bw.Write(res); err != nil {
				return err
			}
		}
	}
	_, err := w.Write(buf.Bytes())
	return err
}
