package quant

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// The oracles below work on float64 values with math.Frexp/Ldexp and
// math.RoundToEven; they share no bit manipulation with float16.go.

func isNaN32(f float32) bool { return f != f }

// f16Value decodes binary16 bits from the format's definition.
func f16Value(h uint16) float64 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	e, m := int(h>>10&0x1f), float64(h&0x3ff)
	switch e {
	case 0:
		return sign * math.Ldexp(m, -24)
	case 31:
		if m != 0 {
			return math.NaN()
		}
		return sign * math.Inf(1)
	}
	return sign * math.Ldexp(1+m/1024, e-15)
}

// f16Ref rounds a non-NaN float32 to binary16 bits, to nearest even.
func f16Ref(f float32) uint16 {
	var sign uint16
	if math.Signbit(float64(f)) {
		sign = 0x8000
	}
	a := math.Abs(float64(f))
	if a >= 65520 { // halfway between 65504 and 2^16 and above: Inf
		return sign | 0x7c00
	}
	quantum := math.Ldexp(1, -24) // subnormal spacing
	if a >= math.Ldexp(1, -14) {
		_, e := math.Frexp(a) // a ∈ [2^(e-1), 2^e)
		quantum = math.Ldexp(1, e-1-10)
	}
	v := math.RoundToEven(a/quantum) * quantum // a/quantum is exact
	if v < math.Ldexp(1, -14) {
		return sign | uint16(v/math.Ldexp(1, -24))
	}
	fr, e := math.Frexp(v) // v = fr·2^e, fr ∈ [0.5, 1)
	return sign | uint16(e-1+15)<<10 | uint16((2*fr-1)*1024)
}

// bf16Ref rounds a non-NaN float32 to bfloat16 bits, to nearest even.
func bf16Ref(f float32) uint16 {
	var sign uint16
	if math.Signbit(float64(f)) {
		sign = 0x8000
	}
	a := math.Abs(float64(f))
	if math.IsInf(a, 0) {
		return sign | 0x7f80
	}
	quantum := math.Ldexp(1, -133) // float32 subnormal range: 7 fraction bits below 2^-126
	if a >= math.Ldexp(1, -126) {
		_, e := math.Frexp(a)
		quantum = math.Ldexp(1, e-1-7)
	}
	v := math.RoundToEven(a/quantum) * quantum
	if v >= math.Ldexp(1, 128) {
		return sign | 0x7f80
	}
	// v has at most 8 significant bits and fits float32 exactly.
	return sign | uint16(math.Float32bits(float32(v))>>16)
}

func TestF16RoundTripExhaustive(t *testing.T) {
	for i := 0; i < 1<<16; i++ {
		h := uint16(i)
		f := F16ToF32(h)
		want := f16Value(h)
		nan := h&0x7c00 == 0x7c00 && h&0x3ff != 0
		if nan {
			if !isNaN32(f) {
				t.Fatalf("F16ToF32(%#04x) = %v, want NaN", h, f)
			}
			if math.Signbit(float64(f)) != (h&0x8000 != 0) {
				t.Errorf("F16ToF32(%#04x) lost the NaN sign", h)
			}
			back := F32ToF16(f)
			if back&0x7c00 != 0x7c00 || back&0x3ff == 0 || back&0x8000 != h&0x8000 {
				t.Errorf("F32ToF16(F16ToF32(%#04x)) = %#04x, want a NaN of the same sign", h, back)
			}
			continue
		}
		if float64(f) != want || math.Signbit(float64(f)) != (h&0x8000 != 0) {
			t.Fatalf("F16ToF32(%#04x) = %v, want %v", h, f, want)
		}
		if back := F32ToF16(f); back != h {
			t.Fatalf("F32ToF16(F16ToF32(%#04x) = %v) = %#04x", h, f, back)
		}
	}
}

func TestF32ToF16Boundaries(t *testing.T) {
	p := func(e int) float32 { return float32(math.Ldexp(1, e)) }
	below := func(f float32) float32 { return math.Nextafter32(f, 0) }
	above := func(f float32) float32 { return math.Nextafter32(f, float32(math.Inf(1))) }
	negZero := float32(math.Copysign(0, -1))
	for _, tc := range []struct {
		f    float32
		want uint16
	}{
		{0, 0x0000},
		{negZero, 0x8000},
		{1, 0x3c00},
		{-2, 0xc000},
		{65504, 0x7bff},           // max half
		{-65504, 0xfbff},          //
		{65505, 0x7bff},           // rounds down
		{below(65520), 0x7bff},    // just below the Inf threshold
		{65520, 0x7c00},           // halfway to 2^16: ties to even = Inf
		{-65520, 0xfc00},          //
		{65536, 0x7c00},           //
		{math.MaxFloat32, 0x7c00}, //
		{float32(math.Inf(1)), 0x7c00},
		{float32(math.Inf(-1)), 0xfc00},
		{p(-24), 0x0001},            // smallest subnormal
		{-p(-24), 0x8001},           //
		{p(-25), 0x0000},            // halfway to the smallest subnormal → 0 (even)
		{-p(-25), 0x8000},           //
		{above(p(-25)), 0x0001},     // just above halfway
		{below(p(-25)), 0x0000},     //
		{3 * p(-25), 0x0002},        // 1.5 units: tie → 2 (even)
		{5 * p(-25), 0x0002},        // 2.5 units: tie → 2 (even)
		{p(-26), 0x0000},            //
		{p(-149), 0x0000},           // smallest float32 subnormal
		{p(-14), 0x0400},            // smallest normal half
		{p(-14) - p(-25), 0x0400},   // tie between 0x03ff and 0x0400 → 0x0400 (even)
		{p(-14) - 3*p(-25), 0x03fe}, // tie between 0x03fe and 0x03ff → 0x03fe
		{below(p(-14)), 0x0400},     //
		{p(-14) - p(-24), 0x03ff},   // largest subnormal
		{1 + p(-11), 0x3c00},        // tie → even mantissa 0
		{1 + 3*p(-11), 0x3c02},      // tie → even mantissa 2
		{above(1 + p(-11)), 0x3c01},
		{2 - p(-11), 0x4000}, // tie between 0x3fff and 2 (0x4000): carry into the exponent
		{2048 + 1, 0x6800},   // ulp of half at 2048 is 2: tie → 2048
		{2048 + 3, 0x6802},   // tie → 2052
		{0.1, 0x2e66},
		{-3.14159265, 0xc248},
	} {
		if got := F32ToF16(tc.f); got != tc.want {
			t.Errorf("F32ToF16(%v = %#08x) = %#04x, want %#04x", tc.f, math.Float32bits(tc.f), got, tc.want)
		}
		if ref := f16Ref(tc.f); ref != tc.want {
			t.Errorf("oracle f16Ref(%v) = %#04x, want %#04x", tc.f, ref, tc.want)
		}
	}
}

// TestF32ToF16Ties checks every tie between two adjacent finite halves and the
// float32 values on either side of it.
func TestF32ToF16Ties(t *testing.T) {
	for h := uint16(0); h < 0x7c00; h++ {
		lo, hi := f16Value(h), f16Value(h+1) // h+1 = 0x7c00 is Inf for the last one
		var mid float32
		if h == 0x7bff {
			mid = 65520
		} else {
			mid = float32((lo + hi) / 2) // exact: halves have 11 bits, float32 24
		}
		want := h
		if h&1 == 1 {
			want = h + 1
		}
		for _, s := range []float32{1, -1} {
			sign := uint16(0)
			if s < 0 {
				sign = 0x8000
			}
			if got := F32ToF16(s * mid); got != sign|want {
				t.Fatalf("F32ToF16(%v, tie between %#04x and %#04x) = %#04x, want %#04x", s*mid, h, h+1, got, sign|want)
			}
			if got := F32ToF16(math.Nextafter32(s*mid, 0)); got != sign|h {
				t.Fatalf("F32ToF16(just below tie %v) = %#04x, want %#04x", s*mid, got, sign|h)
			}
			if got := F32ToF16(math.Nextafter32(s*mid, s*float32(math.Inf(1)))); got != sign|(h+1) {
				t.Fatalf("F32ToF16(just above tie %v) = %#04x, want %#04x", s*mid, got, sign|(h+1))
			}
		}
	}
}

func TestF32ToF16Random(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for i := 0; i < 1<<18; i++ {
		var b uint32
		if i%2 == 0 {
			b = r.Uint32() // any float32
		} else {
			// Exponents around the half range, subnormals and overflow included.
			b = r.Uint32()&0x807fffff | uint32(100+r.IntN(46))<<23
		}
		f := math.Float32frombits(b)
		got := F32ToF16(f)
		if isNaN32(f) {
			if got&0x7c00 != 0x7c00 || got&0x3ff == 0 || got>>15 != uint16(b>>31) {
				t.Fatalf("F32ToF16(NaN %#08x) = %#04x, want a NaN of the same sign", b, got)
			}
			continue
		}
		if want := f16Ref(f); got != want {
			t.Fatalf("F32ToF16(%v = %#08x) = %#04x, want %#04x", f, b, got, want)
		}
	}
}

func TestF32ToF16NaN(t *testing.T) {
	for _, b := range []uint32{0x7fc00000, 0xffc00000, 0x7f800001, 0xff800001, 0x7fffffff, 0x7f802000, 0x7fbfffff} {
		got := F32ToF16(math.Float32frombits(b))
		if got&0x7c00 != 0x7c00 || got&0x3ff == 0 || got>>15 != uint16(b>>31) {
			t.Errorf("F32ToF16(NaN %#08x) = %#04x, want a NaN of the same sign", b, got)
		}
		if got&0x200 == 0 {
			t.Errorf("F32ToF16(NaN %#08x) = %#04x, want a quiet NaN", b, got)
		}
	}
}

func TestBF16RoundTripExhaustive(t *testing.T) {
	for i := 0; i < 1<<16; i++ {
		h := uint16(i)
		f := BF16ToF32(h)
		if got, want := math.Float32bits(f), uint32(h)<<16; got != want {
			t.Fatalf("BF16ToF32(%#04x) bits = %#08x, want %#08x", h, got, want)
		}
		if h&0x7f80 == 0x7f80 && h&0x7f != 0 { // NaN
			back := F32ToBF16(f)
			if back&0x7f80 != 0x7f80 || back&0x7f == 0 || back&0x8000 != h&0x8000 {
				t.Errorf("F32ToBF16(BF16ToF32(%#04x)) = %#04x, want a NaN of the same sign", h, back)
			}
			continue
		}
		if back := F32ToBF16(f); back != h {
			t.Fatalf("F32ToBF16(BF16ToF32(%#04x) = %v) = %#04x", h, f, back)
		}
	}
}

func TestF32ToBF16Boundaries(t *testing.T) {
	for _, tc := range []struct {
		bits uint32
		want uint16
	}{
		{0x3f800000, 0x3f80}, // 1
		{0x3f808000, 0x3f80}, // tie → even
		{0x3f818000, 0x3f82}, // tie → even, up
		{0x3f808001, 0x3f81}, // just above the tie
		{0x3f807fff, 0x3f80}, // just below the tie
		{0xbf808000, 0xbf80}, // negative tie
		{0xbf818000, 0xbf82}, //
		{0x3fff8000, 0x4000}, // carry into the exponent
		{0x7f7f0000, 0x7f7f}, // max bf16
		{0x7f7f7fff, 0x7f7f}, //
		{0x7f7f8000, 0x7f80}, // tie at the top: odd → rounds to Inf
		{0x7f7fffff, 0x7f80}, // max float32 → Inf
		{0xff7fffff, 0xff80}, //
		{0x7f800000, 0x7f80}, // Inf
		{0xff800000, 0xff80}, // -Inf
		{0x00000000, 0x0000}, //
		{0x80000000, 0x8000}, // -0
		{0x00008000, 0x0000}, // subnormal tie → 0
		{0x00018000, 0x0002}, // subnormal tie → even
		{0x00008001, 0x0001}, //
		{0x007f8000, 0x0080}, // largest subnormals round to the smallest normal
		{0x3dcccccd, 0x3dcd}, // 0.1
	} {
		f := math.Float32frombits(tc.bits)
		if got := F32ToBF16(f); got != tc.want {
			t.Errorf("F32ToBF16(%#08x) = %#04x, want %#04x", tc.bits, got, tc.want)
		}
		if ref := bf16Ref(f); ref != tc.want {
			t.Errorf("oracle bf16Ref(%#08x) = %#04x, want %#04x", tc.bits, ref, tc.want)
		}
	}
}

func TestF32ToBF16Ties(t *testing.T) {
	for h := uint32(0); h < 0x7f80; h++ {
		for _, sign := range []uint32{0, 0x80000000} {
			mid := sign | h<<16 | 0x8000
			want := uint16(sign>>16 | h)
			if h&1 == 1 {
				want++
			}
			if got := F32ToBF16(math.Float32frombits(mid)); got != want {
				t.Fatalf("F32ToBF16(tie %#08x) = %#04x, want %#04x", mid, got, want)
			}
			if got := F32ToBF16(math.Float32frombits(mid - 1)); got != uint16(sign>>16|h) {
				t.Fatalf("F32ToBF16(%#08x) = %#04x, want %#04x", mid-1, got, sign>>16|h)
			}
			if got := F32ToBF16(math.Float32frombits(mid + 1)); got != uint16(sign>>16|h)+1 {
				t.Fatalf("F32ToBF16(%#08x) = %#04x, want %#04x", mid+1, got, sign>>16|h+1)
			}
		}
	}
}

func TestF32ToBF16Random(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 1<<18; i++ {
		b := r.Uint32()
		f := math.Float32frombits(b)
		got := F32ToBF16(f)
		if isNaN32(f) {
			if got&0x7f80 != 0x7f80 || got&0x7f == 0 || got>>15 != uint16(b>>31) {
				t.Fatalf("F32ToBF16(NaN %#08x) = %#04x, want a NaN of the same sign", b, got)
			}
			continue
		}
		if want := bf16Ref(f); got != want {
			t.Fatalf("F32ToBF16(%v = %#08x) = %#04x, want %#04x", f, b, got, want)
		}
	}
}

func TestF32ToBF16NaN(t *testing.T) {
	// NaNs whose payload lies only in the low 16 bits must not truncate to Inf.
	for _, b := range []uint32{0x7fc00000, 0xffc00000, 0x7f800001, 0xff800001, 0x7f80ffff, 0x7fffffff, 0xffffffff} {
		got := F32ToBF16(math.Float32frombits(b))
		if got&0x7f80 != 0x7f80 || got&0x7f == 0 || got>>15 != uint16(b>>31) {
			t.Errorf("F32ToBF16(NaN %#08x) = %#04x, want a NaN of the same sign", b, got)
		}
	}
}

func TestFloat16Slices(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	src := make([]float32, 37)
	for i := range src {
		src[i] = float32(r.NormFloat64() * 1000)
	}
	// dst longer than src: the tail is left alone.
	h := make([]uint16, len(src)+2)
	h[len(src)], h[len(src)+1] = 0xbeef, 0xbeef
	F32ToF16Slice(h, src)
	for i, v := range src {
		if h[i] != F32ToF16(v) {
			t.Fatalf("F32ToF16Slice[%d] = %#04x, want %#04x", i, h[i], F32ToF16(v))
		}
	}
	if h[len(src)] != 0xbeef || h[len(src)+1] != 0xbeef {
		t.Errorf("F32ToF16Slice wrote past len(src)")
	}
	f := make([]float32, len(src)+1)
	f[len(src)] = 42
	F16ToF32Slice(f, h[:len(src)])
	for i := range src {
		if f[i] != F16ToF32(h[i]) {
			t.Fatalf("F16ToF32Slice[%d] = %v, want %v", i, f[i], F16ToF32(h[i]))
		}
	}
	if f[len(src)] != 42 {
		t.Errorf("F16ToF32Slice wrote past len(src)")
	}

	b := make([]uint16, len(src)+1)
	b[len(src)] = 0xbeef
	F32ToBF16Slice(b, src)
	for i, v := range src {
		if b[i] != F32ToBF16(v) {
			t.Fatalf("F32ToBF16Slice[%d] = %#04x, want %#04x", i, b[i], F32ToBF16(v))
		}
	}
	if b[len(src)] != 0xbeef {
		t.Errorf("F32ToBF16Slice wrote past len(src)")
	}
	F16ToF32Slice(f[:0], nil) // empty is fine
	BF16ToF32Slice(f, b[:len(src)])
	for i := range src {
		if f[i] != BF16ToF32(b[i]) {
			t.Fatalf("BF16ToF32Slice[%d] = %v, want %v", i, f[i], BF16ToF32(b[i]))
		}
	}
	if !slices.Equal(f[len(src):], []float32{42}) {
		t.Errorf("BF16ToF32Slice wrote past len(src)")
	}

	defer func() {
		if recover() == nil {
			t.Error("F32ToF16Slice with a short dst did not panic")
		}
	}()
	F32ToF16Slice(make([]uint16, 1), src)
}

func TestF16ToF32QuietsNaN(t *testing.T) {
	for _, h := range []uint16{0x7c01, 0xfc01, 0x7d55, 0x7e00, 0x7fff} {
		b := math.Float32bits(F16ToF32(h))
		want := uint32(h&0x8000)<<16 | 0x7fc00000 | uint32(h&0x3ff)<<13
		if b != want {
			t.Errorf("F16ToF32(%#04x) = %#08x, want the quiet NaN %#08x", h, b, want)
		}
	}
}
