package kernels

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

var (
	registryMu sync.RWMutex
	registry   = map[string]func() Backend{}
	schemes    = map[string]func(arg string) ([]Backend, error){}
)

// RegisterScheme makes backends that are named scheme:argument (e.g.
// ext:/path/libfoo.so) available: open turns the argument into one or more
// backends, or says why it cannot. A bare "scheme" calls open with "".
func RegisterScheme(scheme string, open func(arg string) ([]Backend, error)) {
	registryMu.Lock()
	defer registryMu.Unlock()
	if _, dup := schemes[scheme]; dup {
		panic("kernels: backend scheme registered twice: " + scheme)
	}
	schemes[scheme] = open
}

// LookupAll returns the backends a device name stands for: one for a
// registered name, those its scheme opens for scheme:argument.
func LookupAll(name string) ([]Backend, error) {
	scheme, arg, _ := strings.Cut(name, ":")
	registryMu.RLock()
	open, ok := schemes[scheme]
	registryMu.RUnlock()
	if ok {
		return open(arg)
	}
	b, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	return []Backend{b}, nil
}

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
