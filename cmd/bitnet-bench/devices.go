package main

import "strings"

// normalizeDevice trims a --devices entry and lowercases a backend name; the
// argument of scheme:argument (a library path) keeps its case.
func normalizeDevice(d string) string {
	d = strings.TrimSpace(d)
	if scheme, arg, ok := strings.Cut(d, ":"); ok {
		return strings.ToLower(scheme) + ":" + arg
	}
	return strings.ToLower(d)
}
