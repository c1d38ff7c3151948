package memory

import (
	"fmt"
	"sort"
	"sync"
)

// The registry keeps one pool per device, so that kernels find the pool of
// the device they run on: the CPU pool is there from the first Default()
// call; a GPU backend registers a pool over its own Backing.
var registry struct {
	mu    sync.Mutex
	pools map[string]*Pool
}

var (
	defaultOnce sync.Once
	defaultPool *Pool
)

// Default returns the process-wide CPU pool (Basic tracking, no budget),
// registered as device "cpu".
func Default() *Pool {
	defaultOnce.Do(func() {
		p, err := New(Config{Name: "cpu", Tracking: TrackBasic})
		if err != nil {
			panic(err) // only a bad constant configuration can fail
		}
		defaultPool = p
		if err := Register(p); err != nil {
			panic(err)
		}
	})
	return defaultPool
}

// Register makes p the pool of its device. It fails if that device already
// has a pool.
func Register(p *Pool) error {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if registry.pools == nil {
		registry.pools = map[string]*Pool{}
	}
	name := p.dev.Name()
	if q, ok := registry.pools[name]; ok && q != p {
		return fmt.Errorf("memory: device %q already has pool %q", name, q.name)
	}
	registry.pools[name] = p
	return nil
}

// Unregister removes p from the registry (Close does it too).
func Unregister(p *Pool) { unregister(p) }

func unregister(p *Pool) {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	if q, ok := registry.pools[p.dev.Name()]; ok && q == p {
		delete(registry.pools, p.dev.Name())
	}
}

// Lookup returns the pool registered for a device name, or nil. Lookup("cpu")
// is Default() once Default has been called.
func Lookup(device string) *Pool {
	if device == CPU.Name() {
		Default()
	}
	registry.mu.Lock()
	defer registry.mu.Unlock()
	return registry.pools[device]
}

// Pools returns the registered pools, sorted by device name.
func Pools() []*Pool {
	registry.mu.Lock()
	defer registry.mu.Unlock()
	out := make([]*Pool, 0, len(registry.pools))
	for _, p := range registry.pools {
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].dev.Name() < out[j].dev.Name() })
	return out
}

// DetectPatterns runs pattern detection on every registered pool and adds
// the patterns that span devices.
func DetectPatterns() []Pattern {
	pools := Pools()
	var out []Pattern
	for _, p := range pools {
		out = append(out, p.Patterns()...)
	}
	return append(out, devicePatterns(pools)...)
}
