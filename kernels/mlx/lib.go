package mlx

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"sync"
	"unsafe"

	"github.com/bitnet-go/bitnet-bench/kernels/internal/dl"
	"github.com/bitnet-go/bitnet-bench/kernels/internal/native"
)

// lib holds the mlx-c entry points used here (mlx/c/*.h). Every MLX handle
// (mlx_array, mlx_stream, mlx_device, mlx_string, mlx_vector_array) is a
// struct holding one pointer, passed and returned in one integer register
// on amd64 and arm64, so it is a uintptr here. Calls return 0 on success;
// on failure mlx-c calls the error handler, which this package replaces so
// the message becomes a Go error instead of exit(-1).
type lib struct {
	path string

	setErrorHandler func(handler, data, dtor uintptr)
	version         func(s *uintptr) int32
	stringNew       func() uintptr
	stringData      func(s uintptr) *byte
	stringFree      func(s uintptr) int32

	arrayNew         func() uintptr
	arrayNewData     func(data unsafe.Pointer, shape *int32, dim int32, dtype int32) uintptr
	arrayNewFloat32  func(v float32) uintptr
	arrayFree        func(a uintptr) int32
	arrayEval        func(a uintptr) int32
	arraySize        func(a uintptr) uint64
	arrayDtype       func(a uintptr) int32
	arrayDataFloat32 func(a uintptr) *float32
	arrayDataInt8    func(a uintptr) *int8

	getDefaultDevice func(dev *uintptr) int32
	deviceNew        func() uintptr
	deviceNewType    func(typ int32, index int32) uintptr
	deviceGetType    func(typ *int32, dev uintptr) int32
	deviceCount      func(n *int32, typ int32) int32
	deviceFree       func(dev uintptr) int32
	streamNewDevice  func(dev uintptr) uintptr
	streamFree       func(s uintptr) int32
	synchronize      func(s uintptr) int32
	activeMemory     func(n *uint64) int32

	// Operations: res is an mlx_array the result is stored into.
	matmul          func(res *uintptr, a, b, s uintptr) int32
	quantizedMatmul func(res *uintptr, x, w, scales, biases uintptr, transpose bool, groupSize, bits uint64, mode string, s uintptr) int32
	transpose       func(res *uintptr, a, s uintptr) int32
	astype          func(res *uintptr, a uintptr, dtype int32, s uintptr) int32
	add             func(res *uintptr, a, b, s uintptr) int32
	multiply        func(res *uintptr, a, b, s uintptr) int32
	divide          func(res *uintptr, a, b, s uintptr) int32
	maximum         func(res *uintptr, a, b, s uintptr) int32
	greater         func(res *uintptr, a, b, s uintptr) int32
	where           func(res *uintptr, cond, x, y, s uintptr) int32
	isnan           func(res *uintptr, a, s uintptr) int32
	abs             func(res *uintptr, a, s uintptr) int32
	maxAxis         func(res *uintptr, a uintptr, axis int32, keepdims bool, s uintptr) int32
	round           func(res *uintptr, a uintptr, decimals int32, s uintptr) int32
	clip            func(res *uintptr, a, lo, hi, s uintptr) int32
	erf             func(res *uintptr, a, s uintptr) int32
	sigmoid         func(res *uintptr, a, s uintptr) int32
	tanh            func(res *uintptr, a, s uintptr) int32

	// Shape and data movement, and the fused ops of mlx/c/fast.h, for the
	// model device.
	arraySet          func(dst *uintptr, src uintptr) int32
	arrayDataInt32    func(a uintptr) *int32
	eval              func(vec uintptr) int32
	vectorArrayNew    func() uintptr
	vectorArrayAppend func(vec, a uintptr) int32
	vectorArrayFree   func(vec uintptr) int32
	zeros             func(res *uintptr, shape *int32, n uintptr, dtype int32, s uintptr) int32
	reshape           func(res *uintptr, a uintptr, shape *int32, n uintptr, s uintptr) int32
	transposeAxes     func(res *uintptr, a uintptr, axes *int32, n uintptr, s uintptr) int32
	slice             func(res *uintptr, a uintptr, start *int32, nStart uintptr, stop *int32, nStop uintptr, strides *int32, nStrides uintptr, s uintptr) int32
	sliceUpdate       func(res *uintptr, src, upd uintptr, start *int32, nStart uintptr, stop *int32, nStop uintptr, strides *int32, nStrides uintptr, s uintptr) int32
	pad               func(res *uintptr, a uintptr, axes *int32, nAxes uintptr, lo *int32, nLo uintptr, hi *int32, nHi uintptr, val uintptr, mode string, s uintptr) int32
	concatenateAxis   func(res *uintptr, vec uintptr, axis int32, s uintptr) int32
	takeAxis          func(res *uintptr, a, idx uintptr, axis int32, s uintptr) int32
	subtract          func(res *uintptr, a, b, s uintptr) int32
	fastRMSNorm       func(res *uintptr, x, w uintptr, eps float32, s uintptr) int32
	fastSDPA          func(res *uintptr, q, k, v uintptr, scale float32, maskMode string, mask, sinks, s uintptr) int32
}

// symbols lists every entry point bound at load; a library that lacks one
// is reported as too old rather than failing later.
func (l *lib) symbols() []dl.Symbol {
	return []dl.Symbol{
		{Fn: &l.setErrorHandler, Name: "mlx_set_error_handler"}, {Fn: &l.version, Name: "mlx_version"},
		{Fn: &l.stringNew, Name: "mlx_string_new"}, {Fn: &l.stringData, Name: "mlx_string_data"},
		{Fn: &l.stringFree, Name: "mlx_string_free"}, {Fn: &l.arrayNew, Name: "mlx_array_new"},
		{Fn: &l.arrayNewData, Name: "mlx_array_new_data"}, {Fn: &l.arrayNewFloat32, Name: "mlx_array_new_float32"},
		{Fn: &l.arrayFree, Name: "mlx_array_free"}, {Fn: &l.arrayEval, Name: "mlx_array_eval"},
		{Fn: &l.arraySize, Name: "mlx_array_size"}, {Fn: &l.arrayDtype, Name: "mlx_array_dtype"},
		{Fn: &l.arrayDataFloat32, Name: "mlx_array_data_float32"}, {Fn: &l.arrayDataInt8, Name: "mlx_array_data_int8"},
		{Fn: &l.getDefaultDevice, Name: "mlx_get_default_device"}, {Fn: &l.deviceNew, Name: "mlx_device_new"},
		{Fn: &l.deviceNewType, Name: "mlx_device_new_type"}, {Fn: &l.deviceGetType, Name: "mlx_device_get_type"},
		{Fn: &l.deviceCount, Name: "mlx_device_count"}, {Fn: &l.deviceFree, Name: "mlx_device_free"},
		{Fn: &l.streamNewDevice, Name: "mlx_stream_new_device"}, {Fn: &l.streamFree, Name: "mlx_stream_free"},
		{Fn: &l.synchronize, Name: "mlx_synchronize"}, {Fn: &l.activeMemory, Name: "mlx_get_active_memory"},
		{Fn: &l.matmul, Name: "mlx_matmul"}, {Fn: &l.quantizedMatmul, Name: "mlx_quantized_matmul"},
		{Fn: &l.transpose, Name: "mlx_transpose"}, {Fn: &l.astype, Name: "mlx_astype"},
		{Fn: &l.add, Name: "mlx_add"}, {Fn: &l.multiply, Name: "mlx_multiply"},
		{Fn: &l.divide, Name: "mlx_divide"}, {Fn: &l.maximum, Name: "mlx_maximum"},
		{Fn: &l.greater, Name: "mlx_greater"}, {Fn: &l.where, Name: "mlx_where"},
		{Fn: &l.isnan, Name: "mlx_isnan"}, {Fn: &l.abs, Name: "mlx_abs"},
		{Fn: &l.maxAxis, Name: "mlx_max_axis"}, {Fn: &l.round, Name: "mlx_round"},
		{Fn: &l.clip, Name: "mlx_clip"}, {Fn: &l.erf, Name: "mlx_erf"},
		{Fn: &l.sigmoid, Name: "mlx_sigmoid"}, {Fn: &l.tanh, Name: "mlx_tanh"},
		{Fn: &l.arraySet, Name: "mlx_array_set"}, {Fn: &l.arrayDataInt32, Name: "mlx_array_data_int32"},
		{Fn: &l.eval, Name: "mlx_eval"}, {Fn: &l.vectorArrayNew, Name: "mlx_vector_array_new"},
		{Fn: &l.vectorArrayAppend, Name: "mlx_vector_array_append_value"}, {Fn: &l.vectorArrayFree, Name: "mlx_vector_array_free"},
		{Fn: &l.zeros, Name: "mlx_zeros"}, {Fn: &l.reshape, Name: "mlx_reshape"},
		{Fn: &l.transposeAxes, Name: "mlx_transpose_axes"}, {Fn: &l.slice, Name: "mlx_slice"},
		{Fn: &l.sliceUpdate, Name: "mlx_slice_update"}, {Fn: &l.pad, Name: "mlx_pad"},
		{Fn: &l.concatenateAxis, Name: "mlx_concatenate_axis"}, {Fn: &l.takeAxis, Name: "mlx_take_axis"},
		{Fn: &l.subtract, Name: "mlx_subtract"}, {Fn: &l.fastRMSNorm, Name: "mlx_fast_rms_norm"},
		{Fn: &l.fastSDPA, Name: "mlx_fast_scaled_dot_product_attention"},
	}
}

// mlx_dtype and mlx_device_type values (mlx/c/array.h, device.h).
const (
	dtInt8    = 5
	dtInt32   = 7
	dtUint32  = 3
	dtFloat32 = 10

	deviceCPU = 0
	deviceGPU = 1
)

// optInt encodes an mlx_optional_int {int value; bool has_value;}: 8 bytes
// passed in one integer register on amd64 and arm64, laid out as in memory.
func optInt(v int) uint64 { return uint64(uint32(int32(v))) | 1<<32 }

// The error handler. mlx-c calls it from the thread that made the failing
// call, which is always the MLX thread below, before the call returns
// non-zero; the message waits there for check.
var (
	errMu  sync.Mutex
	errMsg string
)

func onError(msg *byte, _ uintptr) {
	s := native.CString(msg)
	errMu.Lock()
	errMsg = s
	errMu.Unlock()
}

func takeError() string {
	errMu.Lock()
	defer errMu.Unlock()
	s := errMsg
	errMsg = ""
	return s
}

// check turns a non-zero mlx-c result into an error carrying MLX's message.
func check(call string, rc int32) error {
	msg := takeError()
	if rc == 0 {
		return nil
	}
	if msg == "" {
		msg = "failed without a message"
	}
	return fmt.Errorf("mlx: %s: %s", call, msg)
}

// checkHandle is check for the constructors that return a handle, empty on
// failure.
func checkHandle(call string, h uintptr) error {
	if h != 0 {
		takeError()
		return nil
	}
	return check(call, 1)
}

// runtimeState is the process-wide MLX library with its thread, device
// and stream.
type runtimeState struct {
	l       *lib
	th      *native.Thread
	dev     uintptr
	stream  uintptr
	devType int32
	version string
}

// getRuntime loads libmlxc and opens its device once per process.
var getRuntime = sync.OnceValues(func() (*runtimeState, error) { return openRuntime(libPaths()) })

// deviceEnv picks the MLX device: "cpu", "gpu", or unset for MLX's default
// (the GPU where MLX was built with one).
const deviceEnv = "BITNET_MLX_DEVICE"

func openRuntime(paths []string) (*runtimeState, error) {
	l, err := loadLib(paths)
	if err != nil {
		return nil, err
	}
	// MLX's per-thread state (the stream and its command encoder on Metal)
	// stays with one locked OS thread whichever goroutine asks.
	th, err := native.NewThread(0, nil)
	if err != nil {
		return nil, err
	}
	rt := &runtimeState{l: l, th: th}
	err = rt.th.Do(func() error {
		l.setErrorHandler(errorCallback(), 0, 0)
		s := l.stringNew()
		if err := check("mlx_version", l.version(&s)); err == nil {
			rt.version = native.CString(l.stringData(s))
		}
		l.stringFree(s)

		switch want := os.Getenv(deviceEnv); want {
		case "":
			rt.dev = l.deviceNew()
			if err := check("mlx_get_default_device", l.getDefaultDevice(&rt.dev)); err != nil {
				return err
			}
		case "cpu", "gpu":
			typ := int32(deviceCPU)
			if want == "gpu" {
				typ = deviceGPU
			}
			var n int32
			if err := check("mlx_device_count", l.deviceCount(&n, typ)); err != nil {
				return err
			}
			if n == 0 {
				return fmt.Errorf("mlx: %s=%s, but this MLX build (%s) has no %s device", deviceEnv, want, l.path, want)
			}
			rt.dev = l.deviceNewType(typ, 0)
			if err := checkHandle("mlx_device_new_type", rt.dev); err != nil {
				return err
			}
		default:
			return fmt.Errorf("mlx: %s=%q: want cpu or gpu", deviceEnv, want)
		}
		if err := check("mlx_device_get_type", l.deviceGetType(&rt.devType, rt.dev)); err != nil {
			return err
		}
		rt.stream = l.streamNewDevice(rt.dev)
		return checkHandle("mlx_stream_new_device", rt.stream)
	})
	if err != nil {
		return nil, err
	}
	return rt, nil
}

var (
	cbOnce sync.Once
	cb     uintptr
)

// errorCallback is the C function pointer of onError, made once: purego
// callbacks are never released.
func errorCallback() uintptr {
	cbOnce.Do(func() { cb = newCallback(onError) })
	return cb
}

func (rt *runtimeState) deviceName() string {
	if rt.devType == deviceGPU {
		return "gpu"
	}
	return "cpu"
}

// graph builds MLX operations on the MLX thread. It records the first
// error, after which every operation returns the empty handle, and it owns
// the arrays it makes: release frees them all but those kept.
type graph struct {
	rt  *runtimeState
	err error
	own []uintptr
}

func (g *graph) track(call string, rc int32, res uintptr) uintptr {
	if res != 0 {
		g.own = append(g.own, res)
	}
	if err := check(call, rc); err != nil {
		g.err = err
		return 0
	}
	return res
}

// op1 and op2 apply a unary or binary operation.
func (g *graph) op1(call string, f func(res *uintptr, a, s uintptr) int32, a uintptr) uintptr {
	if g.err != nil {
		return 0
	}
	res := g.rt.l.arrayNew()
	return g.track(call, f(&res, a, g.rt.stream), res)
}

func (g *graph) op2(call string, f func(res *uintptr, a, b, s uintptr) int32, a, b uintptr) uintptr {
	if g.err != nil {
		return 0
	}
	res := g.rt.l.arrayNew()
	return g.track(call, f(&res, a, b, g.rt.stream), res)
}

func (g *graph) matmul(a, b uintptr) uintptr   { return g.op2("mlx_matmul", g.rt.l.matmul, a, b) }
func (g *graph) add(a, b uintptr) uintptr      { return g.op2("mlx_add", g.rt.l.add, a, b) }
func (g *graph) multiply(a, b uintptr) uintptr { return g.op2("mlx_multiply", g.rt.l.multiply, a, b) }
func (g *graph) divide(a, b uintptr) uintptr   { return g.op2("mlx_divide", g.rt.l.divide, a, b) }
func (g *graph) maximum(a, b uintptr) uintptr  { return g.op2("mlx_maximum", g.rt.l.maximum, a, b) }
func (g *graph) greater(a, b uintptr) uintptr  { return g.op2("mlx_greater", g.rt.l.greater, a, b) }
func (g *graph) transpose(a uintptr) uintptr   { return g.op1("mlx_transpose", g.rt.l.transpose, a) }
func (g *graph) isnan(a uintptr) uintptr       { return g.op1("mlx_isnan", g.rt.l.isnan, a) }
func (g *graph) abs(a uintptr) uintptr         { return g.op1("mlx_abs", g.rt.l.abs, a) }
func (g *graph) erf(a uintptr) uintptr         { return g.op1("mlx_erf", g.rt.l.erf, a) }
func (g *graph) sigmoid(a uintptr) uintptr     { return g.op1("mlx_sigmoid", g.rt.l.sigmoid, a) }
func (g *graph) tanh(a uintptr) uintptr        { return g.op1("mlx_tanh", g.rt.l.tanh, a) }

func (g *graph) where(cond, x, y uintptr) uintptr {
	if g.err != nil {
		return 0
	}
	res := g.rt.l.arrayNew()
	return g.track("mlx_where", g.rt.l.where(&res, cond, x, y, g.rt.stream), res)
}

func (g *graph) clip(a, lo, hi uintptr) uintptr {
	if g.err != nil {
		return 0
	}
	res := g.rt.l.arrayNew()
	return g.track("mlx_clip", g.rt.l.clip(&res, a, lo, hi, g.rt.stream), res)
}

func (g *graph) astype(a uintptr, dtype int32) uintptr {
	if g.err != nil {
		return 0
	}
	res := g.rt.l.arrayNew()
	return g.track("mlx_astype", g.rt.l.astype(&res, a, dtype, g.rt.stream), res)
}

func (g *graph) maxAxis(a uintptr, axis int, keepdims bool) uintptr {
	if g.err != nil {
		return 0
	}
	res := g.rt.l.arrayNew()
	return g.track("mlx_max_axis", g.rt.l.maxAxis(&res, a, int32(axis), keepdims, g.rt.stream), res)
}

func (g *graph) round(a uintptr) uintptr {
	if g.err != nil {
		return 0
	}
	res := g.rt.l.arrayNew()
	return g.track("mlx_round", g.rt.l.round(&res, a, 0, g.rt.stream), res)
}

// quantizedMatmul is x·Wᵀ with W in MLX's affine layout: w[n,k] =
// scales[n,k/gs]·q + biases[n,k/gs], q packed bits to a uint32, low first.
func (g *graph) quantizedMatmul(x, w, scales, biases uintptr, groupSize, bits int) uintptr {
	if g.err != nil {
		return 0
	}
	res := g.rt.l.arrayNew()
	rc := g.rt.l.quantizedMatmul(&res, x, w, scales, biases, true, optInt(groupSize), optInt(bits), "affine", g.rt.stream)
	return g.track("mlx_quantized_matmul", rc, res)
}

// scalar makes a 0-d float32 array.
func (g *graph) scalar(v float32) uintptr {
	if g.err != nil {
		return 0
	}
	a := g.rt.l.arrayNewFloat32(v)
	if err := checkHandle("mlx_array_new_float32", a); err != nil {
		g.err = err
		return 0
	}
	g.own = append(g.own, a)
	return a
}

// ints converts a shape or index list to C ints and returns a pointer to
// the first (nil for none) and the count.
func ints(v []int) (*int32, uintptr) {
	if len(v) == 0 {
		return nil, 0
	}
	c := make([]int32, len(v))
	for i, x := range v {
		c[i] = int32(x)
	}
	return &c[0], uintptr(len(c))
}

// reshape views a with a new shape (a copy where a is not contiguous).
func (g *graph) reshape(a uintptr, shape ...int) uintptr {
	if g.err != nil {
		return 0
	}
	p, n := ints(shape)
	res := g.rt.l.arrayNew()
	return g.track("mlx_reshape", g.rt.l.reshape(&res, a, p, n, g.rt.stream), res)
}

// transposeAxes permutes a's axes.
func (g *graph) transposeAxes(a uintptr, axes ...int) uintptr {
	if g.err != nil {
		return 0
	}
	p, n := ints(axes)
	res := g.rt.l.arrayNew()
	return g.track("mlx_transpose_axes", g.rt.l.transposeAxes(&res, a, p, n, g.rt.stream), res)
}

// slice is a[start:stop] over every axis, stride 1.
func (g *graph) slice(a uintptr, start, stop []int) uintptr {
	if g.err != nil {
		return 0
	}
	ps, ns, pe, ne, pk, nk := bounds(start, stop)
	res := g.rt.l.arrayNew()
	return g.track("mlx_slice", g.rt.l.slice(&res, a, ps, ns, pe, ne, pk, nk, g.rt.stream), res)
}

// sliceUpdate is src with src[start:stop] replaced by upd.
func (g *graph) sliceUpdate(src, upd uintptr, start, stop []int) uintptr {
	if g.err != nil {
		return 0
	}
	ps, ns, pe, ne, pk, nk := bounds(start, stop)
	res := g.rt.l.arrayNew()
	return g.track("mlx_slice_update", g.rt.l.sliceUpdate(&res, src, upd, ps, ns, pe, ne, pk, nk, g.rt.stream), res)
}

// bounds are the C arguments of a slice: start, stop and unit strides.
func bounds(start, stop []int) (ps *int32, ns uintptr, pe *int32, ne uintptr, pk *int32, nk uintptr) {
	one := make([]int, len(start))
	for i := range one {
		one[i] = 1
	}
	ps, ns = ints(start)
	pe, ne = ints(stop)
	pk, nk = ints(one)
	return
}

// padEnd appends n copies of val (a scalar) to axis of a.
func (g *graph) padEnd(a uintptr, axis, n int, val uintptr) uintptr {
	if g.err != nil {
		return 0
	}
	pa, na := ints([]int{axis})
	pl, nl := ints([]int{0})
	ph, nh := ints([]int{n})
	res := g.rt.l.arrayNew()
	return g.track("mlx_pad", g.rt.l.pad(&res, a, pa, na, pl, nl, ph, nh, val, "constant", g.rt.stream), res)
}

// concat joins arrs along axis.
func (g *graph) concat(axis int, arrs ...uintptr) uintptr {
	if g.err != nil {
		return 0
	}
	l := g.rt.l
	vec := l.vectorArrayNew()
	defer l.vectorArrayFree(vec)
	for _, a := range arrs {
		if err := check("mlx_vector_array_append_value", l.vectorArrayAppend(vec, a)); err != nil {
			g.err = err
			return 0
		}
	}
	res := l.arrayNew()
	return g.track("mlx_concatenate_axis", l.concatenateAxis(&res, vec, int32(axis), g.rt.stream), res)
}

// take gathers the entries of a at idx along axis.
func (g *graph) take(a, idx uintptr, axis int) uintptr {
	if g.err != nil {
		return 0
	}
	res := g.rt.l.arrayNew()
	return g.track("mlx_take_axis", g.rt.l.takeAxis(&res, a, idx, int32(axis), g.rt.stream), res)
}

func (g *graph) subtract(a, b uintptr) uintptr { return g.op2("mlx_subtract", g.rt.l.subtract, a, b) }

// zeros makes a zeroed array.
func (g *graph) zeros(dtype int32, shape ...int) uintptr {
	if g.err != nil {
		return 0
	}
	p, n := ints(shape)
	res := g.rt.l.arrayNew()
	return g.track("mlx_zeros", g.rt.l.zeros(&res, p, n, dtype, g.rt.stream), res)
}

// rmsNorm is MLX's fused x·w/√(mean(x²)+eps) over the last axis.
func (g *graph) rmsNorm(x, w uintptr, eps float32) uintptr {
	if g.err != nil {
		return 0
	}
	res := g.rt.l.arrayNew()
	return g.track("mlx_fast_rms_norm", g.rt.l.fastRMSNorm(&res, x, w, eps, g.rt.stream), res)
}

// attention is MLX's fused softmax(q·kᵀ·scale)·v, grouped-query where k
// and v have fewer heads; causal masks key j > query i + (keys − queries).
func (g *graph) attention(q, k, v uintptr, scale float32, causal bool) uintptr {
	if g.err != nil {
		return 0
	}
	mode := ""
	if causal {
		mode = "causal"
	}
	res := g.rt.l.arrayNew()
	return g.track("mlx_fast_scaled_dot_product_attention", g.rt.l.fastSDPA(&res, q, k, v, scale, mode, 0, 0, g.rt.stream), res)
}

// evalAll evaluates arrs together, as one graph.
func (g *graph) evalAll(arrs []uintptr) {
	if g.err != nil || len(arrs) == 0 {
		return
	}
	l := g.rt.l
	vec := l.vectorArrayNew()
	defer l.vectorArrayFree(vec)
	for _, a := range arrs {
		if err := check("mlx_vector_array_append_value", l.vectorArrayAppend(vec, a)); err != nil {
			g.err = err
			return
		}
	}
	g.err = check("mlx_eval", l.eval(vec))
}

// dtypeOf maps a Go element type to its mlx_dtype.
func dtypeOf[T int8 | uint32 | int32 | float32]() int32 {
	var z T
	switch any(z).(type) {
	case int8:
		return dtInt8
	case uint32:
		return dtUint32
	case int32:
		return dtInt32
	}
	return dtFloat32
}

// upload copies s into a new MLX array of the given shape.
func upload[T int8 | uint32 | int32 | float32](g *graph, s []T, shape ...int) uintptr {
	if g.err != nil {
		return 0
	}
	n := 1
	dims := make([]int32, len(shape))
	for i, d := range shape {
		n *= d
		dims[i] = int32(d)
	}
	if len(s) < n || n == 0 {
		g.err = fmt.Errorf("mlx: upload of %d elements as shape %v", len(s), shape)
		return 0
	}
	for _, d := range shape {
		if d > 1<<31-1 {
			g.err = fmt.Errorf("mlx: dimension %d exceeds MLX's int shape", d)
			return 0
		}
	}
	a := g.rt.l.arrayNewData(unsafe.Pointer(&s[0]), &dims[0], int32(len(dims)), dtypeOf[T]())
	runtime.KeepAlive(s)
	if err := checkHandle("mlx_array_new_data", a); err != nil {
		g.err = err
		return 0
	}
	g.own = append(g.own, a)
	return a
}

// eval evaluates arrays, waiting for the device.
func (g *graph) eval(arrs ...uintptr) {
	for _, a := range arrs {
		if g.err != nil {
			return
		}
		g.err = check("mlx_array_eval", g.rt.l.arrayEval(a))
	}
}

// keep removes arrs from the arrays release frees and returns them; the
// caller frees them later with freeArrays.
func (g *graph) keep(arrs ...uintptr) []uintptr {
	for _, a := range arrs {
		for i, o := range g.own {
			if o == a {
				g.own = append(g.own[:i], g.own[i+1:]...)
				break
			}
		}
	}
	return arrs
}

// release frees every array the graph still owns and returns its error.
func (g *graph) release() error {
	err := g.err
	if e := freeArrays(g.rt.l, g.own); err == nil {
		err = e
	}
	g.own = nil
	return err
}

func freeArrays(l *lib, arrs []uintptr) error {
	var errs []error
	for _, a := range arrs {
		if a != 0 {
			errs = append(errs, check("mlx_array_free", l.arrayFree(a)))
		}
	}
	return errors.Join(errs...)
}

// readFloat32 copies an evaluated float32 array into dst.
func readFloat32(l *lib, a uintptr, dst []float32) error {
	if err := checkSize(l, a, dtFloat32, len(dst)); err != nil {
		return err
	}
	p := l.arrayDataFloat32(a)
	if p == nil {
		return check("mlx_array_data_float32", 1)
	}
	copy(dst, unsafe.Slice(p, len(dst)))
	return nil
}

// readInt8 copies an evaluated int8 array into dst.
func readInt8(l *lib, a uintptr, dst []int8) error {
	if err := checkSize(l, a, dtInt8, len(dst)); err != nil {
		return err
	}
	p := l.arrayDataInt8(a)
	if p == nil {
		return check("mlx_array_data_int8", 1)
	}
	copy(dst, unsafe.Slice(p, len(dst)))
	return nil
}

func checkSize(l *lib, a uintptr, dtype int32, n int) error {
	if a == 0 {
		return errors.New("mlx: no result to fetch (Run has not succeeded)")
	}
	if got := l.arrayDtype(a); got != dtype {
		return fmt.Errorf("mlx: result has dtype %d, want %d", got, dtype)
	}
	if got := l.arraySize(a); got != uint64(n) {
		return fmt.Errorf("mlx: result has %d elements, want %d", got, n)
	}
	return nil
}
