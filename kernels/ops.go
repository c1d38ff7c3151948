package kernels

import (
	"math/rand/v2"
	"slices"

	"github.com/bitnet-go/bitnet-bench/kernels/pack"
	"github.com/bitnet-go/bitnet-bench/kernels/quant"
)

// Op names an operation. The string is the first element of case names.
type Op string

const (
	OpBitLinear           Op = "BitLinear"           // packed ternary weights × int8 activations
	OpMatMul              Op = "MatMul"              // dense f32 y = x·Wᵀ
	OpQuantizeWeights     Op = "QuantizeWeights"     // f32 → ternary codes, absmean
	OpQuantizeActivations Op = "QuantizeActivations" // f32 → int8 per token, absmax
	OpPack2Bit            Op = "Pack2Bit"            // ternary codes → 2-bit packed
	OpUnpack2Bit          Op = "Unpack2Bit"          // 2-bit packed → int8 codes
	OpReLU                Op = "ReLU"
	OpGELU                Op = "GELU"
	OpSiLU                Op = "SiLU"
	OpSigmoid             Op = "Sigmoid"
	OpTanh                Op = "Tanh"
	OpF32ToF16            Op = "F32ToF16"  // IEEE binary16, round to nearest even
	OpF16ToF32            Op = "F16ToF32"  // exact; signaling NaNs come out quiet
	OpF32ToBF16           Op = "F32ToBF16" // bfloat16, round to nearest even, subnormals kept
	OpBF16ToF32           Op = "BF16ToF32" // exact
)

// ConvertOps lists the float format conversions.
var ConvertOps = FamilyOps("convert")

// ActivationOps lists the elementwise activation functions.
var ActivationOps = FamilyOps("activation")

// Ops lists every operation, in the op table's order (Specs).
var Ops = opsOf(Specs)

func opsOf(specs []Spec) []Op {
	ops := make([]Op, len(specs))
	for i, s := range specs {
		ops[i] = s.Op
	}
	return ops
}

// Known reports whether op is one of Ops.
func (op Op) Known() bool { return slices.Contains(Ops, op) }

// Spec is everything the project knows of an op apart from its kernels:
// how it is grouped and named, what one run costs, how its operands are
// made and checked, and its reference. The catalogue, the reference, the
// backends' tests and the report read it from Specs, so adding an op is
// one entry here plus the kernels that implement it.
type Spec struct {
	Op Op
	// Family is the group --operations selects; families run and are
	// listed in the order they first appear in Specs.
	Family string
	// DType is the case name's element type: i2 for packed ternary
	// weights, f32, f16 or bf16 otherwise.
	DType string
	// Batched ops cost in proportion to the token count M; their case
	// names carry /bM.
	Batched bool
	// PerToken ops are sized by a feature width K alone; the others by an
	// N×K weight shape.
	PerToken bool
	// Work is what one run reads and writes (weights first) in bytes, and
	// its multiply-accumulates.
	Work func(m, n, k int64) (bytes, macs int64)
	// Alloc gives p (Op and shape set) its operands from t and fills the
	// inputs from r, to the kernel contracts (docs/DESIGN.md). The order
	// of r's draws is part of a case's identity: keep it.
	Alloc func(p *Problem, t Tensors, r *rand.Rand) error
	// Check says what is wrong with p's operands (nil entries when fine);
	// every backend refuses a bad problem with the same message.
	Check func(c checker) []error
	// Reference runs p (checked) on the pure-Go oracle.
	Reference func(p *Problem) error
	// Scalar is an elementwise op's reference function of one value
	// (ActivationFunc); nil for the others.
	Scalar func(float32) float32
}

// Tensors allocates a problem's operands. The first allocation error is
// kept and returned by Err; later calls then return nil slices.
type Tensors interface {
	Float32(n int) []float32
	Int8(n int) []int8
	Uint16(n int) []uint16
	Bytes(n int) []byte
	Err() error
	// Release frees what was allocated; the slices must not be used after.
	Release() error
}

// HeapTensors allocates from Go's heap.
type HeapTensors struct{}

func (HeapTensors) Float32(n int) []float32 { return make([]float32, n) }
func (HeapTensors) Int8(n int) []int8       { return make([]int8, n) }
func (HeapTensors) Uint16(n int) []uint16   { return make([]uint16, n) }
func (HeapTensors) Bytes(n int) []byte      { return make([]byte, n) }
func (HeapTensors) Err() error              { return nil }
func (HeapTensors) Release() error          { return nil }

// Specs is the op table, in run order: by family, then op.
var Specs = slices.Concat([]Spec{
	{
		Op: OpBitLinear, Family: "bitlinear", DType: "i2", Batched: true,
		Work: func(m, n, k int64) (int64, int64) {
			return packedBytes(n, k) + m*k + 4*m + 4*m*n, m * n * k
		},
		Alloc: func(p *Problem, t Tensors, r *rand.Rand) error {
			w, err := ternaryWeights(t, scratch(r, p.N*p.K, 0.02), p.N, p.K)
			if err != nil {
				return err
			}
			p.Weights = w
			p.XQ, p.XScales, p.Y = t.Int8(p.M*p.K), t.Float32(p.M), t.Float32(p.M*p.N)
			if err := t.Err(); err != nil {
				return err
			}
			return quant.QuantizeActivations(p.XQ, p.XScales, scratch(r, p.M*p.K, 1), p.M, p.K)
		},
		Check: func(c checker) []error {
			return []error{c.pos(c.M, c.N, c.K), c.weights(), c.need("XQ", len(c.XQ), c.M*c.K),
				c.need("XScales", len(c.XScales), c.M), c.need("Y", len(c.Y), c.M*c.N)}
		},
		Reference: func(p *Problem) error { RefBitLinear(p); return nil },
	},
	{
		Op: OpMatMul, Family: "matmul", DType: "f32", Batched: true,
		Work: func(m, n, k int64) (int64, int64) { return 4*n*k + 4*m*k + 4*m*n, m * n * k },
		Alloc: func(p *Problem, t Tensors, r *rand.Rand) error {
			p.X, p.W, p.Y = normals(t, r, p.M*p.K, 1), normals(t, r, p.N*p.K, 0.02), t.Float32(p.M*p.N)
			return nil
		},
		Check: func(c checker) []error {
			return []error{c.pos(c.M, c.N, c.K), c.need("X", len(c.X), c.M*c.K),
				c.need("W", len(c.W), c.N*c.K), c.need("Y", len(c.Y), c.M*c.N)}
		},
		Reference: func(p *Problem) error { RefMatMul(p); return nil },
	},
	{
		Op: OpQuantizeWeights, Family: "quantize", DType: "f32",
		Work: func(m, n, k int64) (int64, int64) { return 4*n*k + n*k, 0 },
		Alloc: func(p *Problem, t Tensors, r *rand.Rand) error {
			p.W, p.YQ, p.YScales = normals(t, r, p.N*p.K, 0.02), t.Int8(p.N*p.K), t.Float32(1)
			return nil
		},
		Check: func(c checker) []error {
			return []error{c.pos(c.N, c.K), c.need("W", len(c.W), c.N*c.K),
				c.need("YQ", len(c.YQ), c.N*c.K), c.need("YScales", len(c.YScales), 1)}
		},
		Reference: RefQuantizeWeights,
	},
	{
		Op: OpQuantizeActivations, Family: "quantize", DType: "f32", Batched: true, PerToken: true,
		Work: func(m, n, k int64) (int64, int64) { return 4*m*k + m*k + 4*m, 0 },
		Alloc: func(p *Problem, t Tensors, r *rand.Rand) error {
			p.X, p.YQ, p.YScales = normals(t, r, p.M*p.K, 1), t.Int8(p.M*p.K), t.Float32(p.M)
			return nil
		},
		Check: func(c checker) []error {
			return []error{c.pos(c.M, c.K), c.need("X", len(c.X), c.M*c.K),
				c.need("YQ", len(c.YQ), c.M*c.K), c.need("YScales", len(c.YScales), c.M)}
		},
		Reference: RefQuantizeActivations,
	},
	{
		Op: OpPack2Bit, Family: "pack", DType: "i2",
		Work: func(m, n, k int64) (int64, int64) { return n*k + packedBytes(n, k), 0 },
		Alloc: func(p *Problem, t Tensors, r *rand.Rand) error {
			q, err := quant.QuantizeTernary(scratch(r, p.N*p.K, 0.02), p.N, p.K, false)
			if err != nil {
				return err
			}
			p.Codes, p.YPacked = t.Int8(p.N*p.K), t.Bytes(p.N*pack.Stride2Bit(p.K))
			copy(p.Codes, q.Codes)
			return nil
		},
		Check: func(c checker) []error {
			return []error{c.pos(c.N, c.K), c.need("Codes", len(c.Codes), c.N*c.K),
				c.need("YPacked", len(c.YPacked), c.N*pack.Stride2Bit(c.K))}
		},
		Reference: RefPack2Bit,
	},
	{
		Op: OpUnpack2Bit, Family: "pack", DType: "i2",
		Work: func(m, n, k int64) (int64, int64) { return packedBytes(n, k) + n*k, 0 },
		Alloc: func(p *Problem, t Tensors, r *rand.Rand) error {
			w, err := ternaryWeights(t, scratch(r, p.N*p.K, 0.02), p.N, p.K)
			if err != nil {
				return err
			}
			p.Weights, p.YQ = w, t.Int8(p.N*p.K)
			return nil
		},
		Check: func(c checker) []error {
			return []error{c.pos(c.N, c.K), c.weights(), c.need("YQ", len(c.YQ), c.N*c.K)}
		},
		Reference: func(p *Problem) error { RefUnpack2Bit(p); return nil },
	},
},
	activationSpecs(map[Op]func(float32) float32{
		OpReLU: refReLU, OpGELU: refGELU, OpSiLU: refSiLU, OpSigmoid: refSigmoid, OpTanh: refTanh,
	}, OpReLU, OpGELU, OpSiLU, OpSigmoid, OpTanh),
	[]Spec{
		toHalfSpec(OpF32ToF16, "f16", quant.F32ToF16Slice),
		fromHalfSpec(OpF16ToF32, "f16", quant.F16ToF32Slice, quant.F32ToF16Slice),
		toHalfSpec(OpF32ToBF16, "bf16", quant.F32ToBF16Slice),
		fromHalfSpec(OpBF16ToF32, "bf16", quant.BF16ToF32Slice, quant.F32ToBF16Slice),
	})

// activationSpecs are the elementwise functions, in the order of ops:
// M×K f32 in, M×K out, each value through its reference function.
func activationSpecs(ref map[Op]func(float32) float32, ops ...Op) []Spec {
	var out []Spec
	for _, op := range ops {
		f := ref[op]
		out = append(out, Spec{
			Scalar: f,
			Op:     op, Family: "activation", DType: "f32", Batched: true, PerToken: true,
			Work: func(m, n, k int64) (int64, int64) { return 8 * m * k, 0 }, // read and write f32
			Alloc: func(p *Problem, t Tensors, r *rand.Rand) error {
				p.X, p.Y = normals(t, r, p.M*p.K, 3), t.Float32(p.M*p.K) // both tails exercised
				return nil
			},
			Check: func(c checker) []error {
				return []error{c.pos(c.M, c.K), c.need("X", len(c.X), c.M*c.K), c.need("Y", len(c.Y), c.M*c.K)}
			},
			Reference: func(p *Problem) error { refElementwise(p, f); return nil },
		})
	}
	return out
}

// convertWork is 4 bytes in or out and 2 out or in per element.
func convertWork(m, n, k int64) (int64, int64) { return 6 * m * k, 0 }

// toHalfSpec converts M×K f32 to the 16-bit format dtype.
func toHalfSpec(op Op, dtype string, conv func(dst []uint16, src []float32)) Spec {
	return Spec{
		Op: op, Family: "convert", DType: dtype, Batched: true, PerToken: true, Work: convertWork,
		Alloc: func(p *Problem, t Tensors, r *rand.Rand) error {
			p.X, p.YH = normals(t, r, p.M*p.K, 3), t.Uint16(p.M*p.K)
			return nil
		},
		Check: func(c checker) []error {
			return []error{c.pos(c.M, c.K), c.need("X", len(c.X), c.M*c.K), c.need("YH", len(c.YH), c.M*c.K)}
		},
		Reference: func(p *Problem) error { conv(p.YH, p.X[:p.M*p.K]); return nil },
	}
}

// fromHalfSpec converts M×K values of the 16-bit format dtype to f32; its
// inputs are made by the inverse conversion, so they are values f32 has.
func fromHalfSpec(op Op, dtype string, conv func(dst []float32, src []uint16), inverse func(dst []uint16, src []float32)) Spec {
	return Spec{
		Op: op, Family: "convert", DType: dtype, Batched: true, PerToken: true, Work: convertWork,
		Alloc: func(p *Problem, t Tensors, r *rand.Rand) error {
			p.XH, p.Y = t.Uint16(p.M*p.K), t.Float32(p.M*p.K)
			if p.XH != nil { // nil after an allocation error, which the caller reports
				inverse(p.XH, scratch(r, p.M*p.K, 3))
			}
			return nil
		},
		Check: func(c checker) []error {
			return []error{c.pos(c.M, c.K), c.need("XH", len(c.XH), c.M*c.K), c.need("Y", len(c.Y), c.M*c.K)}
		},
		Reference: func(p *Problem) error { conv(p.Y, p.XH[:p.M*p.K]); return nil },
	}
}

// SpecOf returns op's entry of the table.
func SpecOf(op Op) (*Spec, bool) {
	for i := range Specs {
		if Specs[i].Op == op {
			return &Specs[i], true
		}
	}
	return nil, false
}

// Families lists the op families in run order.
func Families() []string {
	var fs []string
	for _, s := range Specs {
		if !slices.Contains(fs, s.Family) {
			fs = append(fs, s.Family)
		}
	}
	return fs
}

// FamilyOps lists the ops of a family in run order (none for an unknown one).
func FamilyOps(family string) []Op {
	var ops []Op
	for _, s := range Specs {
		if s.Family == family {
			ops = append(ops, s.Op)
		}
	}
	return ops
}

// FamilyOf returns the family of op ("" for an op not in the table).
func FamilyOf(op Op) string {
	if s, ok := SpecOf(op); ok {
		return s.Family
	}
	return ""
}

func packedBytes(n, k int64) int64 { return n * int64(pack.Stride2Bit(int(k))) }

// normals is a tensor from t of n normal values of standard deviation scale.
func normals(t Tensors, r *rand.Rand, n int, scale float64) []float32 {
	return fill(t.Float32(n), r, scale)
}

// scratch is a heap tensor for inputs that only feed a quantizer.
func scratch(r *rand.Rand, n int, scale float64) []float32 {
	return fill(make([]float32, n), r, scale)
}

func fill(v []float32, r *rand.Rand, scale float64) []float32 {
	for i := range v {
		v[i] = float32(r.NormFloat64() * scale)
	}
	return v
}

// ternaryWeights quantizes w by absmean and packs it into t's memory.
func ternaryWeights(t Tensors, w []float32, n, k int) (*Weights, error) {
	q, err := quant.QuantizeTernary(w, n, k, false)
	if err != nil {
		return nil, err
	}
	stride := pack.Stride2Bit(k)
	data := t.Bytes(n * stride)
	if err := t.Err(); err != nil {
		return nil, err
	}
	if err := pack.Pack2BitInto(data, q.Codes, n, k); err != nil {
		return nil, err
	}
	return &Weights{Packed: &pack.Packed2Bit{Rows: n, Cols: k, Stride: stride, Data: data}, Scale: q.Scale}, nil
}
