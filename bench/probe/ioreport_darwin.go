//go:build darwin

package probe

import (
	"fmt"
	"sync"

	"github.com/ebitengine/purego"
)

// macOS energy through IOReport (libIOReport.dylib, private but stable API
// used by powermetrics-style tools), loaded with purego: no cgo. The
// "Energy Model" group reports energy per interval for the CPU clusters,
// GPU, ANE and DRAM; each Read takes a new sample, adds its delta against
// the previous one to a running total per channel, so channels behave as
// cumulative counters like RAPL's.
//
// This file is built for darwin in CI but cannot run here (no Apple
// hardware); it reports itself unavailable with the reason on any failure.

func init() { register("ioreport", "energy", openIOReport) }

const cfStringEncodingUTF8 = 0x08000100

type ioReportLib struct {
	cfStringCreate func(alloc uintptr, s *byte, enc uint32) uintptr
	cfStringGet    func(s uintptr, buf *byte, size int, enc uint32) bool
	cfDictGet      func(d, key uintptr) uintptr
	cfDictMutCopy  func(alloc uintptr, capacity int, d uintptr) uintptr
	cfArrayCount   func(a uintptr) int
	cfArrayAt      func(a uintptr, i int) uintptr
	cfRelease      func(o uintptr)
	copyChannels   func(group, subgroup uintptr, a, b, c uint64) uintptr
	createSub      func(a, desired uintptr, subbed *uintptr, id uint64, b uintptr) uintptr
	createSamples  func(sub, subbed, a uintptr) uintptr
	samplesDelta   func(prev, cur, a uintptr) uintptr
	intValue       func(ch uintptr, idx int32) int64
	channelName    func(ch uintptr) uintptr
	channelUnit    func(ch uintptr) uintptr
	channelsKeyCF  uintptr
	energyModelCF  uintptr
}

var (
	ioreportOnce sync.Once
	ioreport     *ioReportLib
	ioreportErr  error
)

func loadIOReport() (*ioReportLib, error) {
	ioreportOnce.Do(func() {
		cf, err := purego.Dlopen("/System/Library/Frameworks/CoreFoundation.framework/CoreFoundation", purego.RTLD_NOW|purego.RTLD_GLOBAL)
		if err != nil {
			ioreportErr = fmt.Errorf("IOReport: CoreFoundation not loaded: %v", err)
			return
		}
		ior, err := purego.Dlopen("/usr/lib/libIOReport.dylib", purego.RTLD_NOW|purego.RTLD_GLOBAL)
		if err != nil {
			ioreportErr = fmt.Errorf("IOReport: libIOReport.dylib not loaded: %v", err)
			return
		}
		l := &ioReportLib{}
		for _, f := range []struct {
			lib  uintptr
			fn   any
			name string
		}{
			{cf, &l.cfStringCreate, "CFStringCreateWithCString"}, {cf, &l.cfStringGet, "CFStringGetCString"},
			{cf, &l.cfDictGet, "CFDictionaryGetValue"}, {cf, &l.cfDictMutCopy, "CFDictionaryCreateMutableCopy"},
			{cf, &l.cfArrayCount, "CFArrayGetCount"}, {cf, &l.cfArrayAt, "CFArrayGetValueAtIndex"},
			{cf, &l.cfRelease, "CFRelease"},
			{ior, &l.copyChannels, "IOReportCopyChannelsInGroup"}, {ior, &l.createSub, "IOReportCreateSubscription"},
			{ior, &l.createSamples, "IOReportCreateSamples"}, {ior, &l.samplesDelta, "IOReportCreateSamplesDelta"},
			{ior, &l.intValue, "IOReportSimpleGetIntegerValue"}, {ior, &l.channelName, "IOReportChannelGetChannelName"},
			{ior, &l.channelUnit, "IOReportChannelGetUnitLabel"},
		} {
			sym, err := purego.Dlsym(f.lib, f.name)
			if err != nil {
				ioreportErr = fmt.Errorf("IOReport: missing %s: %v", f.name, err)
				return
			}
			purego.RegisterFunc(f.fn, sym)
		}
		l.channelsKeyCF = l.cfString("IOReportChannels")
		l.energyModelCF = l.cfString("Energy Model")
		ioreport = l
	})
	return ioreport, ioreportErr
}

func (l *ioReportLib) cfString(s string) uintptr {
	b := append([]byte(s), 0)
	return l.cfStringCreate(0, &b[0], cfStringEncodingUTF8)
}

func (l *ioReportLib) goString(cf uintptr) string {
	if cf == 0 {
		return ""
	}
	buf := make([]byte, 256)
	if !l.cfStringGet(cf, &buf[0], len(buf), cfStringEncodingUTF8) {
		return ""
	}
	return cstr(buf)
}

type ioReportSource struct {
	l      *ioReportLib
	sub    uintptr
	subbed uintptr
	prev   uintptr // previous sample (CFDictionary), released when replaced
	total  map[string]float64
}

func openIOReport() (Source, []string, error) {
	l, err := loadIOReport()
	if err != nil {
		return nil, nil, err
	}
	chans := l.copyChannels(l.energyModelCF, 0, 0, 0, 0)
	if chans == 0 {
		return nil, nil, fmt.Errorf("IOReport: no \"Energy Model\" channel group on this Mac")
	}
	desired := l.cfDictMutCopy(0, 0, chans)
	l.cfRelease(chans)
	s := &ioReportSource{l: l, total: map[string]float64{}}
	s.sub = l.createSub(0, desired, &s.subbed, 0, 0)
	if s.sub == 0 || s.subbed == 0 {
		return nil, nil, fmt.Errorf("IOReport: subscription to the Energy Model group failed")
	}
	s.prev = l.createSamples(s.sub, s.subbed, 0)
	if s.prev == 0 {
		return nil, nil, fmt.Errorf("IOReport: first sample failed")
	}
	var names []string
	s.each(s.prev, func(name string, _ float64) { names = append(names, name) })
	if len(names) == 0 {
		return nil, nil, fmt.Errorf("IOReport: the Energy Model group has no energy channels")
	}
	return s, names, nil
}

// each calls fn with every energy channel of a sample and its value in
// joules.
func (s *ioReportSource) each(sample uintptr, fn func(name string, j float64)) {
	arr := s.l.cfDictGet(sample, s.l.channelsKeyCF)
	if arr == 0 {
		return
	}
	for i := 0; i < s.l.cfArrayCount(arr); i++ {
		ch := s.l.cfArrayAt(arr, i)
		scale, ok := joules(s.l.goString(s.l.channelUnit(ch)))
		if !ok {
			continue // not an energy channel
		}
		fn(s.l.goString(s.l.channelName(ch)), float64(s.l.intValue(ch, 0))*scale)
	}
}

func (s *ioReportSource) Name() string { return "ioreport" }

func (s *ioReportSource) Read() (Reading, error) {
	var r Reading
	cur := s.l.createSamples(s.sub, s.subbed, 0)
	if cur == 0 {
		return r, fmt.Errorf("IOReport: sample failed")
	}
	delta := s.l.samplesDelta(s.prev, cur, 0)
	s.l.cfRelease(s.prev)
	s.prev = cur
	if delta == 0 {
		return r, fmt.Errorf("IOReport: sample delta failed")
	}
	defer s.l.cfRelease(delta)
	s.each(delta, func(name string, j float64) { s.total[name] += j })
	for name, j := range s.total {
		r.set(&r.EnergyJ, name, j)
	}
	return r, nil
}

func (s *ioReportSource) Close() error {
	if s.prev != 0 {
		s.l.cfRelease(s.prev)
		s.prev = 0
	}
	return nil
}
