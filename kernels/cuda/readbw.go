package cuda

import (
	"sync"
	"time"
)

// ReadBandwidth is device 0's streaming read rate in bytes per second:
// read_bw (16-byte streaming loads, the kind BitLinear issues) over 1 GiB,
// the best of 5 passes timed with CUDA events. It is what a workload's
// "% of the HBM bound" divides by: measured here, not the datasheet's.
func ReadBandwidth() (float64, error) { return readBandwidthOnce() }

// ReadBandwidth is the package's ReadBandwidth, for callers that hold the
// backend (bench's workloads) rather than import this package.
func (Backend) ReadBandwidth() (float64, error) { return ReadBandwidth() }

var readBandwidthOnce = sync.OnceValues(func() (float64, error) {
	d, err := getDevice()
	if err != nil {
		return 0, err
	}
	const n = 1 << 30
	buf, err := d.alloc(n)
	if err != nil {
		return 0, err
	}
	defer d.free(buf)
	out, err := d.alloc(4)
	if err != nil {
		return 0, err
	}
	defer d.free(out)
	l, err := d.newLaunch("read_bw", [3]uint32{uint32(d.sms * 8), 1, 1}, [3]uint32{256, 1, 1}, buf, int64(n/16), out)
	if err != nil {
		return 0, err
	}
	defer l.release()
	k := &kernel{d: d, launches: []*launch{l}}
	for _, ev := range []*uintptr{&k.start, &k.stop} {
		if err := d.th.Do(func() error { return d.drv.check("cuEventCreate", d.drv.cuEventCreate(ev, eventDefault)) }); err != nil {
			return 0, err
		}
	}
	defer func() { k.launches = nil; k.Close() }()
	best := time.Duration(1 << 62)
	for range 5 {
		if err := k.Run(); err != nil {
			return 0, err
		}
		best = min(best, k.DeviceTime())
	}
	return n / best.Seconds(), nil
})
