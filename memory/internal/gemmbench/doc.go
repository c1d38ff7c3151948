// Package gemmbench holds the benchmark of the pool's tracking overhead on a
// BitLinear GEMM. It lives apart from package memory so that memory's own
// tests do not depend on the kernel packages building.
//
//	go test -run '^$' -bench BitLinearTracking -count 5 ./memory/internal/gemmbench/
package gemmbench
