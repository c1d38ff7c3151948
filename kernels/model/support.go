package model

import (
	"fmt"

	"github.com/bitnet-go/bitnet-bench/kernels/cpu"
)

// loops are the backend loops an Engine calls besides its kernels.
type loops struct {
	vecMat          func(y, a, m []float32, stride int)
	vecMat4         func(y, a *[4][]float32, m []float32, stride int)
	expShift        func(dst, src []float32, m float32) float32
	rmsNorm         func(dst, x, g []float32, eps float32)
	reluSquaredGate func(dst, g, u []float32)
}

// loopsOf takes be's loops, or names the first it lacks.
func loopsOf(be *cpu.Backend) (loops, error) {
	var l loops
	var err error
	if l.vecMat, err = be.VecMat(); err != nil {
		return l, fmt.Errorf("model: attention: %w", err)
	}
	if l.vecMat4, err = be.VecMat4(); err != nil {
		return l, fmt.Errorf("model: attention: %w", err)
	}
	if l.expShift, err = be.ExpShift(); err != nil {
		return l, fmt.Errorf("model: attention: %w", err)
	}
	if l.rmsNorm, err = be.RMSNorm(); err != nil {
		return l, fmt.Errorf("model: norms: %w", err)
	}
	if l.reluSquaredGate, err = be.ReLUSquaredGate(); err != nil {
		return l, fmt.Errorf("model: FFN: %w", err)
	}
	return l, nil
}

// Supported returns nil when be has its own code for every part of the
// model (BitLinear and quantization, the int8 LM head, RMSNorm, the ReLU²
// gate, VecMat and ExpShift for attention), else the first part it lacks:
// a model run on such a level would time another level's loops under its
// name.
func Supported(be *cpu.Backend) error {
	if err := be.Available(); err != nil {
		return err
	}
	if _, err := loopsOf(be); err != nil {
		return err
	}
	_, err := be.NewInt8GEMV([]int8{1}, []float32{1}, 1, 1)
	return err
}
