package pack

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// CodeStats describes a code sequence, in row-major order.
type CodeStats struct {
	Codes          int
	Neg, Zero, Pos int
	Invalid        int     // codes outside {-1, 0, 1}
	Sparsity       float64 // fraction of zeros
	MeanRun        float64 // mean length of maximal runs of equal codes
	MeanZeroRun    float64 // mean length of maximal runs of zeros; 0 when none
}

// Stats counts codes and runs in one pass. Runs are taken over the flat
// sequence, so a run may continue from one row into the next.
func Stats(codes []int8) CodeStats {
	var hist [256]int
	runs, zeroRuns := 0, 0
	prev := int8(0)
	for i, c := range codes {
		hist[uint8(c)]++
		if i == 0 || c != prev {
			runs++
			if c == 0 {
				zeroRuns++
			}
		}
		prev = c
	}
	s := CodeStats{Codes: len(codes), Neg: hist[0xff], Zero: hist[0], Pos: hist[1]}
	s.Invalid = s.Codes - s.Neg - s.Zero - s.Pos
	if s.Codes > 0 {
		s.Sparsity = float64(s.Zero) / float64(s.Codes)
		s.MeanRun = float64(s.Codes) / float64(runs)
	}
	if zeroRuns > 0 {
		s.MeanZeroRun = float64(s.Zero) / float64(zeroRuns)
	}
	return s
}

func (s CodeStats) String() string {
	pct := func(n int) float64 { return 100 * float64(n) / float64(max(s.Codes, 1)) }
	out := fmt.Sprintf("%d codes: %.1f%% zeros, %.1f%% -1, %.1f%% +1; mean run %.2f, mean zero run %.2f",
		s.Codes, pct(s.Zero), pct(s.Neg), pct(s.Pos), s.MeanRun, s.MeanZeroRun)
	if s.Invalid > 0 {
		out += fmt.Sprintf("; %d invalid", s.Invalid)
	}
	return out
}

// Select defaults.
const (
	// DefaultMaxSlowdown admits candidates decoding at least 1/8 as fast as
	// the fastest, which is usually a plain copy (Uncompressed or
	// ByteAligned). On 2560×2560 matrices (BenchmarkUnpack, two machines)
	// the table decoders (2-bit, base-3, Hybrid) ran 1.1-5× behind the
	// copy at every sparsity, while run-length and CSR decoding below 90%
	// sparsity ran 14-55× behind: 8 admits the first and rules out the
	// second. Base-3 measured 3.5-4.1× behind a cache-resident copy, so 4
	// would decide between it and 2-bit by noise.
	DefaultMaxSlowdown = 8
	DefaultBudget      = 200 * time.Millisecond
	DefaultRuns        = 5
)

// SelectOptions tune Select. The zero value measures every strategy with
// the defaults.
type SelectOptions struct {
	// Candidates to measure; nil means Strategies().
	Candidates []Strategy
	// MaxSlowdown weighs speed against size: only candidates whose decode
	// throughput is at least the fastest's divided by MaxSlowdown are
	// eligible. 1 picks the fastest; +Inf ignores speed. 0 means
	// DefaultMaxSlowdown.
	MaxSlowdown float64
	// SizeTolerance treats eligible candidates within this fraction of the
	// smallest eligible size as equally small; the fastest of them wins.
	// 0 means only exact ties.
	SizeTolerance float64
	// Budget is the time to spend timing decodes, shared equally by the
	// candidates; packing is not counted. Each candidate gets a warm-up
	// and one timed decode even past its share, so a matrix that decodes
	// slowly can overrun it. 0 means DefaultBudget.
	Budget time.Duration
	// Runs caps the timed decodes per candidate; the best is kept. 0 means
	// DefaultRuns.
	Runs int
}

// Candidate is one strategy as Select measured it.
type Candidate struct {
	Strategy      Strategy
	SizeBytes     int
	BitsPerWeight float64
	// Decode is the best time to unpack the whole matrix with UnpackRow
	// into a reused buffer.
	Decode time.Duration
	// DecodeGBps is codes produced per second, in 10^9 codes (bytes).
	DecodeGBps float64
	Runs       int  // timed decodes behind Decode
	Eligible   bool // decodes within MaxSlowdown of the fastest
}

// Choice is Select's answer.
type Choice struct {
	Strategy   Strategy
	Packing    Packing // the matrix packed with Strategy
	Stats      CodeStats
	Candidates []Candidate // every candidate, in the order measured
	Reason     string      // the rule's decisive figures, in a sentence
	// MaxSlowdown and SizeTolerance are the values the rule used.
	MaxSlowdown, SizeTolerance float64
}

// minTimedRun is the shortest timed run: smaller matrices decode faster than
// the clock resolves, so a run repeats the decode until it lasts this long.
const minTimedRun = 50 * time.Microsecond

// Select packs codes with every candidate strategy, checks that each round
// trips, measures its exact size and its decode speed on this data, and
// picks one by this rule:
//
//  1. A candidate is eligible when its decode throughput is within
//     MaxSlowdown× of the fastest candidate's.
//  2. Of the eligible, the smallest in bits per weight wins; candidates
//     within SizeTolerance of that size count as equally small, and the
//     fastest of those wins.
//
// Choice.Reason states the figures that decided it.
func Select(codes []int8, rows, cols int, opt SelectOptions) (Choice, error) {
	if err := checkCodes(codes, rows, cols); err != nil {
		return Choice{}, err
	}
	cands := opt.Candidates
	if cands == nil {
		cands = Strategies()
	}
	switch {
	case len(cands) == 0:
		return Choice{}, fmt.Errorf("pack: Select: no candidates")
	case opt.MaxSlowdown == 0:
		opt.MaxSlowdown = DefaultMaxSlowdown
	case !(opt.MaxSlowdown >= 1):
		return Choice{}, fmt.Errorf("pack: Select: MaxSlowdown %g: want at least 1", opt.MaxSlowdown)
	}
	if !(opt.SizeTolerance >= 0) || math.IsInf(opt.SizeTolerance, 1) {
		return Choice{}, fmt.Errorf("pack: Select: SizeTolerance %g: want a finite fraction ≥ 0", opt.SizeTolerance)
	}
	if opt.Budget < 0 || opt.Runs < 0 {
		return Choice{}, fmt.Errorf("pack: Select: negative Budget %v or Runs %d", opt.Budget, opt.Runs)
	}
	if opt.Budget == 0 {
		opt.Budget = DefaultBudget
	}
	if opt.Runs == 0 {
		opt.Runs = DefaultRuns
	}
	for i, s := range cands {
		if s < 0 || s >= numStrategies {
			return Choice{}, fmt.Errorf("pack: Select: unknown strategy %v", s)
		}
		if slices.Contains(cands[:i], s) {
			return Choice{}, fmt.Errorf("pack: Select: %v listed twice", s)
		}
	}

	ch := Choice{Stats: Stats(codes), MaxSlowdown: opt.MaxSlowdown, SizeTolerance: opt.SizeTolerance}
	buf := make([]int8, len(codes))
	copy(buf, codes) // fault the pages in before anything is timed
	share := opt.Budget / time.Duration(len(cands))
	packings := make([]Packing, len(cands))
	for i, s := range cands {
		p, err := Pack(s, codes, rows, cols)
		if err != nil {
			return Choice{}, err
		}
		best, runs, err := timeDecode(p, buf, codes, share, opt.Runs)
		if err != nil {
			return Choice{}, err
		}
		packings[i] = p
		ch.Candidates = append(ch.Candidates, Candidate{
			Strategy: s, SizeBytes: p.SizeBytes(), BitsPerWeight: p.BitsPerWeight(),
			Decode: best, DecodeGBps: float64(len(codes)) / float64(best.Nanoseconds()), Runs: runs,
		})
	}
	i := decide(ch.Candidates, opt.MaxSlowdown, opt.SizeTolerance)
	ch.Strategy, ch.Packing = cands[i], packings[i]
	ch.Reason = reason(ch.Candidates, i, opt.MaxSlowdown, opt.SizeTolerance, ch.Stats)
	return ch, nil
}

// unpackInto decodes the whole matrix into dst, row by row.
func unpackInto(p Packing, dst []int8) {
	cols := p.Cols()
	for r := 0; r < p.Rows(); r++ {
		p.UnpackRow(dst[r*cols:(r+1)*cols], r)
	}
}

// timeDecode decodes p once untimed, as a warm-up and a check against want,
// then times up to maxRuns decodes while share lasts (at least one), and
// returns the best per-decode time.
func timeDecode(p Packing, buf, want []int8, share time.Duration, maxRuns int) (best time.Duration, runs int, err error) {
	start := time.Now()
	clear(buf)
	unpackInto(p, buf)
	warm := time.Since(start)
	if i := mismatch(buf, want); i >= 0 {
		return 0, 0, fmt.Errorf("pack: %v does not round trip: row %d col %d decodes to %d, want %d",
			p.Strategy(), i/p.Cols(), i%p.Cols(), buf[i], want[i])
	}
	reps := 1
	if warm < minTimedRun {
		reps = int(minTimedRun/max(warm, time.Nanosecond)) + 1
	}
	best = time.Duration(math.MaxInt64)
	for runs < maxRuns && (runs == 0 || time.Since(start) < share) {
		t := time.Now()
		for range reps {
			unpackInto(p, buf)
		}
		best = min(best, time.Since(t)/time.Duration(reps))
		runs++
	}
	return max(best, time.Nanosecond), runs, nil
}

func mismatch(a, b []int8) int {
	for i := range a {
		if a[i] != b[i] {
			return i
		}
	}
	return -1
}

// decide applies Select's rule, marks the eligible candidates and returns
// the index of the chosen one.
func decide(c []Candidate, maxSlowdown, tolerance float64) int {
	fastest := fastestOf(c, func(int) bool { return true })
	for i := range c {
		c[i].Eligible = c[i].DecodeGBps*maxSlowdown >= c[fastest].DecodeGBps
	}
	smallest := -1
	for i := range c {
		if c[i].Eligible && (smallest < 0 || c[i].BitsPerWeight < c[smallest].BitsPerWeight ||
			c[i].BitsPerWeight == c[smallest].BitsPerWeight && c[i].DecodeGBps > c[smallest].DecodeGBps) {
			smallest = i
		}
	}
	return fastestOf(c, func(i int) bool {
		return c[i].Eligible && c[i].BitsPerWeight <= c[smallest].BitsPerWeight*(1+tolerance)
	})
}

func fastestOf(c []Candidate, ok func(int) bool) int {
	best := -1
	for i := range c {
		if ok(i) && (best < 0 || c[i].DecodeGBps > c[best].DecodeGBps) {
			best = i
		}
	}
	return best
}

func fmtBits(b float64) string {
	if b < 1 {
		return fmt.Sprintf("%.3f", b)
	}
	return fmt.Sprintf("%.2f", b)
}

// reason explains decide's choice of c[k] with the figures that decided it.
func reason(c []Candidate, k int, maxSlowdown, tolerance float64, st CodeStats) string {
	ch := c[k]
	fastest := fastestOf(c, func(int) bool { return true })
	var b strings.Builder
	fmt.Fprintf(&b, "%v: %s bits/weight", ch.Strategy, fmtBits(ch.BitsPerWeight))

	// Size: against the smallest eligible other candidate, or, when the
	// tolerance let a faster one win, against the smallest.
	other := -1
	for i := range c {
		if i != k && c[i].Eligible && (other < 0 || c[i].BitsPerWeight < c[other].BitsPerWeight) {
			other = i
		}
	}
	switch {
	case other < 0:
		fmt.Fprintf(&b, ", the only candidate decoding within %g× of the fastest", maxSlowdown)
	case c[other].BitsPerWeight < ch.BitsPerWeight:
		fmt.Fprintf(&b, ", within %s of the smallest, %v (%s), and faster (size tolerance %s)",
			pct(ch.BitsPerWeight/c[other].BitsPerWeight-1), c[other].Strategy, fmtBits(c[other].BitsPerWeight), pct(tolerance))
	case c[other].BitsPerWeight == ch.BitsPerWeight:
		fmt.Fprintf(&b, ", the same size as %v and faster", c[other].Strategy)
	default:
		fmt.Fprintf(&b, ", %s smaller than %v (%s)", pct(1-ch.BitsPerWeight/c[other].BitsPerWeight),
			c[other].Strategy, fmtBits(c[other].BitsPerWeight))
	}

	fmt.Fprintf(&b, "; decode %.2f GB/s", ch.DecodeGBps)
	if k == fastest {
		b.WriteString(", the fastest")
	} else {
		fmt.Fprintf(&b, ", %.1f× slower than the fastest, %v (%.2f GB/s), within the %g× limit",
			c[fastest].DecodeGBps/ch.DecodeGBps, c[fastest].Strategy, c[fastest].DecodeGBps, maxSlowdown)
	}

	// Smaller candidates that speed ruled out, smallest first.
	var out []Candidate
	for _, x := range c {
		if !x.Eligible && x.BitsPerWeight < ch.BitsPerWeight {
			out = append(out, x)
		}
	}
	slices.SortFunc(out, func(a, b Candidate) int { return cmp.Compare(a.BitsPerWeight, b.BitsPerWeight) })
	for _, x := range out {
		fmt.Fprintf(&b, "; %v (%s) is smaller but decodes at %.2f GB/s, %.1f× slower than the fastest",
			x.Strategy, fmtBits(x.BitsPerWeight), x.DecodeGBps, c[fastest].DecodeGBps/x.DecodeGBps)
	}
	fmt.Fprintf(&b, " (data: %.1f%% zeros, mean zero run %.1f)", 100*st.Sparsity, st.MeanZeroRun)
	return b.String()
}

func pct(f float64) string {
	if f < 0.1 {
		return fmt.Sprintf("%.1f%%", 100*f)
	}
	return fmt.Sprintf("%.0f%%", 100*f)
}

// Table lists every candidate's size and decode speed, marking the eligible
// ones and the choice.
func (c Choice) Table() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-17s %12s %14s %12s %5s  %s\n", "strategy", "bits/weight", "bytes", "decode GB/s", "runs", "")
	for _, x := range c.Candidates {
		mark := ""
		switch {
		case x.Strategy == c.Strategy:
			mark = "chosen"
		case !x.Eligible:
			mark = fmt.Sprintf("more than %g× slower than the fastest", c.MaxSlowdown)
		}
		fmt.Fprintf(&b, "%-17v %12.4f %14d %12.2f %5d  %s\n", x.Strategy, x.BitsPerWeight, x.SizeBytes, x.DecodeGBps, x.Runs, mark)
	}
	return b.String()
}
