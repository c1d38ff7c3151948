//go:build darwin

package metal

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/ebitengine/purego"
	"github.com/ebitengine/purego/objc"
)

// Metal.framework is loaded with purego and driven by Objective-C messages
// through purego/objc, so the binary needs no cgo and runs, reporting the
// backend unavailable, on a Mac without a usable GPU. Only
// MTLCreateSystemDefaultDevice and MTLCopyAllDevices are C functions;
// everything else is a message send.
//
// This file is built for darwin in CI (GOOS=darwin go vet) but cannot run
// there: it is exercised only on a Mac, by the GPU tests in metal_test.go.

const (
	foundationPath   = "/System/Library/Frameworks/Foundation.framework/Foundation"
	metalPath        = "/System/Library/Frameworks/Metal.framework/Metal"
	coreGraphicsPath = "/System/Library/Frameworks/CoreGraphics.framework/CoreGraphics"

	familyApple1 = 1001 // MTLGPUFamilyApple1; AppleN is 1000+N
	familyMac2   = 2002 // MTLGPUFamilyMac2
	mathModeSafe = 0    // MTLMathModeSafe: no fast-math transformations

	mathFunctionsPrecise = 1 // MTLMathFloatingPointFunctionsPrecise
)

// Classes live in the frameworks, so they are looked up once these are
// loaded (openDevice); selectors are only interned names.
var classPool, classString, classCompileOptions objc.Class

var (
	selNew              = objc.RegisterName("new")
	selRetain           = objc.RegisterName("retain")
	selRelease          = objc.RegisterName("release")
	selDrain            = objc.RegisterName("drain")
	selResponds         = objc.RegisterName("respondsToSelector:")
	selStringWithUTF8   = objc.RegisterName("stringWithUTF8String:")
	selUTF8String       = objc.RegisterName("UTF8String")
	selLocalizedDesc    = objc.RegisterName("localizedDescription")
	selCount            = objc.RegisterName("count")
	selObjectAtIndex    = objc.RegisterName("objectAtIndex:")
	selName             = objc.RegisterName("name")
	selSupportsFamily   = objc.RegisterName("supportsFamily:")
	selHasUnifiedMemory = objc.RegisterName("hasUnifiedMemory")
	selWorkingSet       = objc.RegisterName("recommendedMaxWorkingSetSize")
	selNewCommandQueue  = objc.RegisterName("newCommandQueue")
)

// withPool runs f in an autorelease pool on one locked OS thread (a pool
// belongs to its thread), so the autoreleased objects f receives (strings,
// errors, command buffers, encoders) are freed when it returns.
func withPool(f func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	pool := objc.ID(classPool).Send(selNew)
	defer pool.Send(selDrain)
	f()
}

// nsString returns an autoreleased NSString copy of s.
func nsString(s string) objc.ID { return objc.ID(classString).Send(selStringWithUTF8, s) }

// goString copies an NSString.
func goString(s objc.ID) string {
	if s == 0 {
		return ""
	}
	return objc.Send[string](s, selUTF8String)
}

// nsErrorText is an NSError's localizedDescription.
func nsErrorText(err objc.ID) string {
	if err == 0 {
		return "no NSError given"
	}
	return goString(err.Send(selLocalizedDesc))
}

func responds(id objc.ID, sel objc.SEL) bool { return objc.Send[bool](id, selResponds, sel) }

// device is the process-wide default Metal device with its command queue;
// it is never released.
type device struct {
	dev, queue objc.ID
	name       string
	family     string // "apple9", "mac2", ...: the Level
	apple      int    // highest MTLGPUFamilyAppleN supported, 0 for none
	mac2       bool   // supports MTLGPUFamilyMac2
	unified    bool
	workingSet uint64

	libOnce sync.Once
	lib     objc.ID
	libErr  error

	pipeMu sync.Mutex
	pipes  map[string]*pipeline
}

// getDevice loads Metal and opens the default device once per process.
var getDevice = sync.OnceValues(openDevice)

func openDevice() (*device, error) {
	// Without CoreGraphics loaded, a command-line process gets no default
	// device (MTLCreateSystemDefaultDevice documentation); not fatal, as
	// MTLCopyAllDevices does not need it.
	_, _ = purego.Dlopen(coreGraphicsPath, purego.RTLD_NOW|purego.RTLD_GLOBAL)
	if _, err := purego.Dlopen(foundationPath, purego.RTLD_NOW|purego.RTLD_GLOBAL); err != nil {
		return nil, fmt.Errorf("metal: Foundation.framework not loaded: %v", err)
	}
	h, err := purego.Dlopen(metalPath, purego.RTLD_NOW|purego.RTLD_GLOBAL)
	if err != nil {
		return nil, fmt.Errorf("metal: Metal.framework not loaded: %v", err)
	}
	classPool, classString = objc.GetClass("NSAutoreleasePool"), objc.GetClass("NSString")
	classCompileOptions = objc.GetClass("MTLCompileOptions")
	if classPool == 0 || classString == 0 || classCompileOptions == 0 {
		return nil, fmt.Errorf("metal: Objective-C classes NSAutoreleasePool, NSString or MTLCompileOptions not found after loading the frameworks")
	}
	var createDefault, copyAll func() objc.ID
	for _, s := range []struct {
		fn   *func() objc.ID
		name string
	}{{&createDefault, "MTLCreateSystemDefaultDevice"}, {&copyAll, "MTLCopyAllDevices"}} {
		sym, err := purego.Dlsym(h, s.name)
		if err != nil {
			return nil, fmt.Errorf("metal: Metal.framework lacks %s: %v", s.name, err)
		}
		purego.RegisterFunc(s.fn, sym)
	}
	d := &device{pipes: map[string]*pipeline{}}
	withPool(func() {
		d.dev = createDefault() // +1, released never
		if d.dev == 0 {
			all := copyAll() // +1 NSArray
			if all != 0 {
				if objc.Send[uint64](all, selCount) > 0 {
					d.dev = all.Send(selObjectAtIndex, uint64(0)).Send(selRetain)
				}
				all.Send(selRelease)
			}
		}
		if d.dev == 0 {
			return
		}
		d.name = goString(d.dev.Send(selName))
		d.unified = objc.Send[bool](d.dev, selHasUnifiedMemory)
		d.workingSet = objc.Send[uint64](d.dev, selWorkingSet)
		d.gpuFamily()
	})
	if d.dev == 0 {
		return nil, fmt.Errorf("metal: no Metal device (MTLCreateSystemDefaultDevice and MTLCopyAllDevices found none; a VM or a headless session without GPU access?)")
	}
	if d.apple < 7 && !d.mac2 {
		return nil, fmt.Errorf("metal: %s is GPU family %s; the kernels need SIMD-group reductions (Apple7 or Mac2: any Apple-silicon or recent Intel Mac)", d.name, d.family)
	}
	d.queue = d.dev.Send(selNewCommandQueue)
	if d.queue == 0 {
		return nil, fmt.Errorf("metal: %s: newCommandQueue failed", d.name)
	}
	return d, nil
}

// gpuFamily finds the highest Apple family the device supports and
// whether it supports Mac2; the level names the Apple family if any, else
// "mac2", else "metal" (supportsFamily: needs macOS 10.15).
func (d *device) gpuFamily() {
	d.family = "metal"
	if !responds(d.dev, selSupportsFamily) {
		return
	}
	d.mac2 = objc.Send[bool](d.dev, selSupportsFamily, int64(familyMac2))
	if d.mac2 {
		d.family = "mac2"
	}
	for n := 10; n >= 1; n-- {
		if objc.Send[bool](d.dev, selSupportsFamily, int64(familyApple1+n-1)) {
			d.apple, d.family = n, fmt.Sprintf("apple%d", n)
			return
		}
	}
}

func (d *device) describe() string {
	mem := "discrete memory"
	if d.unified {
		mem = "unified memory"
	}
	return fmt.Sprintf("%s, %s, %s, %.1f GiB working set", d.name, d.family, mem, float64(d.workingSet)/(1<<30))
}
