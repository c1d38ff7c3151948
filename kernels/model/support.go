package model

import "github.com/bitnet-go/bitnet-bench/kernels/cpu"

// Supported returns nil when be has its own code for every part of the
// model (BitLinear and quantization, the int8 LM head, RMSNorm, the ReLU² gate, VecMat and
// ExpShift for attention), else the first part it lacks: a model run on such a
// level would time another level's loops under its name.
func Supported(be *cpu.Backend) error {
	if err := be.Available(); err != nil {
		return err
	}
	if _, err := be.VecMat(); err != nil {
		return err
	}
	if _, err := be.ExpShift(); err != nil {
		return err
	}
	if _, err := be.VecMat4(); err != nil {
		return err
	}
	if _, err := be.RMSNorm(); err != nil {
		return err
	}
	if _, err := be.ReLUSquaredGate(); err != nil {
		return err
	}
	_, err := be.NewInt8GEMV([]int8{1}, []float32{1}, 1, 1)
	return err
}
