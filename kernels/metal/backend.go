// Package metal is the Apple GPU backend: Metal.framework driven through
// purego and purego/objc (no cgo), running kernels compiled at run time
// from the embedded sources (shaders/common + shaders/metal).
//
// Implemented ops: BitLinear (W2A8 straight from the block-interleaved
// 2-bit layout: a gemv kernel for one token, a gemm tiling 8; bit-identical
// to the reference), QuantizeActivations (bit-identical), MatMul (f32
// inputs, f32 accumulation: a bandwidth baseline) and the activation
// functions (float32, within a few ulp of the float64 reference; bounds in
// shaders/common/bitlinear_body.h). Every other op reports
// NotImplementedError. It also runs the BitNet b1.58 model (kernels/model's
// Device, model.go): weights and KV cache resident, a pass one command
// buffer, the parts besides BitLinear in shaders/common/model_body.h.
//
// The integer core, the quantization rounding and the activation formulas
// live in shaders/common/bitlinear_body.h, shared text that this package's
// tests compile with the host C compiler and check against the Go
// reference on any OS; the Metal side adds only the thread layout. The
// model's bodies (model_body.h) are tested the same way, and the model
// device's dispatches run on the harness (testdata/model_emu.h), so the
// Engine's logits are checked against the reference off a Mac too.
//
// On anything but macOS, or a Mac without a usable GPU, the backend
// registers and reports itself unavailable with the reason.
package metal

import (
	"fmt"

	"github.com/bitnet-go/bitnet-bench/kernels"
)

func init() { kernels.Register("metal", func() kernels.Backend { return Backend{} }) }

// Backend runs on the system default Metal device.
type Backend struct{}

// On macOS the kernels of this backend implement kernels.DeviceTimer: the
// GPU time of the last Run's command buffer (GPUEndTime − GPUStartTime),
// without the host's encoding, commit and wake-up that wall-clock includes.

func (Backend) Name() string { return "metal" }

// Level is the highest GPU family the device supports, e.g. "apple9" or
// "mac2", or "none" without a device.
func (Backend) Level() string {
	if d, err := getDevice(); err == nil {
		return d.family
	}
	return "none"
}

// Available is nil when Metal.framework loads, a default device exists and
// it supports the SIMD-group reductions the kernels use; otherwise the
// error says which step failed.
func (Backend) Available() error {
	_, err := getDevice()
	return err
}

// Device describes the GPU in use ("Apple M2 Pro, apple8, unified memory,
// 21.3 GiB working set"), or why there is none.
func Device() (string, error) {
	d, err := getDevice()
	if err != nil {
		return "", err
	}
	return d.describe(), nil
}

// Implements reports whether op is in the op table (plan.go).
func (Backend) Implements(op kernels.Op) bool { _, ok := ops[op]; return ok }

// Prepare copies p's inputs into shared buffers once and binds the
// dispatches; Run only encodes and commits them.
func (b Backend) Prepare(p *kernels.Problem) (kernels.Kernel, error) {
	if !b.Implements(p.Op) {
		return nil, &kernels.NotImplementedError{Op: p.Op, Backend: "metal"}
	}
	d, err := getDevice()
	if err != nil {
		return nil, err
	}
	if err := p.Check(); err != nil {
		return nil, err
	}
	pl, err := newPlan(p)
	if err != nil {
		return nil, err
	}
	k, err := d.open(pl)
	if err != nil {
		return nil, fmt.Errorf("metal: %s %dx%dx%d: %w", p.Op, p.M, p.N, p.K, err)
	}
	return k, nil
}
