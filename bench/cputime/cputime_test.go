package cputime

import (
	"crypto/sha256"
	"strings"
	"testing"
	"time"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchunit"
)

var sink byte

// burn hashes n times: CPU work the compiler cannot drop.
func burn(n int) {
	var h [32]byte
	for range n {
		h = sha256.Sum256(h[:])
	}
	sink += h[0]
}

// TestNowAdvances: spinning for 20 ms of wall time uses CPU time, and
// sleeping does not (much).
func TestNowAdvances(t *testing.T) {
	t0, err := Now()
	if err != nil {
		t.Skip(err)
	}
	deadline := time.Now().Add(20 * time.Millisecond)
	for time.Now().Before(deadline) {
		burn(100)
	}
	t1, _ := Now()
	if t1-t0 <= 0 {
		t.Errorf("CPU time did not advance while spinning: %v then %v", t0, t1)
	}
	time.Sleep(50 * time.Millisecond)
	t2, _ := Now()
	if t2-t1 > 40*time.Millisecond {
		t.Errorf("sleeping 50 ms used %v of CPU time", t2-t1)
	}
}

// TestTrackReports: a benchmark deferring Track gets a cpu-ns/op metric
// that benchstat's tidying turns into cpu-sec/op, of the right size.
func TestTrackReports(t *testing.T) {
	if _, err := Now(); err != nil {
		t.Skip(err)
	}
	r := testing.Benchmark(func(b *testing.B) {
		defer Track(b)()
		for b.Loop() {
			burn(200)
		}
	})
	cpu, ok := r.Extra[Unit]
	if !ok {
		t.Fatalf("no %s in %v", Unit, r.Extra)
	}
	wall := float64(r.T.Nanoseconds()) / float64(r.N)
	// On an idle core CPU time per op is the wall time per op; a busy
	// machine only lowers the CPU share. Above wall time by more than a
	// little would mean counting the wrong thing.
	if !(cpu > 0) || cpu > 1.5*wall {
		t.Errorf("%s = %.0f, wall %.0f ns/op", Unit, cpu, wall)
	}
	line := "BenchmarkX " + strings.TrimSpace(r.String()) + "\n"
	rd := benchfmt.NewReader(strings.NewReader(line), "x")
	var units []string
	for rd.Scan() {
		if res, ok := rd.Result().(*benchfmt.Result); ok {
			for _, v := range res.Values {
				_, u := benchunit.Tidy(v.Value, v.Unit)
				units = append(units, u)
			}
		}
	}
	if !strings.Contains(strings.Join(units, " "), "cpu-sec/op") {
		t.Errorf("units read back: %v", units)
	}
}
