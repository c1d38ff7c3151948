//go:build darwin || linux

package dl

import "github.com/ebitengine/purego"

// OpenFirst dlopens the first of paths that loads and returns its handle
// and path. When none does, path is "" and err is the first failure (the
// one that says most: later paths are fallbacks).
func OpenFirst(paths []string) (h uintptr, path string, err error) {
	var first error
	for _, p := range paths {
		h, err := purego.Dlopen(p, purego.RTLD_NOW|purego.RTLD_GLOBAL)
		if err == nil {
			return h, p, nil
		}
		if first == nil {
			first = err
		}
	}
	return 0, "", first
}

// Bind registers every one of syms from library h. When one is missing it
// stops and returns that symbol's name and the dlsym error.
func Bind(h uintptr, syms []Symbol) (missing string, err error) {
	for _, s := range syms {
		sym, err := purego.Dlsym(h, s.Name)
		if err != nil {
			return s.Name, err
		}
		purego.RegisterFunc(s.Fn, sym)
	}
	return "", nil
}
