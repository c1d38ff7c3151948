//go:build linux

package probe

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"github.com/ebitengine/purego"
)

// NVML, loaded at run time with purego (no cgo), gives NVIDIA GPUs' total
// energy (Volta and later), power, temperature and clocks.

func init() { register("nvml", "energy", openNVML) }

// NVML return codes and enums used here (nvml.h).
const (
	nvmlSuccess         = 0
	nvmlTemperatureGPU  = 0
	nvmlClockSM         = 1
	nvmlClockMem        = 2
	nvmlNotSupported    = 3
	nvmlDeviceNameBytes = 96
)

type nvmlLib struct {
	init          func() int32
	shutdown      func() int32
	errorString   func(int32) string
	deviceCount   func(*uint32) int32
	handleByIndex func(uint32, *uintptr) int32
	deviceName    func(uintptr, *byte, uint32) int32
	totalEnergy   func(uintptr, *uint64) int32 // millijoules since driver load
	powerUsage    func(uintptr, *uint32) int32 // milliwatts
	temperature   func(uintptr, int32, *uint32) int32
	clockInfo     func(uintptr, int32, *uint32) int32
	driverVersion func(*byte, uint32) int32
	// clockEvents is nvmlDeviceGetCurrentClocksEventReasons (or its older
	// name, ...ThrottleReasons); nil where the library has neither.
	clockEvents func(uintptr, *uint64) int32
}

var (
	nvmlOnce sync.Once
	nvml     *nvmlLib
	nvmlErr  error
)

// nvmlPaths are tried in order; NVML_LIBRARY overrides them.
func nvmlPaths() []string {
	if p := os.Getenv("NVML_LIBRARY"); p != "" {
		return []string{p}
	}
	paths := []string{"libnvidia-ml.so.1"}
	for _, dir := range []string{"/usr/local/nvidia/lib64", "/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib/aarch64-linux-gnu"} {
		paths = append(paths, filepath.Join(dir, "libnvidia-ml.so.1"))
	}
	return paths
}

func loadNVML() (*nvmlLib, error) {
	nvmlOnce.Do(func() {
		var h uintptr
		paths := nvmlPaths()
		var firstErr string
		for _, p := range paths {
			var err error
			if h, err = purego.Dlopen(p, purego.RTLD_NOW|purego.RTLD_GLOBAL); err == nil {
				break
			}
			if firstErr == "" && err.Error() != "" {
				firstErr = ": " + err.Error()
			}
		}
		if h == 0 {
			nvmlErr = fmt.Errorf("NVML not loaded: no NVIDIA driver library (tried %s; set NVML_LIBRARY to its path)%s",
				strings.Join(paths, ", "), firstErr)
			return
		}
		l := &nvmlLib{}
		for _, f := range []struct {
			fn   any
			name string
		}{
			{&l.init, "nvmlInit_v2"}, {&l.shutdown, "nvmlShutdown"}, {&l.errorString, "nvmlErrorString"},
			{&l.deviceCount, "nvmlDeviceGetCount_v2"}, {&l.handleByIndex, "nvmlDeviceGetHandleByIndex_v2"},
			{&l.deviceName, "nvmlDeviceGetName"}, {&l.totalEnergy, "nvmlDeviceGetTotalEnergyConsumption"},
			{&l.powerUsage, "nvmlDeviceGetPowerUsage"}, {&l.temperature, "nvmlDeviceGetTemperature"},
			{&l.clockInfo, "nvmlDeviceGetClockInfo"}, {&l.driverVersion, "nvmlSystemGetDriverVersion"},
		} {
			sym, err := purego.Dlsym(h, f.name)
			if err != nil {
				nvmlErr = fmt.Errorf("NVML lacks %s: %v", f.name, err)
				return
			}
			purego.RegisterFunc(f.fn, sym)
		}
		for _, name := range []string{"nvmlDeviceGetCurrentClocksEventReasons", "nvmlDeviceGetCurrentClocksThrottleReasons"} {
			if sym, err := purego.Dlsym(h, name); err == nil {
				purego.RegisterFunc(&l.clockEvents, sym)
				break
			}
		}
		if rc := l.init(); rc != nvmlSuccess {
			nvmlErr = fmt.Errorf("nvmlInit failed: %s (code %d)", l.errorString(rc), rc)
			return
		}
		nvml = l
	})
	return nvml, nvmlErr
}

// GPU describes one NVIDIA GPU seen through NVML.
type GPU struct {
	Index  int    `json:"index"`
	Name   string `json:"name"`
	Driver string `json:"driver"`
}

// NVIDIAGPUs lists the GPUs NVML sees, or why it cannot.
func NVIDIAGPUs() ([]GPU, error) {
	l, err := loadNVML()
	if err != nil {
		return nil, err
	}
	var n uint32
	if rc := l.deviceCount(&n); rc != nvmlSuccess {
		return nil, fmt.Errorf("nvmlDeviceGetCount: %s", l.errorString(rc))
	}
	drv := make([]byte, 80)
	l.driverVersion(&drv[0], uint32(len(drv)))
	var gpus []GPU
	for i := uint32(0); i < n; i++ {
		var h uintptr
		if rc := l.handleByIndex(i, &h); rc != nvmlSuccess {
			return gpus, fmt.Errorf("nvmlDeviceGetHandleByIndex(%d): %s", i, l.errorString(rc))
		}
		name := make([]byte, nvmlDeviceNameBytes)
		l.deviceName(h, &name[0], uint32(len(name)))
		gpus = append(gpus, GPU{Index: int(i), Name: cstr(name), Driver: cstr(drv)})
	}
	return gpus, nil
}

type nvmlDevice struct {
	name     string // channel prefix: gpu0
	h        uintptr
	energyOK bool
	powerOK  bool
	eventsOK bool // clock-event reasons readable
}

type nvmlSource struct {
	l    *nvmlLib
	devs []nvmlDevice
}

func openNVML() (Source, []string, error) {
	l, err := loadNVML()
	if err != nil {
		return nil, nil, err
	}
	var n uint32
	if rc := l.deviceCount(&n); rc != nvmlSuccess {
		return nil, nil, fmt.Errorf("nvmlDeviceGetCount: %s", l.errorString(rc))
	}
	if n == 0 {
		return nil, nil, fmt.Errorf("NVML loaded but sees no GPU")
	}
	s := &nvmlSource{l: l}
	var channels []string
	for i := uint32(0); i < n; i++ {
		var h uintptr
		if rc := l.handleByIndex(i, &h); rc != nvmlSuccess {
			return nil, nil, fmt.Errorf("nvmlDeviceGetHandleByIndex(%d): %s", i, l.errorString(rc))
		}
		d := nvmlDevice{name: fmt.Sprintf("gpu%d", i), h: h}
		var mj uint64
		d.energyOK = l.totalEnergy(h, &mj) == nvmlSuccess
		var mw uint32
		d.powerOK = l.powerUsage(h, &mw) == nvmlSuccess
		if d.energyOK {
			channels = append(channels, d.name)
		}
		if d.powerOK {
			channels = append(channels, d.name+" power")
		}
		if l.clockEvents != nil {
			var bits uint64
			d.eventsOK = l.clockEvents(h, &bits) == nvmlSuccess
		}
		if d.eventsOK {
			channels = append(channels, d.name+" clock-event reasons")
		}
		channels = append(channels, d.name+" temp", d.name+" sm clock", d.name+" mem clock")
		s.devs = append(s.devs, d)
	}
	return s, channels, nil
}

func (s *nvmlSource) Name() string { return "nvml" }

func (s *nvmlSource) Read() (Reading, error) {
	var r Reading
	for _, d := range s.devs {
		if d.energyOK {
			var mj uint64
			if rc := s.l.totalEnergy(d.h, &mj); rc != nvmlSuccess {
				return r, fmt.Errorf("nvmlDeviceGetTotalEnergyConsumption(%s): %s", d.name, s.l.errorString(rc))
			}
			r.set(&r.EnergyJ, d.name, float64(mj)/1e3)
		}
		if d.powerOK {
			var mw uint32
			if s.l.powerUsage(d.h, &mw) == nvmlSuccess {
				r.set(&r.PowerW, d.name, float64(mw)/1e3)
			}
		}
		var v uint32
		if s.l.temperature(d.h, nvmlTemperatureGPU, &v) == nvmlSuccess {
			r.set(&r.TempC, d.name, float64(v))
		}
		if s.l.clockInfo(d.h, nvmlClockSM, &v) == nvmlSuccess {
			r.set(&r.ClockMHz, d.name+" sm", float64(v))
		}
		if s.l.clockInfo(d.h, nvmlClockMem, &v) == nvmlSuccess {
			r.set(&r.ClockMHz, d.name+" mem", float64(v))
		}
		if d.eventsOK {
			var bits uint64
			if s.l.clockEvents(d.h, &bits) == nvmlSuccess {
				if r.ClockEvents == nil {
					r.ClockEvents = map[string]uint64{}
				}
				r.ClockEvents[d.name] = bits
			}
		}
	}
	return r, nil
}

// Close leaves NVML initialised: it is process-wide and other users
// (NVIDIAGPUs, a later sampler) may still need it.
func (s *nvmlSource) Close() error { return nil }
