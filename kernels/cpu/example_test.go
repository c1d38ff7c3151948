package cpu_test

import (
	"fmt"

	"github.com/bitnet-go/bitnet-bench/kernels"
	"github.com/bitnet-go/bitnet-bench/kernels/cpu"
	"github.com/bitnet-go/bitnet-bench/kernels/pack"
	"github.com/bitnet-go/bitnet-bench/kernels/quant"
)

// A BitLinear call: ternary weights packed 2 bits per code, one token of
// activations quantized to int8, run at this machine's fastest ISA level and
// checked against the pure-Go reference, which every level matches bit for bit.
func Example_bitLinear() {
	const n, k = 2, 8 // 2 outputs, 8 inputs
	w := []float32{
		0.9, 0.1, -1.2, 0.8, 0.0, 0.05, 1.1, -0.7,
		-0.6, -1.3, 0.9, 0.02, 1.0, 0.7, 0.0, -0.01,
	}
	t, err := quant.QuantizeTernary(w, n, k, false) // absmean codes in {-1, 0, +1}
	if err != nil {
		panic(err)
	}
	packed, err := pack.Pack2Bit(t.Codes, n, k)
	if err != nil {
		panic(err)
	}

	x := []float32{0.5, -1, 0.25, 2, -0.75, 1.5, 0, -2}
	xq, xs := make([]int8, k), make([]float32, 1)
	if err := quant.QuantizeActivations(xq, xs, x, 1, k); err != nil {
		panic(err)
	}

	newProblem := func() *kernels.Problem {
		return &kernels.Problem{
			Op: kernels.OpBitLinear, M: 1, N: n, K: k,
			XQ: xq, XScales: xs, Weights: &kernels.Weights{Packed: packed, Scale: t.Scale},
			Y: make([]float32, n),
		}
	}
	p := newProblem()
	kern, err := cpu.New(cpu.Best()).Prepare(p)
	if err != nil {
		panic(err)
	}
	defer kern.Close()
	if err := kern.Run(); err != nil {
		panic(err)
	}
	if err := kern.Fetch(); err != nil {
		panic(err)
	}

	ref := newProblem()
	if err := kernels.RunReference(ref); err != nil {
		panic(err)
	}
	fmt.Printf("codes row 0: %v\n", t.Codes[:k])
	fmt.Printf("y = %.4f, same as the reference: %v\n", p.Y, p.Y[0] == ref.Y[0] && p.Y[1] == ref.Y[1])
	// Output:
	// codes row 0: [1 0 -1 1 0 0 1 -1]
	// y = [2.4927 0.8771], same as the reference: true
}
