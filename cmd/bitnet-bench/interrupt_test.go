package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bitnet-go/bitnet-bench/bench/results"
	"github.com/bitnet-go/bitnet-bench/internal/childtest"
)

// TestCompareInterrupted: an interrupted run (the context main cancels on
// SIGINT/SIGTERM) still writes its outputs, marked incomplete, and exits
// 130.
func TestCompareInterrupted(t *testing.T) {
	dir := t.TempDir()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errb bytes.Buffer
	args := []string{"compare", "--quiet", "--operations", "relu", "--sizes", "8x8", "--batch", "1",
		"--warmup", "1ms", "--sample-time", "1ms", "--output", dir}
	code := run(ctx, &env{stdout: &out, stderr: &errb, argv: args}, args)
	if code != exitInterrupted {
		t.Fatalf("exit %d, want %d: %s", code, exitInterrupted, errb.String())
	}
	f, err := results.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Complete {
		t.Error("an interrupted run is marked complete")
	}
}

// TestCLIChild runs the command line in BITNET_BENCH_TEST_ARGS (tab
// separated) as the real binary would, signal handling included, for tests
// that signal a child process.
func TestCLIChild(t *testing.T) {
	args := os.Getenv("BITNET_BENCH_TEST_ARGS")
	if args == "" {
		t.Skip("runs only as a child of another test")
	}
	os.Args = append([]string{"bitnet-bench"}, strings.Split(args, "\t")...)
	if g, err := time.ParseDuration(os.Getenv("BITNET_BENCH_TEST_GRACE")); err == nil {
		interruptGrace = g
	}
	// Catch the signals from here on (main catches them too), so one sent
	// after "ready" never meets the default action that kills.
	signal.Notify(make(chan os.Signal, 1), syscall.SIGINT, syscall.SIGTERM)
	fmt.Println("ready")
	main()
}

// bigBenchText writes n samples spread over 2,000 benchmarks: a
// regression-check of it against itself takes tens of seconds.
func bigBenchText(t *testing.T, n int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("goos: linux\ngoarch: amd64\ncpu: X\n")
	for i := range n {
		fmt.Fprintf(&b, "BenchmarkA%d-2 100 %d ns/op\n", i%2000, 1000+i*7919%50)
	}
	p := filepath.Join(t.TempDir(), "big.txt")
	if err := os.WriteFile(p, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRegressionCheckHonoursSignals: SIGINT and SIGTERM stop
// regression-check in the middle of a long comparison, exit 130 (it once
// ignored both and ran on for minutes).
func TestRegressionCheckHonoursSignals(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no SIGTERM")
	}
	for _, sig := range []os.Signal{syscall.SIGINT, syscall.SIGTERM} {
		// A quiet machine can finish the whole check before the signal
		// lands (exit 0 with its verdict): then try again with twice the
		// work, a few times. A signal that lands mid-work must still give
		// 130.
		for lines := 400000; ; lines *= 2 {
			code, after, stderr := interruptCheck(t, sig, bigBenchText(t, lines))
			if code == exitOK && lines < 3200000 {
				t.Logf("%v: the check finished %v after the signal, before seeing it; again with %d lines", sig, after, 2*lines)
				continue
			}
			if code != exitInterrupted || !strings.Contains(stderr, "interrupted") {
				t.Fatalf("%v: exit %d after %v, want %d: %s", sig, code, after, exitInterrupted, stderr)
			}
			t.Logf("%v: exit 130 %v after the signal", sig, after.Round(time.Millisecond))
			break
		}
	}
}

// interruptCheck runs regression-check on big as a child process, signals
// it 300ms into the work and returns its exit code, how long after the
// signal it ended, and its stderr.
func interruptCheck(t *testing.T, sig os.Signal, big string) (int, time.Duration, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCLIChild$")
	cmd.Env = append(os.Environ(), "BITNET_BENCH_TEST_GRACE=300ms",
		"BITNET_BENCH_TEST_ARGS="+strings.Join([]string{"regression-check", "--baseline", big, "--current", big}, "\t"))
	stderr := childtest.Start(t, cmd)
	time.Sleep(300 * time.Millisecond) // into the parse or the bootstrap
	sent := time.Now()
	cmd.Process.Signal(sig)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(interruptGrace + 5*time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("%v: still running %v after the signal", sig, time.Since(sent))
	}
	return cmd.ProcessState.ExitCode(), time.Since(sent), stderr.String()
}
