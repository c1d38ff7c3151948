package bench

import (
	"fmt"
	"strings"
	"time"

	"github.com/bitnet-go/bitnet-bench/bench/results"
	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/cpu"
	"github.com/bitnet-go/bitnet-bench/kernels/pack"
	"github.com/bitnet-go/bitnet-bench/memory"
)

// The cleanup family measures the memory pool's cleanup strategies on the
// allocation cycle of a BitLinear call: a run allocates the call's
// operands (2-bit weights, int8 activations, f32 outputs) from a private
// pool, writes every page, frees them, and runs the cleanup pass the
// strategy plans. "none" runs no pass: the cycle alone. A pass that hands
// pages back is paid again at the next cycle's page faults, so a case's
// time is the strategy's cost per cycle and its bytes-released/op what
// it hands back. The pool's code is portable Go, so the cases run on the
// CPU's generic level.

// CleanupStrategies are the passes --cleanup accepts: memory's strategies,
// each as the scheduler would run it when due, and none.
var CleanupStrategies = []string{"none", "idle", "periodic", "generational", "pressure"}

// cleanupPass is the pass a strategy plans for a pool whose memory was
// just freed. Idle's threshold is 0 (everything free counts as idle);
// pressure's is the pass it runs once the pool is under pressure.
func cleanupPass(strategy string) (memory.TrimOptions, bool, error) {
	var s memory.Strategy
	switch strategy {
	case "none":
		return memory.TrimOptions{}, false, nil
	case "idle":
		s = memory.IdleStrategy{}
	case "periodic":
		s = memory.PeriodicStrategy{}
	case "generational":
		s = memory.GenerationalStrategy{}
	case "pressure":
		return memory.TrimOptions{Strategy: "pressure", DrainCaches: true, Discard: true, ReleaseArenas: true, SortFreeLists: true}, true, nil
	default:
		return memory.TrimOptions{}, false, fmt.Errorf("unknown cleanup strategy %q (%s)", strategy, strings.Join(CleanupStrategies, ", "))
	}
	opt, due := s.Plan(time.Now(), time.Time{}, nil)
	return opt, due, nil
}

// ParseCleanup reads a --cleanup list: strategies or all.
func ParseCleanup(list string) ([]string, error) {
	var out []string
	for _, item := range splitList(strings.ToLower(list)) {
		if item == "all" {
			return append([]string(nil), CleanupStrategies...), nil
		}
		if _, _, err := cleanupPass(item); err != nil {
			return nil, err
		}
		out = append(out, item)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no cleanup strategies given")
	}
	return out, nil
}

// cleanupCases expands cfg.Cleanup over the sizes and batches.
func cleanupCases(cfg Config) ([]Case, error) {
	if len(cfg.Cleanup) == 0 {
		return nil, nil
	}
	if len(cfg.Sizes) == 0 || len(cfg.Batches) == 0 {
		return nil, fmt.Errorf("catalogue: cleanup cases need sizes and batches")
	}
	backends, err := portableBackends(cfg.Devices)
	if err != nil {
		return nil, err
	}
	var cases []Case
	for _, strategy := range cfg.Cleanup {
		for _, sz := range cfg.Sizes {
			for _, m := range cfg.Batches {
				for _, be := range backends {
					op := kernels.Op("Cleanup" + strings.ToUpper(strategy[:1]) + strategy[1:])
					c := Case{Op: op, Shape: results.Shape{M: m, N: sz.N, K: sz.K}, DType: "i2", Backend: be, Cleanup: strategy}
					c.Name = strings.Join([]string{string(op), sz.String(), fmt.Sprintf("b%d", m), "i2", target(be)}, "/")
					if err := be.Available(); err != nil {
						c.Unavailable = err.Error()
					}
					cases = append(cases, c)
				}
			}
		}
	}
	return cases, nil
}

// cleanupKernel is one allocation cycle and cleanup pass on its own pool.
type cleanupKernel struct {
	pool         *memory.Pool
	m, n, k      int
	pass         memory.TrimOptions
	due          bool
	runs         int
	released     uint64 // bytes handed back over all runs
	reservedPeak uint64
}

func (k *cleanupKernel) Run() error {
	w, err := k.pool.AllocBytes(k.n*pack.Stride2Bit(k.k), 64)
	if err != nil {
		return err
	}
	x, err := k.pool.AllocInt8(k.m * k.k)
	if err != nil {
		w.Free()
		return err
	}
	y, err := k.pool.AllocFloat32(k.m * k.n)
	if err != nil {
		w.Free()
		x.Free()
		return err
	}
	touch(w.Data())
	for i := 0; i < x.Len(); i += 4096 {
		x.Data()[i] = 1
	}
	for i := 0; i < y.Len(); i += 1024 {
		y.Data()[i] = 1
	}
	k.reservedPeak = max(k.reservedPeak, k.pool.Stats().ReservedBytes)
	for _, err := range []error{y.Free(), x.Free(), w.Free()} {
		if err != nil {
			return err
		}
	}
	if k.due {
		st := k.pool.Trim(k.pass)
		if st.Err != "" {
			return fmt.Errorf("cleanup pass: %s", st.Err)
		}
		k.released += st.BytesReleased
	}
	k.runs++
	return nil
}

// touch writes a byte of every page, as the weights' packing would.
func touch(b []byte) {
	for i := 0; i < len(b); i += 4096 {
		b[i] = 1
	}
}

func (k *cleanupKernel) Fetch() error { return nil }
func (k *cleanupKernel) Close() error { return k.pool.Close() }

// metrics adds the bytes a pass handed back per cycle and the most the
// pool held.
func (k *cleanupKernel) metrics(float64) map[string]float64 {
	return map[string]float64{
		"bytes-released/op": float64(k.released) / float64(max(k.runs, 1)),
		"reserved-peak-B":   float64(k.reservedPeak),
	}
}

// prepareCleanup makes a case's private pool and runs one cycle, so the
// first page faults are not the measurement's. Its work per run is the
// operands' bytes written.
func prepareCleanup(c *Case) (kernels.Kernel, Work, error) {
	if be, ok := c.Backend.(*cpu.Backend); !ok || be.Level() != string(cpu.LevelGeneric) {
		return nil, Work{}, &kernels.NotImplementedError{Op: c.Op, Backend: c.Backend.Name(),
			Why: "the memory pool is portable Go, measured on the CPU's generic level"}
	}
	pass, due, err := cleanupPass(c.Cleanup)
	if err != nil {
		return nil, Work{}, err
	}
	pool, err := memory.New(memory.Config{Name: "cleanup-" + c.Cleanup, Tracking: memory.TrackBasic})
	if err != nil {
		return nil, Work{}, err
	}
	k := &cleanupKernel{pool: pool, m: c.Shape.M, n: c.Shape.N, k: c.Shape.K, pass: pass, due: due}
	if err := k.Run(); err != nil {
		pool.Close()
		return nil, Work{}, err
	}
	k.runs, k.released = 0, 0
	bytes := int64(c.Shape.N*pack.Stride2Bit(c.Shape.K) + c.Shape.M*c.Shape.K + 4*c.Shape.M*c.Shape.N)
	return k, Work{Bytes: bytes}, nil
}
