package kernels

import (
	"fmt"
	"sort"
	"sync"
)

var (
	registryMu sync.RWMutex
	registry   = map[string]func() Backend{}
)

// Register makes a backend constructor available under name. Backends
// register themselves from init; registering a name twice panics, as it is
// a programming error.
func Register(name string, newBackend func() Backend) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := registry[name]; dup {
		panic("kernels: backend registered twice: " + name)
	}
	registry[name] = newBackend
}

// Lookup returns a new instance of the named backend.
func Lookup(name string) (Backend, error) {
	registryMu.RLock()
	newBackend, ok := registry[name]
	registryMu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("unknown backend %q (registered: %v)", name, Backends())
	}
	return newBackend(), nil
}

// Backends lists registered backend names, sorted.
func Backends() []string {
	registryMu.RLock()
	defer registryMu.RUnlock()
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
