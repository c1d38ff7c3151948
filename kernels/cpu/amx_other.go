//go:build !(linux && amd64)

package cpu

func amxUnavailable() string {
	return "AMX-INT8 is an x86-64 extension used here only on Linux (arch_prctl); this is another platform"
}
