package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/bitnet-go/bitnet-bench/baselines/input"
	"github.com/bitnet-go/bitnet-bench/baselines/machine"
	"github.com/bitnet-go/bitnet-bench/baselines/stats"
	"github.com/bitnet-go/bitnet-bench/baselines/store"
	"github.com/bitnet-go/bitnet-bench/bench/probe"
	"github.com/bitnet-go/bitnet-bench/internal/units"
)

// fileList is a flag that takes comma-separated file names and may be
// repeated: --baseline a.txt,b.txt --baseline c.txt.
type fileList []string

func (l *fileList) String() string { return strings.Join(*l, ",") }

func (l *fileList) Set(s string) error {
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			*l = append(*l, p)
		}
	}
	if len(*l) == 0 {
		return fmt.Errorf("no file name in %q", s)
	}
	return nil
}

// liveFingerprint is this machine's fingerprint.
var liveFingerprint = func() machine.Fingerprint { return machine.Of(probe.Machine()) }

// lookupFingerprint is the machine a baseline is looked up for: the current
// run's, filled in from this machine where the files do not say (Go
// benchmark text names no ISA level or core count) and agree with it.
func lookupFingerprint(cur *input.Input) machine.Fingerprint {
	live := liveFingerprint()
	if cur == nil || cur.Machine.IsZero() {
		return live
	}
	if len(cur.Machine.Diff(live)) == 0 {
		return cur.Machine.Merge(live)
	}
	return cur.Machine
}

func storeFlag(fs *flag.FlagSet) *string {
	return fs.String("store", "", "baseline store directory (default $"+store.Env+", else $XDG_DATA_HOME/bitnet-bench/baselines, else .bitnet-bench/baselines)")
}

func storeOf(dir string) store.Store {
	if dir == "" {
		dir = store.DefaultDir()
	}
	return store.Store{Dir: dir}
}

// openStore is storeOf for a command: a store path that names something
// other than a directory is bad usage (exit 2), said before anything is
// read or written.
func openStore(e *env, cmd, dir string) (store.Store, int, bool) {
	st := storeOf(dir)
	if fi, err := os.Stat(st.Dir); err == nil && !fi.IsDir() {
		from := "--store"
		if dir == "" {
			from = "the default store (from $" + store.Env + " or $XDG_DATA_HOME)"
		}
		return st, fail(e, cmd, exitBadInput, "%s %s is not a directory", from, st.Dir), false
	}
	return st, 0, true
}

func runBaseline(ctx context.Context, e *env, args []string) int {
	const synopsis = `baseline save|list|show [flags]

Keeps baselines in a store directory per machine fingerprint (OS/arch, CPU
model, ISA level, core count, GOMAXPROCS) and name: a history of the newest
runs (one file each, written atomically, never replaced), with when, from
which commit and by which command each was saved. "regression-check
--baseline-name NAME" compares against the history saved for the machine
it runs on, its runs as runs.

  baseline save --name NAME FILE...   add results.json or Go benchmark text files as a run
  baseline list                       list the stored baselines (* = this machine)
  baseline show NAME                  print a baseline's metadata and cases

Run "bitnet-bench baseline save --help" for each subcommand's flags.`
	const examples = `  bitnet-bench baseline save --name main out/results.json
  go test -run '^$' -bench . -count 10 ./... > main.txt && bitnet-bench baseline save --name main main.txt
  bitnet-bench baseline list
  bitnet-bench baseline show main
  bitnet-bench regression-check --baseline-name main --current out/results.json`
	if len(args) == 0 {
		fmt.Fprintf(e.stderr, "Usage: bitnet-bench %s\n", synopsis)
		return exitBadInput
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		fmt.Fprintf(e.stdout, "Usage: bitnet-bench %s\n\nExamples:\n%s\n", synopsis, examples)
		return exitOK
	case "save":
		return runBaselineSave(ctx, e, args[1:])
	case "list":
		return runBaselineList(ctx, e, args[1:])
	case "show":
		return runBaselineShow(ctx, e, args[1:])
	}
	return fail(e, "baseline", exitBadInput, "unknown subcommand %q: want save, list or show", args[0])
}

// parseWithFiles parses flags that may come before or after positional
// file names.
func parseWithFiles(e *env, fs *flag.FlagSet, args []string) (files []string, code int, stop bool) {
	rest := args
	for {
		if err := quietParse(fs, rest); err != nil {
			if err == flag.ErrHelp {
				fs.SetOutput(e.stdout)
				fs.Usage()
				return nil, exitOK, true
			}
			return nil, flagError(e, fs, err), true
		}
		rest = fs.Args()
		if len(rest) == 0 {
			return files, 0, false
		}
		files = append(files, rest[0])
		rest = rest[1:]
	}
}

func runBaselineSave(_ context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "baseline save", `baseline save --name NAME [--store DIR] FILE...

Adds the files (results.json or Go benchmark text; each file is one run)
to the history of the baseline NAME for the machine they were measured on.
A name keeps its newest --keep runs per machine; regression-check
--baseline-name compares against all of them as runs, which tells it how
far runs of the same code land apart. Saving never replaces a run, and
concurrent saves each add theirs. Saving files already in the history is
refused (their samples would count twice) unless --force. The machine
comes from the files; what Go benchmark text does not name (ISA level, core
count) is taken from this machine when the files agree with it.`, `  bitnet-bench baseline save --name main out/results.json
  bitnet-bench baseline save --name v1.2 --store ci-baselines run1.txt run2.txt`)
	name := fs.String("name", "", "baseline name: letters, digits, '.', '_', '-' (required)")
	storeDir := storeFlag(fs)
	commit := fs.String("commit", "", "commit to record (default: the files', else the one this binary was built from, else \"unknown\")")
	keep := fs.Int("keep", store.DefaultKeep, "runs to keep per name and machine; older ones are removed")
	force := fs.Bool("force", false, "save files even if the history already holds them")
	var inputs fileList
	fs.Var(&inputs, "input", "input file (repeatable, or comma-separated; files may also follow the flags)")
	files, code, stop := parseWithFiles(e, fs, args)
	if stop {
		return code
	}
	files = append(inputs, files...)
	if *name == "" || len(files) == 0 {
		return fail(e, "baseline save", exitBadInput, "--name and at least one input file are required")
	}
	tool := probe.Tool(version)
	meta := store.Meta{Created: time.Now(), Commit: *commit, Command: e.argv}
	b, in, err := store.NewBaseline(*name, files, meta, liveFingerprint())
	if err != nil {
		return inputFailure(e, "baseline save", "input", err)
	}
	if b.Commit == "" {
		b.Commit = in.Commit
	}
	if b.Commit == "" {
		b.Commit, b.Dirty = tool.Commit, tool.Dirty
	}
	if *keep < 1 {
		return fail(e, "baseline save", exitBadInput, "--keep %d: want at least 1", *keep)
	}
	st, code, ok := openStore(e, "baseline save", *storeDir)
	if !ok {
		return code
	}
	st.Keep = *keep
	path, pruned, err := st.Save(b, *force)
	var dup *store.DuplicateError
	if errors.As(err, &dup) {
		return fail(e, "baseline save", exitBadInput, "%v", err)
	}
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) { // the store cannot be written
			return fail(e, "baseline save", exitIO, "%v", err)
		}
		return fail(e, "baseline save", exitFailure, "%v", err)
	}
	runs, _ := st.Runs(b.Key, b.Name)
	measured := 0
	for _, n := range in.Names {
		if len(in.Cases[n].Units) > 0 {
			measured++
		}
	}
	fmt.Fprintf(e.stdout, "saved baseline %q (%d cases) for %s: run %d of the %d kept\n  %s\n", b.Name, measured, b.Fingerprint, len(runs), *keep, path)
	for _, p := range pruned {
		fmt.Fprintf(e.stdout, "  removed the oldest run %s\n", p)
	}
	return exitOK
}

func runBaselineList(_ context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "baseline list", `baseline list [--store DIR] [--json]

Lists the stored baselines, newest first within a name. A * marks those
saved on a machine compatible with this one.`, `  bitnet-bench baseline list
  bitnet-bench baseline list --store ci-baselines --json`)
	storeDir := storeFlag(fs)
	jsonOut := fs.Bool("json", false, "print JSON")
	if code, stop := parseFlags(e, fs, args); stop {
		return code
	}
	st, code, ok := openStore(e, "baseline list", *storeDir)
	if !ok {
		return code
	}
	entries, err := st.List()
	if err != nil {
		return fail(e, "baseline list", exitFailure, "%v", err)
	}
	live := liveFingerprint()
	if *jsonOut {
		type item struct {
			Name        string              `json:"name,omitempty"`
			Path        string              `json:"path"`
			Created     time.Time           `json:"created,omitzero"`
			Commit      string              `json:"commit,omitempty"`
			Fingerprint machine.Fingerprint `json:"fingerprint,omitzero"`
			Key         string              `json:"key,omitempty"`
			ThisMachine bool                `json:"this_machine"`
			Error       string              `json:"error,omitempty"`
		}
		items := []item{}
		for _, en := range entries {
			it := item{Path: en.Path}
			if en.Err != nil {
				it.Error = en.Err.Error()
			} else {
				b := en.Baseline
				it.Name, it.Created, it.Commit, it.Fingerprint, it.Key = b.Name, b.Created, b.Commit, b.Fingerprint, b.Key
				it.ThisMachine = len(live.Diff(b.Fingerprint)) == 0
			}
			items = append(items, it)
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(items); err != nil {
			return fail(e, "baseline list", exitFailure, "%v", err)
		}
		return exitOK
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\tname\tcreated\tcommit\tmachine\tkey")
	bad := 0
	for _, en := range entries {
		if en.Err != nil {
			fmt.Fprintf(tw, "!\t\t\t\tunreadable: %v\t%s\n", en.Err, en.Path)
			bad++
			continue
		}
		b := en.Baseline
		mark := ""
		if len(live.Diff(b.Fingerprint)) == 0 {
			mark = "*"
		}
		commit := b.Commit
		if len(commit) > 12 {
			commit = commit[:12]
		}
		if b.Dirty {
			commit += "+dirty"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", mark, b.Name, b.Created.Format(time.RFC3339), commit, b.Fingerprint, b.Key)
	}
	tw.Flush()
	fmt.Fprintf(e.stdout, "%d baselines in %s; this machine: %s\n", len(entries)-bad, st.Dir, live)
	if bad > 0 {
		return fail(e, "baseline list", exitFailure, "%d unreadable files in %s", bad, st.Dir)
	}
	return exitOK
}

func runBaselineShow(_ context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "baseline show", `baseline show NAME [--store DIR] [--key KEY] [--json]

Prints a baseline's metadata and, per case and unit, the sample count and
the median with its 95% interval. It shows the baseline saved for this
machine, else the closest one (saying so); --key picks a machine's by its
key (see "baseline list").`, `  bitnet-bench baseline show main
  bitnet-bench baseline show main --key linux-amd64-avx2-8c-0123456789ab`)
	storeDir := storeFlag(fs)
	key := fs.String("key", "", "fingerprint key of the machine whose baseline to show")
	jsonOut := fs.Bool("json", false, "print the stored baseline's metadata as JSON")
	names, code, stop := parseWithFiles(e, fs, args)
	if stop {
		return code
	}
	if len(names) != 1 {
		return fail(e, "baseline show", exitBadInput, "want exactly one baseline name, got %d", len(names))
	}
	st, code, ok := openStore(e, "baseline show", *storeDir)
	if !ok {
		return code
	}
	var entry store.Entry
	var mismatch []string
	if *key != "" {
		if err := store.CheckName(*key); err != nil {
			return fail(e, "baseline show", exitBadInput, "--key: %v", err)
		}
		runs, err := st.Runs(*key, names[0])
		if err != nil || len(runs) == 0 {
			return fail(e, "baseline show", exitBadInput, "no baseline %q for machine %s", names[0], *key)
		}
		entry = runs[len(runs)-1]
		if entry.Err != nil {
			return fail(e, "baseline show", exitBadInput, "%v", entry.Err)
		}
	} else {
		found, err := st.Find(names[0], liveFingerprint())
		if err != nil {
			return fail(e, "baseline show", exitBadInput, "%v", err)
		}
		entry, mismatch = found.Entry, found.Mismatch
	}
	b := entry.Baseline
	in, err := b.Input(entry.Path)
	if err != nil {
		return inputFailure(e, "baseline show", "stored", err)
	}
	if *jsonOut {
		meta := *b
		meta.Sources = nil
		out := struct {
			store.Baseline
			Path    string   `json:"path"`
			Files   []string `json:"files"`
			Cases   []string `json:"cases"`
			Sources any      `json:"sources,omitempty"`
		}{Baseline: meta, Path: entry.Path, Cases: in.Names}
		for _, s := range b.Sources {
			out.Files = append(out.Files, s.File)
		}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			return fail(e, "baseline show", exitFailure, "%v", err)
		}
		return exitOK
	}
	fmt.Fprintf(e.stdout, "baseline %q\n  file:    %s\n  machine: %s (key %s)\n  created: %s\n", b.Name, entry.Path, b.Fingerprint, b.Key, b.Created.Format(time.RFC3339))
	if b.Commit != "" {
		dirty := ""
		if b.Dirty {
			dirty = " (with uncommitted changes)"
		}
		fmt.Fprintf(e.stdout, "  commit:  %s%s\n", b.Commit, dirty)
	}
	if len(b.Command) > 0 {
		fmt.Fprintf(e.stdout, "  command: %s\n", strings.Join(b.Command, " "))
	}
	for _, s := range b.Sources {
		fmt.Fprintf(e.stdout, "  source:  %s (%s, %d bytes)\n", s.File, s.Kind, len(s.Data))
	}
	if len(mismatch) > 0 {
		fmt.Fprintf(e.stdout, "  WARNING: saved on another machine than this one: %s\n", strings.Join(mismatch, "; "))
	}
	fmt.Fprintln(e.stdout)
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "case\tunit\tn\tmedian\t95% CI")
	for _, n := range in.Names {
		cd := in.Cases[n]
		if len(cd.Units) == 0 {
			fmt.Fprintf(tw, "%s\t\t0\t\t%s\n", n, cd.NotMeasured)
			continue
		}
		for _, u := range cd.Units {
			s := stats.Summarize(cd.Samples[u])
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t[%s, %s]\n", n, u, s.N, units.Format(s.Center, u), units.Format(s.Lo, u), units.Format(s.Hi, u))
		}
	}
	tw.Flush()
	return exitOK
}

func jsonIndent(dst *bytes.Buffer, data []byte) error {
	if err := json.Indent(dst, data, "", "  "); err != nil {
		return err
	}
	dst.WriteByte('\n')
	return nil
}

func jsonEncode(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
