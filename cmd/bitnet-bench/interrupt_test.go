package main

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/bitnet-go/bitnet-bench/bench/results"
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
