package input

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
)

// ReadInputs reads one side of a comparison from one or more files (each a
// results.json or Go benchmark text) and merges them with MergeInputs. A
// path given twice is refused: its samples would count twice.
func ReadInputs(paths []string) (*Input, error) {
	if len(paths) == 0 {
		return nil, &InputError{File: "(none)", Msg: "no input files"}
	}
	seen := map[string]string{}
	var ins []*Input
	for _, p := range paths {
		key := p
		if abs, err := filepath.Abs(p); err == nil {
			key = filepath.Clean(abs)
		}
		if first, dup := seen[key]; dup {
			return nil, &InputError{File: p, Msg: fmt.Sprintf("given twice on the same side (also as %q): its samples would count twice", first)}
		}
		seen[key] = p
		in, err := ReadInput(p)
		if err != nil {
			return nil, err
		}
		ins = append(ins, in)
	}
	return MergeInputs(ins...)
}

// MergeInputs joins inputs read from several files into one side: a case in
// several files gets the samples of all of them, in file order. The files
// must come from one machine (fingerprints that differ in a known field are
// an *InputError) and agree on each unit's direction. Cases and units keep
// the order of first appearance. Merging one input returns it unchanged.
func MergeInputs(ins ...*Input) (*Input, error) {
	switch len(ins) {
	case 0:
		return nil, &InputError{File: "(none)", Msg: "no inputs to merge"}
	case 1:
		return ins[0], nil
	}
	names := make([]string, 0, len(ins))
	for _, in := range ins {
		names = append(names, in.File)
	}
	out := New(strings.Join(names, ","), ins[0].Kind)
	out.Sources = nil
	out.Runs = 0
	procs := -1
	for i, in := range ins {
		runBase := out.Runs
		out.Runs += max(in.Runs, 1)
		for n, why := range in.Failed {
			out.fail(n, why)
		}
		if out.RunFailed == "" && in.RunFailed != "" {
			out.RunFailed = in.File + ": " + in.RunFailed
		}
		out.mergeControls(&in.ControlSet, runBase)
		out.Sources = append(out.Sources, in.Sources...)
		if in.Kind != out.Kind {
			out.Kind = "mixed"
		}
		if d := in.Machine.Diff(out.Machine); len(d) > 0 {
			return nil, &InputError{File: in.File, Msg: fmt.Sprintf("measured on another machine than %s (%s): one side must come from one machine", strings.Join(names[:i], ","), strings.Join(d, ", "))}
		}
		out.Machine = out.Machine.Merge(in.Machine)
		if out.CPU == "" {
			out.CPU = in.CPU
		}
		if out.Commit == "" {
			out.Commit = in.Commit
		}
		switch {
		case procs == -1:
			procs = in.GOMAXPROCS
		case procs != in.GOMAXPROCS:
			procs = 0
		}
		for u, d := range in.Better {
			if have, ok := out.Better[u]; ok && have != d {
				return nil, &InputError{File: in.File, Msg: fmt.Sprintf("unit %s is %s here but %s in %s", u, direction(d), direction(have), strings.Join(names[:i], ","))}
			}
			out.Better[u] = d
		}
		for _, n := range in.Names {
			src := in.Cases[n]
			cd := out.caseNamed(n)
			for _, u := range src.Units {
				for v, run := range withRuns(src.Samples[u], src.RunIDs[u]) {
					cd.AddRun(u, v, runBase+run)
				}
			}
			cd.mergeControls(&src.ControlSet, runBase)
			// A case measured in one file and not in another has the
			// samples it has; the reason it was not measured is kept only
			// when no file measured it.
			if len(cd.Units) > 0 {
				cd.NotMeasured = ""
			} else if src.NotMeasured != "" {
				cd.NotMeasured = src.NotMeasured
			}
		}
		out.Warnings = append(out.Warnings, in.Warnings...)
	}
	out.GOMAXPROCS = max(procs, 0)
	if procs == 0 && slices.ContainsFunc(ins, func(in *Input) bool { return in.GOMAXPROCS > 0 }) {
		out.Warnings = append(out.Warnings, fmt.Sprintf("%s: the files ran with different GOMAXPROCS; their samples were merged", out.File))
	}
	return out, nil
}

func direction(d int) string {
	if d > 0 {
		return "higher-is-better"
	}
	return "lower-is-better"
}
