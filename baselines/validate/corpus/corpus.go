// Package corpus builds the real benchmarks that regression-check
// --validate measures: the test binaries of Go packages this project did not
// write (the standard library's by default, or the user's own), each built
// once unchanged and once per injected slowdown, and runs them as separate
// processes into a pool of runs (pool.go).
//
// A slowdown is real work, not a rescaled number: the benchmark function's
// source is copied from its package at build time, a deferred spin loop of
// a calibrated number of steps per op is added to it, and go test -c builds
// it through -overlay, so nothing is written into the package (GOROOT stays
// untouched). The spin runs inside the timed region after the benchmark's
// own loop, so it adds the same work per op whatever the benchmark does with
// its timer. Its size is the slowdown times the unchanged build's CPU time
// per op; Build then measures the slowdown it got from the processes' CPU
// time (A and B alternately, a fixed iteration count: B's extra CPU time
// per op over A's) and reports it. (For a benchmark whose garbage collector runs beside it on
// another core, CPU time per op exceeds wall time per op, so the wall-time
// slowdown is larger than the CPU-time one; --validate reports the
// slowdown each arm had in the pool's own timings.)
package corpus

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bitnet-go/bitnet-bench/baselines/stats"
	"github.com/bitnet-go/bitnet-bench/bench/cputime"
)

// Case is one benchmark: a top-level Benchmark function of a package (one
// that does not call b.Run: the spin is added per op of the function).
type Case struct {
	Package string `json:"package"` // as go test takes it: "unicode/utf8", "./bench/"
	Bench   string `json:"bench"`   // function name: "BenchmarkFormat"
}

// Name is the case's name as Go benchmark text prints it (less the
// -GOMAXPROCS suffix).
func (c Case) Name() string { return strings.TrimPrefix(c.Bench, "Benchmark") }

// Key identifies the case in the Variant and Corpus maps.
func (c Case) Key() string { return c.Package + "." + c.Bench }

// Builtin is the default corpus: standard-library benchmarks from tens of
// nanoseconds to milliseconds per op (on a 2-vCPU Zen 5 VM, unloaded, about
// 20 ns, 150 ns, 1 µs, 5 µs, 1 ms and 2 ms), none of them calling b.Run or
// b.RunParallel.
var Builtin = []Case{
	{"unicode/utf8", "BenchmarkRuneCountTenJapaneseChars"},
	{"time", "BenchmarkFormat"},
	{"html/template", "BenchmarkEscapedExecute"},
	{"encoding/base64", "BenchmarkEncodeToString"},
	{"go/parser", "BenchmarkParse"},
	{"math/big", "BenchmarkFibo"},
}

// DefaultSlowdowns are the injected slowdowns Build makes.
var DefaultSlowdowns = []float64{0.05, 0.10, 0.20}

// Variant is one build of every package: the unchanged one (Slowdown 0) or
// one with a slowdown injected into every case.
type Variant struct {
	Name     string            `json:"name"` // "A", "+5%"
	Slowdown float64           `json:"slowdown"`
	Binaries map[string]string `json:"binaries"` // package -> test binary
	// Steps is the spin steps added per op, per case (Case.key).
	Steps map[string]float64 `json:"steps,omitempty"`
	// Injected is the slowdown measured per case: B's extra CPU time per
	// op over A's ns/op; InjectedSpread half the interquartile range over
	// the A/B pairs it was measured from.
	Injected       map[string]float64 `json:"injected,omitempty"`
	InjectedSpread map[string]float64 `json:"injected_spread,omitempty"`
}

// Corpus is what Build made; it is saved as corpus.json in Dir.
type Corpus struct {
	Dir      string             `json:"dir"`
	Cases    []Case             `json:"cases"`
	PkgDirs  map[string]string  `json:"package_dirs"`  // where each binary runs, as go test runs it
	NsPerOp  map[string]float64 `json:"cpu_ns_per_op"` // the unchanged build's CPU time per op
	StepNs   float64            `json:"spin_step_ns"`
	Variants []Variant          `json:"variants"`
	Built    time.Time          `json:"built"`
	// CPUTime says every build reports cpu-ns/op (Config.CPUTime).
	CPUTime bool `json:"cpu_time,omitempty"`
	// Controls says every build reports the controls (Config.Controls).
	Controls  bool               `json:"controls,omitempty"`
	iters     map[string]int     // per case: the iteration count of the CPU-time runs
	fixed     map[string]float64 // per case: the CPU seconds of a one-iteration run
	GoVersion string             `json:"go_version"`
}

// Config sets up Build.
type Config struct {
	Dir       string    // where binaries, overlays and corpus.json go (created)
	Cases     []Case    // Builtin when empty
	Slowdowns []float64 // DefaultSlowdowns when nil
	Go        string    // the go command ("go")
	WorkDir   string    // where go resolves relative packages ("." when empty)
	Log       io.Writer // progress lines; nil for none
	// CPUTime adds to every case of every build, the unchanged one too, a
	// deferred report of the process's CPU time per op (cpu-ns/op, as
	// bench/cputime.Track reports it), so the pool can validate gating on
	// cpu-sec/op.
	CPUTime bool
	// Controls adds to every case of every build a deferred report of the
	// control workloads (bench/controls: ctl-compute-ns, ctl-memory-ns)
	// measured after each sample's timed loop, so the pool can validate
	// the checks that use them.
	Controls bool
}

// reports says what inject adds to a benchmark besides the spin.
func (c Config) reports() reports { return reports{cpu: c.CPUTime, controls: c.Controls} }

func (c *Config) logf(format string, args ...any) {
	if c.Log != nil {
		fmt.Fprintf(c.Log, format+"\n", args...)
	}
}

// Packages returns the packages of cases in first-seen order.
func Packages(cases []Case) []string {
	var out []string
	for _, c := range cases {
		if !slices.Contains(out, c.Package) {
			out = append(out, c.Package)
		}
	}
	return out
}

// BenchRegexp is the -test.bench expression that selects exactly the cases
// of pkg.
func BenchRegexp(cases []Case, pkg string) string {
	var names []string
	for _, c := range cases {
		if c.Package == pkg {
			names = append(names, regexp.QuoteMeta(c.Bench))
		}
	}
	return "^(" + strings.Join(names, "|") + ")$"
}

// Build compiles the corpus: every package's test binary unchanged, then one
// build per slowdown with the spin injected into each case, calibrated from
// the unchanged build's ns/op and verified from CPU time.
func Build(ctx context.Context, cfg Config) (*Corpus, error) {
	if len(cfg.Cases) == 0 {
		cfg.Cases = Builtin
	}
	if cfg.Slowdowns == nil {
		cfg.Slowdowns = DefaultSlowdowns
	}
	if cfg.Go == "" {
		cfg.Go = "go"
	}
	if cfg.WorkDir == "" {
		cfg.WorkDir = "."
	}
	for _, s := range cfg.Slowdowns {
		if !(s > 0 && s <= 1) {
			return nil, fmt.Errorf("corpus: slowdown %v: want 0 < slowdown <= 1", s)
		}
	}
	dir, err := filepath.Abs(cfg.Dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	c := &Corpus{Dir: dir, Cases: cfg.Cases, PkgDirs: map[string]string{}, NsPerOp: map[string]float64{}, iters: map[string]int{}, CPUTime: cfg.CPUTime, Controls: cfg.Controls}
	if v, err := goOut(ctx, cfg, "env", "GOVERSION"); err == nil {
		c.GoVersion = v
	}
	pkgs := Packages(cfg.Cases)
	files := map[string][]string{} // package -> its _test.go files
	for _, p := range pkgs {
		out, err := goOut(ctx, cfg, "list", "-f", "{{.Dir}}\n{{range .TestGoFiles}}{{.}}\n{{end}}{{range .XTestGoFiles}}{{.}}\n{{end}}", p)
		if err != nil {
			return nil, err
		}
		lines := strings.Split(strings.TrimSpace(out), "\n")
		c.PkgDirs[p] = lines[0]
		for _, f := range lines[1:] {
			files[p] = append(files[p], filepath.Join(lines[0], f))
		}
	}

	// Keep the cases that can take an injected slowdown.
	var kept []Case
	for _, cs := range c.Cases {
		_, src, err := findBench(files[cs.Package], nil, cs.Bench)
		if err == nil {
			_, err = inject(src, cs.Bench, 1, cfg.reports())
		}
		if err != nil {
			cfg.logf("corpus: leaving out %s %s: %v", cs.Package, cs.Bench, err)
			continue
		}
		kept = append(kept, cs)
	}
	if len(kept) == 0 {
		return nil, fmt.Errorf("corpus: no case can take an injected slowdown (a case must be a top-level benchmark that calls neither b.Run nor b.RunParallel)")
	}
	c.Cases = kept
	pkgs = Packages(kept)

	a := Variant{Name: "A", Binaries: map[string]string{}}
	if cfg.CPUTime || cfg.Controls {
		// The unchanged build carries the same reports as the
		// slowdowns, and no spin.
		if err := c.buildVariant(ctx, cfg, &a, files); err != nil {
			return nil, err
		}
	} else {
		for _, p := range pkgs {
			bin := filepath.Join(dir, "A", slug(p)+".test")
			cfg.logf("corpus: building %s", p)
			if err := buildTest(ctx, cfg, p, bin, ""); err != nil {
				return nil, err
			}
			a.Binaries[p] = bin
		}
	}
	c.Variants = append(c.Variants, a)

	// The spin's step is timed like the benchmarks' ops: in CPU time,
	// between their runs, the median (the fastest of a few timings, used
	// before, sized the spins for a quieter machine than the ops were
	// measured on, and the slowdowns came out up to twice nominal).
	steps := spinStepTimes(5)
	for _, cs := range c.Cases {
		ns, iters, err := perOp(ctx, a.Binaries[cs.Package], c.PkgDirs[cs.Package], cs)
		if err != nil {
			return nil, err
		}
		steps = append(steps, spinStepTimes(3)...)
		c.NsPerOp[cs.Key()], c.iters[cs.Key()] = ns, iters
		cfg.logf("corpus: %s %s: %.4g CPU ns/op", cs.Package, cs.Bench, ns)
	}
	c.StepNs = median(steps)
	cfg.logf("corpus: spin step %.3g CPU ns (median of %d timings between the ops' runs)", c.StepNs, len(steps))

	for _, s := range cfg.Slowdowns {
		v := Variant{Name: fmt.Sprintf("+%g%%", s*100), Slowdown: s, Binaries: map[string]string{}, Steps: map[string]float64{}, Injected: map[string]float64{}, InjectedSpread: map[string]float64{}}
		for _, cs := range c.Cases {
			v.Steps[cs.Key()] = s * c.NsPerOp[cs.Key()] / c.StepNs
		}
		// Build, then check the slowdown from CPU time. The check is
		// reported, not acted on: on a loaded machine its spread is as
		// large as the slowdown, and the pool's own timings measure the
		// slowdown each arm had far more precisely (Achieved).
		if err := c.buildVariant(ctx, cfg, &v, files); err != nil {
			return nil, err
		}
		for _, cs := range c.Cases {
			got, spread, err := injected(ctx, a.Binaries[cs.Package], v.Binaries[cs.Package], c.PkgDirs[cs.Package], cs, c.iters[cs.Key()], c.NsPerOp[cs.Key()])
			if err != nil {
				return nil, err
			}
			v.Injected[cs.Key()], v.InjectedSpread[cs.Key()] = got, spread
			cfg.logf("corpus: %s %s %s: CPU-time check %+.1f%% ± %.1f%% (extra CPU time per op over A's; median and half IQR of 7 A/B pairs)", v.Name, cs.Package, cs.Bench, 100*got, 100*spread)
		}
		c.Variants = append(c.Variants, v)
	}
	c.Built = time.Now().UTC()
	return c, c.save()
}

func (c *Corpus) save() error {
	data, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(c.Dir, "corpus.json.tmp")
	if err := os.WriteFile(tmp, append(data, '\n'), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(c.Dir, "corpus.json"))
}

// Load reads the corpus.json that Build saved in dir.
func Load(dir string) (*Corpus, error) {
	data, err := os.ReadFile(filepath.Join(dir, "corpus.json"))
	if err != nil {
		return nil, err
	}
	var c Corpus
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, "corpus.json"), err)
	}
	return &c, nil
}

// Variant returns the variant of the given name, nil if none.
func (c *Corpus) Variant(name string) *Variant {
	for i := range c.Variants {
		if c.Variants[i].Name == name {
			return &c.Variants[i]
		}
	}
	return nil
}

// buildVariant writes the injected copies of the cases' test files and an
// overlay naming them, and builds every package through it.
func (c *Corpus) buildVariant(ctx context.Context, cfg Config, v *Variant, files map[string][]string) error {
	vdir := filepath.Join(c.Dir, slug(v.Name))
	if err := os.MkdirAll(vdir, 0o755); err != nil {
		return err
	}
	for _, p := range Packages(c.Cases) {
		replace := map[string]string{}
		for _, cs := range c.Cases {
			if cs.Package != p {
				continue
			}
			file, src, err := findBench(files[p], replace, cs.Bench)
			if err != nil {
				return fmt.Errorf("corpus: %s: %w", p, err)
			}
			out, err := inject(src, cs.Bench, v.Steps[cs.Key()], cfg.reports())
			if err != nil {
				return fmt.Errorf("corpus: %s: %w", file, err)
			}
			copyPath := filepath.Join(vdir, slug(p)+"-"+filepath.Base(file))
			if err := os.WriteFile(copyPath, out, 0o644); err != nil {
				return err
			}
			replace[file] = copyPath
		}
		ov, err := json.Marshal(map[string]any{"Replace": replace})
		if err != nil {
			return err
		}
		ovPath := filepath.Join(vdir, slug(p)+"-overlay.json")
		if err := os.WriteFile(ovPath, ov, 0o644); err != nil {
			return err
		}
		bin := filepath.Join(vdir, slug(p)+".test")
		if v.Slowdown > 0 {
			cfg.logf("corpus: building %s with %s injected", p, v.Name)
		} else {
			cfg.logf("corpus: building %s with its reports", p)
		}
		if err := buildTest(ctx, cfg, p, bin, ovPath); err != nil {
			return err
		}
		v.Binaries[p] = bin
	}
	return nil
}

// ListBenchmarks returns the top-level benchmarks of pkg whose names
// match the -test.bench expression bench (go test -list).
func ListBenchmarks(ctx context.Context, cfg Config, pkg, bench string) ([]Case, error) {
	if cfg.Go == "" {
		cfg.Go = "go"
	}
	if cfg.WorkDir == "" {
		cfg.WorkDir = "."
	}
	// -test.bench matches the first element of a name against the first
	// /-separated part of the expression; -list takes one expression.
	first, _, _ := strings.Cut(bench, "/")
	out, err := goOut(ctx, cfg, "test", "-list", first, pkg)
	if err != nil {
		return nil, err
	}
	var cases []Case
	for _, line := range strings.Split(out, "\n") {
		if name := strings.TrimSpace(line); strings.HasPrefix(name, "Benchmark") {
			cases = append(cases, Case{Package: pkg, Bench: name})
		}
	}
	if len(cases) == 0 {
		return nil, fmt.Errorf("corpus: no benchmark of %s matches %q", pkg, bench)
	}
	return cases, nil
}

// BuildPlain compiles pkg's test binary into bin and returns the directory
// it runs in (the package's, as go test runs it).
func BuildPlain(ctx context.Context, cfg Config, pkg, bin string) (string, error) {
	if cfg.Go == "" {
		cfg.Go = "go"
	}
	if cfg.WorkDir == "" {
		cfg.WorkDir = "."
	}
	if err := buildTest(ctx, cfg, pkg, bin, ""); err != nil {
		return "", err
	}
	return goOut(ctx, cfg, "list", "-f", "{{.Dir}}", pkg)
}

// findBench returns the test file declaring fn and its source (the
// already injected copy when an earlier case of the package edited it).
func findBench(files []string, replaced map[string]string, fn string) (string, []byte, error) {
	for _, f := range files {
		path := f
		if r, ok := replaced[f]; ok && replaced != nil {
			path = r
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return "", nil, err
		}
		if bytes.Contains(src, []byte("func "+fn+"(")) {
			return f, src, nil
		}
	}
	return "", nil, fmt.Errorf("no test file declares func %s", fn)
}

const spinFunc = `

// bitnetInjectSpin is regression-check --validate's injected slowdown:
// steps of a dependent integer chain, nothing the compiler can remove.
func bitnetInjectSpin(steps float64) {
	x := bitnetInjectSink | 1
	for i, n := 0, int(steps); i < n; i++ {
		x = x*6364136223846793005 + 1442695040888963407
		x ^= x >> 29
	}
	bitnetInjectSink = x
}

var bitnetInjectSink uint64
`

const cpuFunc = `

// bitnetCPUTrack is regression-check --validate's CPU-time report, as
// bench/cputime.Track makes it: the process's CPU time during the call
// per op, in cpu-ns/op (getrusage: the standard library's tests cannot
// import x/sys).
func bitnetCPUTrack(b interface {
	ReportMetric(float64, string)
}, n func() int) func() {
	start := bitnetCPUNow()
	return func() {
		if n() > 0 {
			b.ReportMetric(float64(bitnetCPUNow()-start)/float64(n()), "cpu-ns/op")
		}
	}
}

func bitnetCPUNow() int64 {
	var ru bitnetSyscall.Rusage
	if bitnetSyscall.Getrusage(bitnetSyscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
`

// reports are the measurements inject adds to a benchmark.
type reports struct {
	cpu      bool // the CPU time per op (cpu-ns/op)
	controls bool // the control workloads, after the timed loop
}

// inject adds to benchmark fn of src a deferred spin of steps per op (none
// for 0 steps), the deferred reports rep asks for, and the functions they
// call once per file.
func inject(src []byte, fn string, steps float64, rep reports) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "", src, 0)
	if err != nil {
		return nil, err
	}
	var decl *ast.FuncDecl
	for _, d := range f.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == fn {
			decl = fd
		}
	}
	if decl == nil || decl.Body == nil {
		return nil, fmt.Errorf("no func %s", fn)
	}
	params := decl.Type.Params.List
	if len(params) != 1 || len(params[0].Names) != 1 || params[0].Names[0].Name == "_" {
		return nil, fmt.Errorf("func %s: want one named *testing.B parameter", fn)
	}
	b := params[0].Names[0].Name
	var calls bool
	ast.Inspect(decl.Body, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok && (sel.Sel.Name == "Run" || sel.Sel.Name == "RunParallel") {
			if id, ok := sel.X.(*ast.Ident); ok && id.Name == b {
				calls = true
			}
		}
		return true
	})
	if calls {
		return nil, fmt.Errorf("func %s calls %s.Run or %s.RunParallel: only leaf benchmarks can take an injected slowdown", fn, b, b)
	}
	at := fset.Position(decl.Body.Lbrace).Offset + 1
	var stmt string
	if rep.controls {
		// Deferred before everything, so it runs after the CPU-time
		// report: the controls' own CPU time is not the op's.
		stmt += fmt.Sprintf("\n\tdefer bitnetControlsReport(%s)", b)
	}
	if rep.cpu {
		// Deferred first, so it runs last: after the spin, which is
		// part of the op.
		stmt += fmt.Sprintf("\n\tdefer bitnetCPUTrack(%s, func() int { return %s.N })()", b, b)
	}
	if steps > 0 {
		stmt += fmt.Sprintf("\n\tdefer func() { %s.StartTimer(); bitnetInjectSpin(float64(%s.N) * %s) }()", b, b, strconv.FormatFloat(steps, 'g', 6, 64))
	}
	out := append(append(append([]byte(nil), src[:at]...), stmt...), src[at:]...)
	if steps > 0 && !bytes.Contains(out, []byte("func bitnetInjectSpin(")) {
		out = append(out, spinFunc...)
	}
	// Imports of their own names, right after the package clause, so
	// they clash with nothing the file imports.
	var imports string
	if rep.cpu && !bytes.Contains(out, []byte("func bitnetCPUTrack(")) {
		out = append(out, cpuFunc...)
		imports += "\nimport bitnetSyscall \"syscall\"\n"
	}
	if rep.controls && !bytes.Contains(out, []byte("func bitnetControlsReport(")) {
		out = append(out, controlsFunc...)
		imports += "\nimport (\n\tbitnetSort \"sort\"\n\tbitnetSync \"sync\"\n\tbitnetTime \"time\"\n)\n"
	}
	if imports != "" {
		end := fset.Position(f.Name.End()).Offset
		out = append(append(append([]byte(nil), out[:end]...), "\n"+imports...), out[end:]...)
	}
	return out, nil
}

// controlsFunc is bench/controls' Report for test files that cannot import
// it (the standard library's): the same two workloads, sizes and median of
// three (TestInjectedControlsMatchPackage holds the loops to the package's),
// reported after the timed loop with the timer stopped.
const controlsFunc = `

// bitnetControlsReport is regression-check --validate's copy of
// bench/controls.Report: the machine-state controls after the timed loop.
func bitnetControlsReport(b interface {
	StopTimer()
	StartTimer()
	ReportMetric(float64, string)
}) {
	b.StopTimer()
	buf := bitnetControlsBuffer()
	bitnetControlsMemory(buf, 1<<12)
	b.ReportMetric(bitnetControlsMedian3(func() uint64 { return bitnetControlsCompute(1 << 16) }), "ctl-compute-ns")
	b.ReportMetric(bitnetControlsMedian3(func() uint64 { return bitnetControlsMemory(buf, 1<<12) }), "ctl-memory-ns")
	b.StartTimer()
}

var (
	bitnetControlsOnce  bitnetSync.Once
	bitnetControlsChase []uint32
	bitnetControlsSink  uint64
)

func bitnetControlsBuffer() []uint32 {
	bitnetControlsOnce.Do(func() { bitnetControlsChase = bitnetControlsCycle(64<<20, 2<<12) })
	return bitnetControlsChase
}

func bitnetControlsCycle(size, hops int) []uint32 {
	const words = 16 // uint32s per 64-byte line
	lines := size / 4 / words
	buf := make([]uint32, size/4)
	taken := make([]uint64, (lines+63)/64)
	taken[0] = 1
	path := make([]uint32, 1, hops)
	x := uint64(0x9e3779b97f4a7c15)
	for len(path) < hops {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		l := x % uint64(lines)
		if taken[l/64]&(1<<(l%64)) != 0 {
			continue
		}
		taken[l/64] |= 1 << (l % 64)
		path = append(path, uint32(l))
	}
	for k, l := range path {
		buf[l*words] = path[(k+1)%len(path)] * words
	}
	return buf
}

//go:noinline
func bitnetControlsCompute(n int) uint64 {
	x := uint64(n) | 1
	for i := 0; i < n; i++ {
		x = x*6364136223846793005 + 1442695040888963407
		x ^= x >> 29
	}
	return x
}

//go:noinline
func bitnetControlsMemory(buf []uint32, hops int) uint64 {
	i := uint32(0)
	for range hops {
		i = buf[i]
	}
	return uint64(i)
}

func bitnetControlsMedian3(f func() uint64) float64 {
	var ts [3]float64
	for k := range ts {
		t := bitnetTime.Now()
		bitnetControlsSink += f()
		ts[k] = float64(bitnetTime.Since(t).Nanoseconds())
	}
	bitnetSort.Float64s(ts[:])
	return ts[1]
}
`

var spinSink uint64

// spin is bitnetInjectSpin's loop, compiled here to measure its step cost.
//
//go:noinline
func spin(n int) {
	x := spinSink | 1
	for i := 0; i < n; i++ {
		x = x*6364136223846793005 + 1442695040888963407
		x ^= x >> 29
	}
	spinSink = x
}

// spinStepTimes times n runs of the spin loop in the process's CPU time
// (bench/cputime; wall time where the OS gives none) and returns the ns
// per step of each.
func spinStepTimes(n int) []float64 {
	const steps = 1 << 20
	clock := func() time.Duration {
		if t, err := cputime.Now(); err == nil {
			return t
		}
		return time.Duration(time.Now().UnixNano())
	}
	out := make([]float64, 0, n)
	for range n {
		t0 := clock()
		spin(steps)
		out = append(out, float64((clock()-t0).Nanoseconds())/steps)
	}
	return out
}

func buildTest(ctx context.Context, cfg Config, pkg, bin, overlay string) error {
	args := []string{"test", "-c", "-o", bin}
	if overlay != "" {
		args = append(args, "-overlay", overlay)
	}
	args = append(args, pkg)
	if _, err := goOut(ctx, cfg, args...); err != nil {
		return err
	}
	if _, err := os.Stat(bin); err != nil {
		return fmt.Errorf("corpus: go test -c wrote no binary for %s (no test files?)", pkg)
	}
	return nil
}

func goOut(ctx context.Context, cfg Config, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, cfg.Go, args...)
	cmd.Dir = cfg.WorkDir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s %s: %v\n%s", cfg.Go, strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
	}
	return strings.TrimSpace(out.String()), nil
}

// perOp measures the unchanged build's CPU time per op of the case: three
// runs of about 0.2s each (an iteration count from a short probe) less
// three runs of one iteration (the process's fixed cost), medians. CPU time
// because a loaded machine inflates the wall time of a fixed amount of
// work far more (a spin sized from a slowed ns/op would be too large).
func perOp(ctx context.Context, bin, dir string, cs Case) (ns float64, iters int, err error) {
	out, _, err := Exec(ctx, bin, dir, "-test.run=^$", benchFlag(cs), "-test.benchtime=50ms")
	if err != nil {
		return 0, 0, err
	}
	probe, err := minNsPerOp(out, bin, cs)
	if err != nil {
		return 0, 0, err
	}
	iters = max(4, int(0.2e9/probe)) // several ops, so one-op noise cancels
	var tn, t1, reported []float64
	for i := 0; i < 3; i++ {
		outN, a, err := runIters(ctx, bin, dir, cs, iters)
		if err != nil {
			return 0, 0, err
		}
		if v, ok := metric(outN, cs, "cpu-ns/op"); ok {
			reported = append(reported, v)
			continue
		}
		_, b, err := runIters(ctx, bin, dir, cs, 1)
		if err != nil {
			return 0, 0, err
		}
		tn, t1 = append(tn, a), append(t1, b)
	}
	// A build that reports its CPU time per op (the cpu-ns/op that
	// --metric cpu-sec/op judges) is taken at its word: the difference of
	// two processes' CPU times also holds their start-up (the runtime, the
	// controls' buffer), whose noise under load can exceed the ops' (it
	// once sized base64's spin from 8e-5 ns an op).
	if len(reported) == 3 {
		return median(reported), iters, nil
	}
	d := median(tn) - median(t1)
	if d <= 0 {
		return 0, 0, fmt.Errorf("corpus: %s %s: %d iterations took no more CPU time than one (%.3gs, %.3gs, medians of three): the process's own start-up outweighs the ops; build with the CPU-time report (--metric cpu-sec/op) or validate on a quieter machine", cs.Package, cs.Bench, iters, median(tn), median(t1))
	}
	return d / float64(iters) * 1e9, iters, nil
}

func benchFlag(cs Case) string { return "-test.bench=^" + regexp.QuoteMeta(cs.Bench) + "$" }

// minNsPerOp is the smallest ns/op the case printed in out.
func minNsPerOp(out []byte, bin string, cs Case) (float64, error) {
	v, ok := metric(out, cs, "ns/op")
	if !ok {
		return 0, fmt.Errorf("corpus: %s printed no ns/op for %s:\n%s", bin, cs.Bench, out)
	}
	return v, nil
}

// metric is the smallest value the case printed in out in unit.
func metric(out []byte, cs Case, unit string) (float64, bool) {
	best := math.Inf(1)
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		for i := 3; i < len(f); i++ {
			if f[i] == unit && strings.HasPrefix(f[0], cs.Bench) {
				if v, err := strconv.ParseFloat(f[i-1], 64); err == nil {
					best = min(best, v)
				}
			}
		}
	}
	return best, !math.IsInf(best, 1)
}

// runIters runs the case for iters iterations and returns its output and
// the process's CPU seconds.
func runIters(ctx context.Context, bin, dir string, cs Case, iters int) ([]byte, float64, error) {
	out, t, err := Exec(ctx, bin, dir, "-test.run=^$", benchFlag(cs), fmt.Sprintf("-test.benchtime=%dx", iters))
	return out, t.Seconds(), err
}

// injected measures the slowdown B carries from CPU time: seven pairs of
// runs of A and B (alternating which goes first) at the same iteration
// count; per pair the extra CPU time of B per op, as a fraction of A's CPU
// time per op (measured by perOp); the median over pairs (pairing cancels
// the machine's slow drift) and half the interquartile range.
func injected(ctx context.Context, binA, binB, dir string, cs Case, iters int, ns float64) (frac, spread float64, err error) {
	var rs []float64
	for i := 0; i < 7; i++ {
		var t [2]float64
		for _, side := range []int{i % 2, 1 - i%2} {
			bin := binA
			if side == 1 {
				bin = binB
			}
			out, cpu, err := runIters(ctx, bin, dir, cs, iters)
			if err != nil {
				return 0, 0, err
			}
			// As perOp: a reported CPU time per op leaves the
			// processes' start-up out.
			if v, ok := metric(out, cs, "cpu-ns/op"); ok {
				t[side] = v
			} else {
				t[side] = cpu * 1e9 / float64(iters)
			}
		}
		rs = append(rs, (t[1]-t[0])/ns)
	}
	slices.Sort(rs)
	return median(rs), (rs[5] - rs[1]) / 2, nil
}

// Exec runs a test binary in dir and returns its stdout and the CPU time
// (user + system) it used. A non-zero exit is an error carrying its output.
func Exec(ctx context.Context, bin, dir string, args ...string) ([]byte, time.Duration, error) {
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil {
		return nil, 0, fmt.Errorf("%s %s: %v\n%s%s", filepath.Base(bin), strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.Bytes(), cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), nil
}

// slug makes a package path or variant name a file name.
func slug(s string) string {
	r := strings.NewReplacer("/", "_", ".", "_", "+", "p", "%", "pct", " ", "_")
	return strings.Trim(r.Replace(s), "_")
}

// median is stats.Median without reordering xs.
func median(xs []float64) float64 { return stats.Median(slices.Clone(xs)) }
