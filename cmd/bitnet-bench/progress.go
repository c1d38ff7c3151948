package main

import (
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/bitnet-go/bitnet-bench/bench"
)

// attachProgress shows the run's progress: a bar with the case name and an
// ETA when stderr is a terminal, one plain line per case otherwise (logs,
// CI). It returns a function that clears the bar.
func attachProgress(e *env, r *bench.RunConfig, total int) (finish func()) {
	f, ok := e.stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		r.Progress = e.stderr
		return func() {}
	}
	bar := progressbar.NewOptions(total,
		progressbar.OptionSetWriter(e.stderr),
		progressbar.OptionSetWidth(30),
		progressbar.OptionShowCount(),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionFullWidth(),
	)
	r.OnCase = func(done, _ int, name string) {
		bar.Describe(name)
		bar.Set(done)
	}
	return func() {
		bar.Finish()
		bar.Clear()
	}
}
