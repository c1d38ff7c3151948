package cuda

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/bitnet-go/bitnet-bench/shaders"
)

// "auto" picks the BitLinear kernel by measuring, not by a rule: the first
// time a shape (rows, padded K, tokens) is bound on a GPU model, every
// candidate kernel is run on the problem's own buffers with L2 flushed
// before each launch (as a model's layers meet their weights), and the
// fastest is kept, for the process and in a small JSON cache per GPU
// model, so a later run on the same kind of GPU skips the measuring.
//
// BITNET_CUDA_TUNE names the cache file, or "off" for none (measure in
// every process); by default it is <user cache dir>/bitnet-bench/cuda-tune.json.

// tuneKey identifies a measured shape on a GPU model, for one version of
// the kernels (Code: a hash of their sources and the candidate list, so a
// changed kernel is measured again).
type tuneKey struct {
	GPU        string
	Code       string
	N, Kp, M   int
	RowScaling bool
}

func (k tuneKey) String() string {
	return fmt.Sprintf("%s|%s|%dx%dx%d|rows=%v", k.GPU, k.Code, k.M, k.N, k.Kp, k.RowScaling)
}

// tuneCode is the version of the BitLinear kernels: a hash of their
// sources and of every candidate name.
var tuneCode = sync.OnceValue(func() string {
	h := sha256.New()
	for _, f := range []string{"bitlinear.cu", "gemv.cu", "wave.cu", "tc.cu", "tcs.cu", "tcg.cu", "tck.cu", "tcw.cu"} {
		src, _ := shaders.CUDA(f)
		h.Write([]byte(src))
	}
	h.Write([]byte(strings.Join(bitLinearCandidates(2560, 10, 512, 132, true, true), ",")))
	return hex.EncodeToString(h.Sum(nil))[:12]
})

// tuneResult is the measured choice: the kernel, and every candidate's
// best time (ns) of the launches timed.
type tuneResult struct {
	Kernel string             `json:"kernel"`
	Ns     map[string]float64 `json:"ns"`
	// Failed names the candidates that could not be built or run, with
	// the error: they are reported, never chosen.
	Failed map[string]string `json:"failed,omitempty"`
	Cached bool              `json:"-"` // read from the cache file, not measured in this process
}

// describe says which kernel runs and why, with the runners-up.
func (r tuneResult) describe() string {
	names := make([]string, 0, len(r.Ns))
	for n := range r.Ns {
		names = append(names, n)
	}
	sort.Slice(names, func(i, j int) bool { return r.Ns[names[i]] < r.Ns[names[j]] })
	var parts []string
	for i, n := range names {
		if i == 4 {
			parts = append(parts, "…")
			break
		}
		parts = append(parts, fmt.Sprintf("%s %.2fµs", strings.TrimPrefix(n, "bitlinear_"), r.Ns[n]/1e3))
	}
	how := "measured at Prepare"
	if r.Cached {
		how = "measured earlier on this GPU model (tune cache)"
	}
	desc := fmt.Sprintf("auto: %s (%s, L2 flushed: %s)", r.Kernel, how, strings.Join(parts, ", "))
	if len(r.Failed) > 0 {
		failed := make([]string, 0, len(r.Failed))
		for n, e := range r.Failed {
			failed = append(failed, n+": "+e)
		}
		slices.Sort(failed)
		desc += "; failed: " + strings.Join(failed, "; ")
	}
	return desc
}

// tuneCache is the process's choices and the file they persist in.
type tuneCache struct {
	mu     sync.Mutex
	loaded bool
	path   string
	m      map[string]tuneResult
}

var tunes tuneCache

// tuneCachePath is the file of measured choices, "" for none.
func tuneCachePath() string { return cachePath("BITNET_CUDA_TUNE", "cuda-tune.json") }

// cachePath is the path the environment variable env names, "" when it
// says "off", or name in <user cache dir>/bitnet-bench when it is unset.
func cachePath(env, name string) string {
	p := os.Getenv(env)
	if p == "off" {
		return ""
	}
	if p != "" {
		return p
	}
	dir, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(dir, "bitnet-bench", name)
}

func (c *tuneCache) get(k tuneKey) (tuneResult, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.loaded {
		c.loaded, c.path, c.m = true, tuneCachePath(), map[string]tuneResult{}
		if c.path != "" {
			if data, err := os.ReadFile(c.path); err == nil {
				var m map[string]tuneResult
				// A damaged cache is measured again, not trusted.
				if json.Unmarshal(data, &m) == nil {
					for key, r := range m {
						r.Cached = true
						c.m[key] = r
					}
				}
			}
		}
	}
	r, ok := c.m[k.String()]
	return r, ok
}

// put records a choice and rewrites the file (atomically; a cache that
// cannot be written only costs a later process the measuring).
func (c *tuneCache) put(k tuneKey, r tuneResult) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.m[k.String()] = r
	if c.path == "" {
		return
	}
	data, err := json.MarshalIndent(c.m, "", " ")
	if err != nil {
		return
	}
	if os.MkdirAll(filepath.Dir(c.path), 0o755) != nil {
		return
	}
	tmp, err := os.CreateTemp(filepath.Dir(c.path), ".cuda-tune-*")
	if err != nil {
		return
	}
	_, err = tmp.Write(append(data, '\n'))
	if cerr := tmp.Close(); err == nil && cerr == nil {
		err = os.Rename(tmp.Name(), c.path)
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
}

// forget drops the process's choices (tests).
func (c *tuneCache) forget() {
	c.mu.Lock()
	c.loaded, c.m = false, nil
	c.mu.Unlock()
}

// tcsInAuto admits tcs.cu's shared-memory kernels to "auto" (they passed
// TestTCInstantiations and TestBitLinear on an H100 80GB HBM3);
// BITNET_CUDA_TCS=0 leaves them out.
var tcsInAuto = os.Getenv("BITNET_CUDA_TCS") != "0"

// bitLinearCandidates are the kernels "auto" measures for n rows of nb
// 64-byte blocks and m tokens on a GPU of sms SMs, with thread block
// clusters or not (sm_90 on), with wgmma or not (sm_90).
func bitLinearCandidates(n, nb, m, sms int, clusters, wgmma bool) []string {
	out := []string{"wave", "gemv", "w2a8"}
	for _, c := range tcCandidates(m) {
		out = append(out, c.name())
	}
	if tcsInAuto {
		for _, c := range tcsCandidates(m) {
			out = append(out, c.name())
		}
	}
	if tcgInAuto {
		for _, c := range tcgCandidates(n, nb, m, sms) {
			out = append(out, c.name())
		}
	}
	for _, c := range tckCandidates(n, nb, m, clusters) {
		out = append(out, c.name())
	}
	for _, c := range tcwCandidates(nb, m, wgmma) {
		out = append(out, c.name())
	}
	return out
}

// tcgInAuto admits tcg.cu's GEMM to "auto" when BITNET_CUDA_TCG=1: on an
// H100 it was slower than tcs.cu on every 2B4T shape at 128 tokens
// (docs/DESIGN.md), so by default "auto" does not spend its tuning on it.
var tcgInAuto = os.Getenv("BITNET_CUDA_TCG") == "1"

// tuneFlushBytes is the buffer tc_flush writes before each timed launch:
// over twice the 50 MB L2 of an H100 or H200, so no weight survives in it.
const tuneFlushBytes = 128 << 20

// tuneReps timed launches per candidate, after one untimed.
const tuneReps = 9

// autoBitLinear returns the measured fastest kernel for this shape, tuning
// now if the GPU model has not seen it. bind makes a candidate's launch on
// the problem's buffers.
func (d *device) autoBitLinear(k tuneKey, bind func(kernel string) (*launch, error)) (tuneResult, error) {
	if r, ok := tunes.get(k); ok {
		return r, nil
	}
	d.tuneMu.Lock()
	defer d.tuneMu.Unlock()
	if r, ok := tunes.get(k); ok { // tuned meanwhile
		return r, nil
	}
	flush, err := d.flushLaunch()
	if err != nil {
		return tuneResult{}, err
	}
	r := tuneResult{Ns: map[string]float64{}}
	best := time.Duration(1 << 62)
	// A candidate that cannot be built or launched (a module that does not
	// compile for this device) is recorded as failed and the others still
	// compete; its tests say why.
	for _, name := range bitLinearCandidates(k.N, k.Kp/256, k.M, d.sms, d.clusters(), d.wgmma()) {
		l, err := bind(name)
		var t time.Duration
		if err == nil {
			t, err = d.timeCold(l, flush)
			l.release()
		}
		if err != nil {
			if r.Failed == nil {
				r.Failed = map[string]string{}
			}
			r.Failed[name] = err.Error()
			continue
		}
		r.Ns[name] = float64(t.Nanoseconds())
		if t < best {
			best, r.Kernel = t, name
		}
	}
	if r.Kernel == "" {
		return tuneResult{}, fmt.Errorf("cuda: tuning BitLinear %dx%dx%d: no candidate ran: %s", k.M, k.N, k.Kp, r.describe())
	}
	tunes.put(k, r)
	return r, nil
}

// timeCold is the median GPU time of tuneReps launches of l, each after
// the flush kernel has evicted L2. The launches are queued behind the
// flush (tens of µs), so each starts without waiting on the host and the
// events around it see the kernel alone; one wait at the end.
func (d *device) timeCold(l, flush *launch) (time.Duration, error) {
	var times []float64
	err := d.th.Do(func() error {
		drv := d.drv
		evs := make([]uintptr, 2*(tuneReps+1))
		defer func() {
			for _, e := range evs {
				if e != 0 {
					drv.cuEventDestroy(e)
				}
			}
		}()
		for i := range evs {
			if err := drv.check("cuEventCreate", drv.cuEventCreate(&evs[i], eventDefault)); err != nil {
				return err
			}
		}
		for i := range tuneReps + 1 {
			if err := d.enqueue(flush); err != nil {
				return err
			}
			if err := drv.check("cuEventRecord", drv.cuEventRecord(evs[2*i], 0)); err != nil {
				return err
			}
			if err := d.enqueue(l); err != nil {
				return err
			}
			if err := drv.check("cuEventRecord", drv.cuEventRecord(evs[2*i+1], 0)); err != nil {
				return err
			}
		}
		if err := drv.check("cuEventSynchronize", drv.cuEventSynchronize(evs[len(evs)-1])); err != nil {
			return err
		}
		for i := 1; i <= tuneReps; i++ { // the first launch also loads the module's code
			var ms float32
			if err := drv.check("cuEventElapsedTime", drv.cuEventElapsedTime(&ms, evs[2*i], evs[2*i+1])); err != nil {
				return err
			}
			times = append(times, float64(ms)*1e6)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	slices.Sort(times)
	return time.Duration(times[len(times)/2]), nil
}

// flushLaunch is tc_flush over the device's flush buffer, allocated on
// first tuning and kept for the process.
func (d *device) flushLaunch() (*launch, error) {
	if d.flush == nil {
		p, err := d.alloc(tuneFlushBytes)
		if err != nil {
			return nil, err
		}
		l, err := d.newLaunch("tc_flush", [3]uint32{uint32(d.sms * 8), 1, 1}, [3]uint32{256, 1, 1}, p, int64(tuneFlushBytes/16), int32(1))
		if err != nil {
			d.free(p)
			return nil, err
		}
		d.flush = l
	}
	return d.flush, nil
}

// tuneTable lists the process's measured choices, each with every
// candidate's time, fastest first, for the benchmarks' log.
func tuneTable() []string {
	tunes.mu.Lock()
	defer tunes.mu.Unlock()
	var out []string
	for k, r := range tunes.m {
		names := make([]string, 0, len(r.Ns))
		for n := range r.Ns {
			names = append(names, n)
		}
		sort.Slice(names, func(i, j int) bool { return r.Ns[names[i]] < r.Ns[names[j]] })
		all := make([]string, len(names))
		for i, n := range names {
			all[i] = fmt.Sprintf("%s %.2f", strings.TrimPrefix(n, "bitlinear_"), r.Ns[n]/1e3)
		}
		out = append(out, fmt.Sprintf("%s → %s\n    all (µs): %s", k, r.describe(), strings.Join(all, ", ")))
	}
	slices.Sort(out)
	return out
}
