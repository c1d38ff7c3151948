// Command bitnet-bench measures 1.58-bit (ternary) kernels, checks results
// against baselines, and renders HTML reports.
//
// Exit codes: 0 success (no regression), 1 regression found or a case
// failed, 2 bad usage or bad input, 3 an output could not be written (I/O),
// 130 interrupted.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/bitnet-go/bitnet-bench/internal/fileset"
)

const version = "0.1.0-dev"

// Exit codes.
const (
	exitOK       = 0
	exitFailure  = 1 // a regression, or a case that failed
	exitBadInput = 2 // bad usage or bad input, or nothing to compare
	exitIO       = 3 // an output could not be written (what was measured is saved elsewhere, and named)
	// exitInconclusive: regression-check found no regression but could not
	// decide every case (the evidence cannot tell a change of the
	// threshold's size from noise, or a case was not checked), and
	// --inconclusive=pass was not given.
	exitInconclusive = 4
	exitInterrupted  = 130
)

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *env, args []string) int
}

var commands = []command{
	{"compare", "run benchmark cases; write results.json, results.txt and report.html", runCompare},
	{"regression-check", "compare current results with a baseline; exit 1 on a regression", interruptible("regression-check", runRegressionCheck)},
	{"baseline", "save, list and show stored baselines, keyed by machine", interruptible("baseline", runBaseline)},
	{"report", "render an HTML report from results.json", interruptible("report", runReport)},
	{"energy-analysis", "run a workload for a duration and record power, energy and temperature", runEnergyAnalysis},
	{"info", "list backends, ISA levels and telemetry probes available here (and why not)", runInfo},
	{"roofline", "measure this machine's read bandwidth and int8 peak per CPU level", runRoofline},
	{"version", "print the version", func(_ context.Context, e *env, _ []string) int {
		fmt.Fprintln(e.stdout, "bitnet-bench", version)
		return exitOK
	}},
}

// env carries the process's streams so commands can be tested in-process.
type env struct {
	stdout, stderr io.Writer
	argv           []string // the whole command line, for the results file
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, &env{stdout: os.Stdout, stderr: os.Stderr, argv: os.Args}, os.Args[1:])
	stop()
	os.Exit(code)
}

func run(ctx context.Context, e *env, args []string) int {
	if len(args) == 0 {
		usage(e.stderr)
		return exitBadInput
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		if len(args) > 1 {
			return run(ctx, e, []string{args[1], "--help"})
		}
		usage(e.stdout)
		return exitOK
	case "-version", "--version":
		name = "version"
	}
	names := make([]string, len(commands))
	for i, c := range commands {
		if c.name == name {
			return c.run(ctx, e, args[1:])
		}
		names[i] = c.name
	}
	msg := fmt.Sprintf("unknown command %q", name)
	if s := nearest(name, names); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	fmt.Fprintf(e.stderr, "bitnet-bench: %s (commands: %s; see bitnet-bench --help)\n", msg, strings.Join(names, ", "))
	return exitBadInput
}

// nearest returns the candidate closest to a mistyped word: one it starts
// or that starts it, else one within a few edits; "" when none is close.
func nearest(word string, candidates []string) string {
	w := strings.ToLower(strings.TrimLeft(word, "-"))
	best, bestD := "", 0
	for _, c := range candidates {
		lc := strings.ToLower(c)
		if len(w) >= 3 && (strings.HasPrefix(lc, w) || strings.HasPrefix(w, lc)) {
			return c
		}
		if d := editDistance(w, lc); d <= max(2, len(lc)/3) && (best == "" || d < bestD) {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

func usage(w io.Writer) {
	fmt.Fprintf(w, `bitnet-bench %s: benchmarks for 1.58-bit (ternary) kernels

Usage:
  bitnet-bench <command> [flags]

Commands:
`, version)
	for _, c := range commands {
		fmt.Fprintf(w, "  %-17s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Run "bitnet-bench <command> --help" for a command's flags and examples.

Exit codes: 0 success, 1 regression found (or a case failed),
2 bad usage or bad input, 3 an output could not be written, 130 interrupted.
`)
}

// newFlagSet returns a flag set whose --help prints the synopsis, the flags
// and examples, and whose errors go to stderr.
func newFlagSet(e *env, name, synopsis, examples string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: bitnet-bench %s\n\n%s\n\nFlags:\n", name, strings.TrimSpace(synopsis))
		fs.PrintDefaults()
		fmt.Fprintf(w, "\nExamples:\n%s\n", strings.TrimRight(examples, "\n"))
	}
	return fs
}

// parseFlags parses args; it returns (code, true) when the command must
// stop: after --help (exit 0, usage on stdout) or on a flag error (exit 2).
func parseFlags(e *env, fs *flag.FlagSet, args []string) (int, bool) {
	// A help request prints the usage once, to stdout: left to the flag
	// package it would also print it to stderr first.
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "--h" || a == "-help" || a == "--help" {
			fs.SetOutput(e.stdout)
			fs.Usage()
			return exitOK, true
		}
	}
	err := quietParse(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fs.SetOutput(e.stdout)
		fs.Usage()
		return exitOK, true
	}
	if err != nil {
		return flagError(e, fs, err), true
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "bitnet-bench %s: unexpected argument %q (flags start with --)\n", fs.Name(), fs.Arg(0))
		return exitBadInput, true
	}
	return 0, false
}

// quietParse parses args with the flag package's own error line and usage
// dump silenced: a mistyped flag gets one line (flagError), not the whole
// help.
func quietParse(fs *flag.FlagSet, args []string) error {
	out, usage := fs.Output(), fs.Usage
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.SetOutput(out)
	fs.Usage = usage
	return err
}

// flagError reports a flag error in one line, with the nearest flag when
// the name looks mistyped, and returns exit 2.
func flagError(e *env, fs *flag.FlagSet, err error) int {
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		msg = "unknown flag --" + name
		var flags []string
		fs.VisitAll(func(f *flag.Flag) { flags = append(flags, f.Name) })
		if s := nearest(name, flags); s != "" {
			msg += "; did you mean --" + s + "?"
		}
	}
	fmt.Fprintf(e.stderr, "bitnet-bench %s: %s (see bitnet-bench %s --help)\n", fs.Name(), msg, fs.Name())
	return exitBadInput
}

// checkOutputs checks, before any work, that each output file named by a
// flag (flag name, then path; "" paths are skipped) can be created. It
// returns true and exit 3 when one cannot (exit 2 when its directory is a
// file), so every command treats an unwritable output alike.
func checkOutputs(e *env, cmd string, flagPaths ...string) (int, bool) {
	for i := 0; i+1 < len(flagPaths); i += 2 {
		name, path := flagPaths[i], flagPaths[i+1]
		if path == "" {
			continue
		}
		if err := fileset.CheckDir(filepath.Dir(path)); err != nil {
			if errors.Is(err, syscall.ENOTDIR) { // a file where a directory must be: usage
				return fail(e, cmd, exitBadInput, "--%s %s: %v", name, path, err), true
			}
			return fail(e, cmd, exitIO, "--%s %s cannot be written, so nothing was done: %v", name, path, err), true
		}
	}
	return 0, false
}

// fail prints an error for a command and returns code.
func fail(e *env, cmd string, code int, format string, args ...any) int {
	fmt.Fprintf(e.stderr, "bitnet-bench %s: %s\n", cmd, fmt.Sprintf(format, args...))
	return code
}
