//go:build darwin || linux

package ext

import (
	"fmt"

	"github.com/ebitengine/purego"

	"github.com/bitnet-go/bitnet-bench/kernels/internal/dl"
)

// load dlopens path and binds the ABI's entry points into c.
func load(path string, c *calls) error {
	// RTLD_LOCAL: a library and its dependencies bind their own symbols, so
	// two libraries that both export ggml_* (ggml and bitnet.cpp's fork of
	// it) do not call into each other.
	h, err := purego.Dlopen(path, purego.RTLD_NOW|purego.RTLD_LOCAL)
	if err != nil {
		return fmt.Errorf("dlopen: %v", err)
	}
	// The version first and alone: on a mismatch nothing else is touched.
	if name, err := dl.Bind(h, []dl.Symbol{{Fn: &c.abiVersion, Name: "bitnet_bench_abi_version"}}); err != nil {
		return fmt.Errorf("missing symbol %s: not a bitnet_bench.h library (%v)", name, err)
	}
	if name, err := dl.Bind(h, []dl.Symbol{
		{Fn: &c.info, Name: "bitnet_bench_info"},
		{Fn: &c.prepare, Name: "bitnet_bench_prepare"},
		{Fn: &c.run, Name: "bitnet_bench_run"},
		{Fn: &c.free, Name: "bitnet_bench_free"},
	}); err != nil {
		return fmt.Errorf("missing symbol %s, required by bitnet_bench.h ABI %d (%v)", name, ABIVersion, err)
	}
	if sym, err := purego.Dlsym(h, "bitnet_bench_last_run_ns"); err == nil {
		purego.RegisterFunc(&c.lastRunNs, sym)
	}
	return nil
}
