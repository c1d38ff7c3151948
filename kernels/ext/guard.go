package ext

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/bitnet-go/bitnet-bench/kernels"
)

// A library's C code runs in this process: if it faults, the Go runtime
// dies with it and every case of the run is lost. So each new problem
// shape is first prepared and run once in a child process (this same
// executable, re-entered through envProbe), and a child that dies is
// reported as the library crashing, with the stage it died in.

// envProbe holds the JSON probeSpec in the child.
const envProbe = "BITNET_BENCH_EXT_PROBE"

// EnvNoGuard set to 1 skips the child-process trial (for debugging a
// library under gdb, where the child is in the way).
const EnvNoGuard = "BITNET_EXT_NO_GUARD"

// probeTimeout bounds the child: packing the largest 2B4T matrix and one
// run take well under a second.
const probeTimeout = 2 * time.Minute

// okMarker is the child's last line when prepare and run returned.
const okMarker = "bitnet-bench-ext-probe: ok"

type probeSpec struct {
	Path    string `json:"path"`
	Kernel  int    `json:"kernel"`
	Threads int    `json:"threads"`
	N, K, M int
}

func init() {
	if spec := os.Getenv(envProbe); spec != "" {
		os.Exit(runProbe(spec))
	}
}

var (
	guardMu   sync.Mutex
	guardDone = map[probeSpec]error{}
)

// guard tries b's kernel on an N×K problem of M tokens in a child process,
// once per shape and thread count.
func guard(b *Backend, n, k, m int) error {
	if os.Getenv(EnvNoGuard) == "1" {
		return nil
	}
	spec := probeSpec{Path: b.lib.Path, Kernel: b.k.Index, Threads: b.threads, N: n, K: k, M: m}
	guardMu.Lock()
	defer guardMu.Unlock()
	if err, done := guardDone[spec]; done {
		return err
	}
	err := probeChild(spec)
	if err != nil && !strings.HasPrefix(err.Error(), b.Name()+":") {
		err = fmt.Errorf("%s (%s): %w", b.Name(), b.lib.Path, err)
	}
	guardDone[spec] = err
	return err
}

func probeChild(spec probeSpec) error {
	self, err := selfPath()
	if err != nil {
		return fmt.Errorf("cannot re-run this executable to try the library safely: %v (set %s=1 to skip the trial)", err, EnvNoGuard)
	}
	js, _ := json.Marshal(spec)
	ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, self)
	cmd.Env = append(os.Environ(), envProbe+"="+string(js))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	runErr := cmd.Run()
	text := out.String()
	if runErr == nil && strings.Contains(text, okMarker) {
		return nil
	}
	if !strings.Contains(text, "bitnet-bench-ext-probe: ") {
		return fmt.Errorf("the trial in a child process (%s) did not run: %v: %s", self, runErr, crashLine(text))
	}
	stage := "loading the library"
	for _, s := range []string{"prepare", "run", "free"} {
		if strings.Contains(text, "bitnet-bench-ext-probe: calling "+s) {
			stage = "bitnet_bench_" + s
		}
	}
	if ctx.Err() != nil {
		return fmt.Errorf("a trial N×K = %d×%d, M = %d in a child process did not finish within %v (hung in %s)", spec.N, spec.K, spec.M, probeTimeout, stage)
	}
	if i := strings.Index(text, "bitnet-bench-ext-probe: error: "); i >= 0 {
		return fmt.Errorf("%s", strings.TrimSpace(strings.TrimPrefix(text[i:], "bitnet-bench-ext-probe: error: ")))
	}
	return fmt.Errorf("the library crashed in %s on a trial N×K = %d×%d, M = %d in a child process (%v): %s",
		stage, spec.N, spec.K, spec.M, runErr, crashLine(text))
}

// selfPath is this very executable: /proc/self/exe on Linux, which stays
// this program even when its file has been replaced since it started (a
// rebuilt binary of the same name would not know the trial).
func selfPath() (string, error) {
	if _, err := os.Stat("/proc/self/exe"); err == nil {
		return "/proc/self/exe", nil
	}
	return os.Executable()
}

// crashLine picks the line of the child's output that says how it died.
func crashLine(text string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "SIG") || strings.HasPrefix(l, "fatal error") || strings.HasPrefix(l, "panic") {
			return strings.TrimSpace(l)
		}
	}
	if text = strings.TrimSpace(text); len(text) > 300 {
		text = text[len(text)-300:]
	}
	if text == "" {
		return "no output"
	}
	return text
}

// runProbe is the child: load, prepare, run once, free, on random codes
// and activations, saying each stage before it starts.
func runProbe(js string) int {
	if err := trial(js); err != nil {
		fmt.Fprintf(os.Stderr, "bitnet-bench-ext-probe: error: %v\n", err)
		return 3
	}
	fmt.Fprintln(os.Stderr, okMarker)
	return 0
}

func trial(js string) error {
	say := func(stage string) { fmt.Fprintf(os.Stderr, "bitnet-bench-ext-probe: calling %s\n", stage) }
	var spec probeSpec
	if err := json.Unmarshal([]byte(js), &spec); err != nil {
		return fmt.Errorf("bad %s: %v", envProbe, err)
	}
	lib, err := Load(spec.Path)
	if err != nil {
		return err
	}
	if spec.Kernel < 0 || spec.Kernel >= len(lib.Kernels) {
		return fmt.Errorf("no kernel %d", spec.Kernel)
	}
	b := newBackend(lib, lib.Kernels[spec.Kernel])
	b.threads = spec.Threads
	r := rand.New(rand.NewPCG(uint64(spec.N), uint64(spec.K)))
	codes := make([]int8, spec.N*spec.K)
	for i := range codes {
		codes[i] = int8(r.IntN(3)) - 1
	}
	scales := make([]float32, spec.N)
	for i := range scales {
		scales[i] = 0.02
	}
	p := &kernels.Problem{Op: kernels.OpBitLinear, M: spec.M, N: spec.N, K: spec.K,
		XQ: make([]int8, spec.M*spec.K), XScales: make([]float32, spec.M), Y: make([]float32, spec.M*spec.N)}
	for i := range p.XQ {
		p.XQ[i] = int8(r.IntN(256) - 128)
	}
	for i := range p.XScales {
		p.XScales[i] = 1
	}
	say("prepare")
	var k kernels.Kernel
	if b.k.Device == deviceCUDA {
		k, err = b.prepareCUDA(p, codes, scales)
	} else {
		k, err = b.prepareCPU(p, codes, scales)
	}
	if err != nil {
		return err
	}
	say("run")
	if err := k.Run(); err != nil {
		return err
	}
	if err := k.Fetch(); err != nil {
		return err
	}
	say("free")
	return k.Close()
}
