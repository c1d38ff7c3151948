package metal

import (
	"fmt"
	"strings"

	"github.com/bitnet-go/bitnet-bench/shaders"
)

// metalParts are the files of the Metal library, concatenated in this order:
// the language prelude, the generated constants, the body shared with the
// C test (and with CUDA), then the Metal kernels. Nothing is #included at
// run time, so the library builds from the embedded text alone.
var metalParts = []string{
	"common/prelude_metal.h",
	"common/activation_coeffs.h",
	"common/bitlinear_body.h",
	"common/model_body.h",
	"metal/kernels.metal",
	"metal/model.metal",
}

// readPart returns the embedded text of "common/<name>" or "metal/<name>".
func readPart(part string) (string, error) {
	dir, name, _ := strings.Cut(part, "/")
	if dir == "metal" {
		return shaders.Metal(name)
	}
	return shaders.Common(name)
}

// assemble concatenates parts, each under a #line directive so a compiler
// error names the file and line it comes from.
func assemble(parts []string) (string, error) {
	var b strings.Builder
	for _, p := range parts {
		src, err := readPart(p)
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "#line 1 \"%s\"\n%s\n", p, src)
	}
	return b.String(), nil
}

// metalSource is the text handed to newLibraryWithSource:options:error:.
func metalSource() (string, error) { return assemble(metalParts) }

// kernelArgs lists each Metal kernel's buffer arguments in [[buffer(i)]]
// order: the position of a name is the index that setBuffer:offset:atIndex:
// (or, for "params", setBytes:length:atIndex:) binds it to. Dispatches name
// their buffers, and only this table turns names into indices.
var kernelArgs = map[string][]string{
	"bitlinear_gemv": {"w", "x", "xscale", "wscale", "y", "params"},
	"bitlinear_gemm": {"w", "x", "xscale", "wscale", "y", "params"},
	"quantize_act":   {"x", "q", "scales", "params"},
	"matmul_f32":     {"x", "w", "y", "params"},
	"act_relu":       {"x", "y", "params"},
	"act_gelu":       {"x", "y", "params"},
	"act_silu":       {"x", "y", "params"},
	"act_sigmoid":    {"x", "y", "params"},
	"act_tanh":       {"x", "y", "params"},
	// The model device's (model.go).
	"model_embed":      {"emb", "rows", "step", "x", "params"},
	"model_norm_quant": {"x", "res", "g", "out", "q", "scales", "params"},
	"model_rope_kv":    {"qkv", "step", "cos", "sin", "kc", "vc", "params"},
	"model_attention":  {"qkv", "step", "kc", "vc", "out", "params"},
	"model_relu2":      {"gu", "act", "params"},
	"model_lm_head":    {"emb", "rows", "x", "xs", "y", "params"},
}

// paramFields lists the uint fields of each kernel's params struct in
// declaration order (the bytes setBytes copies).
var paramFields = map[string][]string{
	"bitlinear_gemv": {"n", "m", "words", "kp", "row_scales"},
	"bitlinear_gemm": {"n", "m", "words", "kp", "row_scales"},
	"quantize_act":   {"k"},
	"matmul_f32":     {"m", "n", "k"},
	"act_relu":       {"n"},
	"act_gelu":       {"n"},
	"act_silu":       {"n"},
	"act_sigmoid":    {"n"},
	"act_tanh":       {"n"},
	// Float params (eps, scale) are passed as their bits.
	"model_embed":      {"hidden"},
	"model_norm_quant": {"w", "qstride", "eps", "has_res"},
	"model_rope_kv":    {"heads", "kvheads", "hd", "capacity"},
	"model_attention":  {"heads", "kvheads", "hd", "capacity", "scale"},
	"model_relu2":      {"ffn", "n"},
	"model_lm_head":    {"n", "k"},
}

// argIndex returns the buffer index of argument name of kernel.
func argIndex(kernel, name string) (int, error) {
	for i, a := range kernelArgs[kernel] {
		if a == name {
			return i, nil
		}
	}
	return 0, fmt.Errorf("metal: kernel %s has no argument %q", kernel, name)
}

// packParams lays out vals in the order of kernel's params struct.
func packParams(kernel string, vals map[string]uint32) ([]uint32, error) {
	fields := paramFields[kernel]
	if len(fields) != len(vals) {
		return nil, fmt.Errorf("metal: kernel %s takes params %v, got %d values", kernel, fields, len(vals))
	}
	out := make([]uint32, len(fields))
	for i, f := range fields {
		v, ok := vals[f]
		if !ok {
			return nil, fmt.Errorf("metal: kernel %s: param %q not set", kernel, f)
		}
		out[i] = v
	}
	return out, nil
}
