package memory

import (
	"fmt"
	"math"
	"math/bits"
	"sort"
	"time"
)

// PatternKind names a kind of allocation pattern.
type PatternKind string

const (
	PatternRepeatedSize  PatternKind = "repeated-size"
	PatternSizeWaste     PatternKind = "size-waste"
	PatternTemporal      PatternKind = "temporal"
	PatternDevice        PatternKind = "device"
	PatternFragmentation PatternKind = "fragmentation"
)

// Pattern is one detected allocation pattern with a concrete suggestion.
type Pattern struct {
	Kind        PatternKind   `json:"kind"`
	Pool        string        `json:"pool"`
	Device      string        `json:"device,omitempty"`
	Size        uintptr       `json:"size,omitempty"`
	Count       uint64        `json:"count,omitempty"`
	Share       float64       `json:"share,omitempty"`    // fraction of allocations or bytes
	Interval    time.Duration `json:"interval,omitempty"` // temporal patterns
	Description string        `json:"description"`
	Suggestion  string        `json:"suggestion"`
}

// Thresholds of the pattern detector.
const (
	patternMinEvents   = 64   // allocations before size patterns are reported
	patternSizeShare   = 0.25 // share of allocations for a repeated size
	patternWaste       = 0.25 // rounding waste for a size-waste pattern
	patternMinTemporal = 8    // events of one size for a temporal pattern
	patternMaxCV       = 0.25 // coefficient of variation of a regular interval
	patternDeviceShare = 0.90
)

// Patterns analyses the pool's allocations. Size and temporal patterns
// need TrackDetailed (they use the history recorded while it was on, kept
// after switching it off); fragmentation patterns work at every level.
func (p *Pool) Patterns() []Pattern {
	var out []Pattern
	st := p.Stats()
	d := p.detail.Load()
	if d == nil {
		p.trackMu.Lock()
		d = p.lastDet
		p.trackMu.Unlock()
	}
	if d != nil {
		sizes := map[uintptr]uint64{}
		var events []allocEvent
		var total uint64
		for i := range d.shards {
			ds := &d.shards[i]
			ds.mu.Lock()
			for s, n := range ds.sizes {
				sizes[s] += n
				total += n
			}
			n := min(ds.rn, ringSize)
			for j := uint64(0); j < n; j++ {
				events = append(events, ds.ring[(ds.rn-n+j)%ringSize])
			}
			ds.mu.Unlock()
		}
		out = append(out, p.sizePatterns(sizes, total)...)
		out = append(out, p.temporalPatterns(events)...)
	}
	if st.InUseBytes >= 8<<20 && st.FragmentationRatio > 0.5 {
		out = append(out, Pattern{
			Kind: PatternFragmentation, Pool: p.name, Device: p.dev.Name(), Share: st.FragmentationRatio,
			Description: fmt.Sprintf("%.0f%% of the %s held in blocks holds no live data (%s cached in slabs)",
				100*st.FragmentationRatio, fmtBytes(st.InUseBytes), fmtBytes(st.CachedBytes)),
			Suggestion: "call Trim(TrimOptions{DrainCaches: true}) after a phase that allocated many small blocks, or run a Scheduler with IdleStrategy{IdleFor: 30 * time.Second}",
		})
	}
	if st.ExternalFragmentation > 0.5 {
		out = append(out, Pattern{
			Kind: PatternFragmentation, Pool: p.name, Device: p.dev.Name(), Share: st.ExternalFragmentation,
			Description: fmt.Sprintf("the large pool's free memory is scattered: the largest free block is %.0f%% smaller than all free memory",
				100*st.ExternalFragmentation),
			Suggestion: "call Compact() between benchmark cases, and free long-lived large tensors last (allocate them first)",
		})
	}
	return out
}

func (p *Pool) sizePatterns(sizes map[uintptr]uint64, total uint64) []Pattern {
	if total < patternMinEvents {
		return nil
	}
	type sc struct {
		size uintptr
		n    uint64
	}
	var list []sc
	for s, n := range sizes {
		list = append(list, sc{s, n})
	}
	sort.Slice(list, func(i, j int) bool {
		return list[i].n > list[j].n || list[i].n == list[j].n && list[i].size < list[j].size
	})
	var out []Pattern
	for _, e := range list {
		share := float64(e.n) / float64(total)
		if share < patternSizeShare {
			break
		}
		out = append(out, Pattern{
			Kind: PatternRepeatedSize, Pool: p.name, Device: p.dev.Name(), Size: e.size, Count: e.n, Share: share,
			Description: fmt.Sprintf("%d allocations (%.0f%%) are exactly %d bytes", e.n, 100*share, e.size),
			Suggestion: fmt.Sprintf("allocate the %d-byte buffer once outside the loop and reuse it; if it must be per iteration, call Prewarm(%d, n) with n the number alive at once so allocation never leaves the shard cache",
				e.size, e.size),
		})
		block := blockSizeFor(e.size, p.align)
		if waste := 1 - float64(e.size)/float64(block); waste >= patternWaste {
			out = append(out, Pattern{
				Kind: PatternSizeWaste, Pool: p.name, Device: p.dev.Name(), Size: e.size, Count: e.n, Share: waste,
				Description: fmt.Sprintf("%d-byte requests take %d-byte blocks: %.0f%% of each block is unused", e.size, block, 100*waste),
				Suggestion: fmt.Sprintf("size the buffer to %d bytes (pad the tensor's rows) or carve several %d-byte buffers from one AllocBytes(%d, 0)",
					block, e.size, e.size*max(1, block/e.size+1)),
			})
		}
	}
	return out
}

// blockSizeFor is the block size an allocation of size bytes would get.
func blockSizeFor(size, align uintptr) uintptr {
	if c := classFor(size, align); c >= 0 {
		return classSize[c]
	}
	n := max(size, align, 1<<minLargeOrder)
	return uintptr(1) << bits.Len64(uint64(n-1))
}

func (p *Pool) temporalPatterns(events []allocEvent) []Pattern {
	bySize := map[uintptr][]int64{}
	for _, e := range events {
		bySize[e.size] = append(bySize[e.size], e.t)
	}
	var sizes []uintptr
	for s := range bySize {
		sizes = append(sizes, s)
	}
	sort.Slice(sizes, func(i, j int) bool { return sizes[i] < sizes[j] })
	var out []Pattern
	for _, s := range sizes {
		ts := bySize[s]
		if len(ts) < patternMinTemporal {
			continue
		}
		sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
		// Intervals between successive allocations of this size; zero
		// intervals (same clock tick) are bursts and are folded out.
		var gaps []float64
		burst, maxBurst := 1, 1
		for i := 1; i < len(ts); i++ {
			if g := ts[i] - ts[i-1]; g > 0 {
				gaps = append(gaps, float64(g))
				burst = 1
			} else {
				burst++
				maxBurst = max(maxBurst, burst)
			}
		}
		if len(gaps) < patternMinTemporal-1 {
			continue
		}
		var mean, ss float64
		for _, g := range gaps {
			mean += g
		}
		mean /= float64(len(gaps))
		for _, g := range gaps {
			ss += (g - mean) * (g - mean)
		}
		cv := math.Sqrt(ss/float64(len(gaps))) / mean
		if cv > patternMaxCV || mean < float64(coarseTick) {
			continue
		}
		iv := time.Duration(mean).Round(time.Millisecond / 10)
		desc := fmt.Sprintf("%d-byte allocations recur every %v (±%.0f%%)", s, iv, 100*cv)
		if maxBurst > 1 {
			desc = fmt.Sprintf("%d-byte allocations come in bursts of up to %d every %v (±%.0f%%)", s, maxBurst, iv, 100*cv)
		}
		out = append(out, Pattern{
			Kind: PatternTemporal, Pool: p.name, Device: p.dev.Name(), Size: s, Count: uint64(len(ts)), Interval: iv,
			Description: desc,
			Suggestion: fmt.Sprintf("keep these buffers across iterations instead of freeing them every %v, and give cleanup a longer horizon than the period (IdleStrategy{IdleFor: %v}) so they are not trimmed between uses",
				iv, max(10*iv, time.Second)),
		})
	}
	return out
}

func fmtBytes(n uint64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// devicePatterns compares the registered pools: a device pool that sits
// idle while another device serves nearly all the allocation volume.
func devicePatterns(pools []*Pool) []Pattern {
	if len(pools) < 2 {
		return nil
	}
	type vol struct {
		p     *Pool
		bytes uint64
	}
	var vols []vol
	var total uint64
	for _, p := range pools {
		st := p.Stats()
		v := st.InUseBytes + st.ReleasedBytes
		for _, l := range st.Large {
			if l.Size > 0 {
				v += l.Allocs * l.Size
			}
		}
		for _, c := range st.Classes {
			v += c.Allocs * c.Size
		}
		vols = append(vols, vol{p, v})
		total += v
	}
	if total == 0 {
		return nil
	}
	var out []Pattern
	for _, hot := range vols {
		share := float64(hot.bytes) / float64(total)
		if share < patternDeviceShare {
			continue
		}
		for _, idle := range vols {
			if idle.p == hot.p || idle.p.dev.Kind() == DeviceCPU {
				continue
			}
			out = append(out, Pattern{
				Kind: PatternDevice, Pool: hot.p.name, Device: hot.p.dev.Name(), Share: share,
				Description: fmt.Sprintf("%s serves %.0f%% of the allocation volume (%s) while %s (%s) is registered and serves %s",
					hot.p.dev.Name(), 100*share, fmtBytes(hot.bytes), idle.p.dev.Name(), idle.p.dev.Kind(), fmtBytes(idle.bytes)),
				Suggestion: fmt.Sprintf("allocate the kernels' tensors from memory.Lookup(%q) so they stay on the %s device instead of crossing from %s on every call",
					idle.p.dev.Name(), idle.p.dev.Kind(), hot.p.dev.Name()),
			})
		}
	}
	return out
}
