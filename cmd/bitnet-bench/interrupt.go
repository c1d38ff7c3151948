package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"
)

// interruptGrace is how long a command has, after SIGINT or SIGTERM, to end
// on its own before it is abandoned with exit 130.
var interruptGrace = 3 * time.Second

// interruptible makes a command honour SIGINT and SIGTERM wherever it is,
// including in work that does not watch ctx (reading a large file, a
// bootstrap over millions of samples). After ctx is cancelled the command
// gets interruptGrace to end by itself, as those that watch ctx do
// (regression-check --against stops its runs and removes its worktree);
// then it is abandoned and the exit status is 130. Nothing it prints after
// that reaches the streams, and its output files are written atomically,
// so none is left half-written.
func interruptible(name string, cmd func(context.Context, *env, []string) int) func(context.Context, *env, []string) int {
	return func(ctx context.Context, e *env, args []string) int {
		out, errw := &gate{w: e.stdout}, &gate{w: e.stderr}
		done := make(chan int, 1)
		go func() { done <- cmd(ctx, &env{stdout: out, stderr: errw, argv: e.argv}, args) }()
		select {
		case code := <-done:
			return code
		case <-ctx.Done():
		}
		select {
		case code := <-done:
			return code
		case <-time.After(interruptGrace):
			out.close()
			errw.close()
			fmt.Fprintf(e.stderr, "bitnet-bench %s: interrupted\n", name)
			return exitInterrupted
		}
	}
}

// gate passes writes through until it is closed, then drops them.
type gate struct {
	mu     sync.Mutex
	w      io.Writer
	closed bool
}

func (g *gate) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed {
		return len(p), nil
	}
	return g.w.Write(p)
}

func (g *gate) close() {
	g.mu.Lock()
	g.closed = true
	g.mu.Unlock()
}
