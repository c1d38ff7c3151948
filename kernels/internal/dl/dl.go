// Package dl opens C libraries and binds their entry points through
// purego, for the backends that call C (CUDA, MLX). It is apart from
// kernels/internal/native because importing purego makes a test binary
// dynamically linked, which the arm64 tests under qemu-user cannot load.
package dl

// Symbol is a C entry point to bind (see Bind): Fn points at the Go func
// variable that will call it.
type Symbol struct {
	Fn   any
	Name string
}
