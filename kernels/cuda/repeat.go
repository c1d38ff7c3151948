package cuda

import (
	"fmt"
	"time"
)

// repeatN is how many copies of a kernel's launches one replay graph
// holds: one cuGraphLaunch (a few µs of host time) then covers repeatN
// runs, so the host stays ahead of kernels of 3 µs and the GPU runs them
// back to back.
const repeatN = 32

// RunN runs the kernel n times as one submission: the replay graph
// n/repeatN times and the rest as plain launches, all on the kernel's own
// stream between two events, then one wait. DeviceTime is then the GPU
// time of all n runs. The results are those of one Run: every run of an op
// reads only its inputs.
func (k *kernel) RunN(n int) error {
	if n < 1 {
		return fmt.Errorf("cuda: RunN(%d): want at least one run", n)
	}
	d := k.d
	return d.th.Do(func() error {
		drv := d.drv
		if k.exec == 0 && n >= repeatN {
			if err := k.captureReplay(); err != nil {
				return err
			}
		}
		if k.stream == 0 {
			if err := drv.check("cuStreamCreate", drv.cuStreamCreate(&k.stream, 1)); err != nil { // non-blocking
				return err
			}
		}
		if err := drv.check("cuEventRecord", drv.cuEventRecord(k.start, k.stream)); err != nil {
			return err
		}
		left := n
		for ; k.exec != 0 && left >= repeatN; left -= repeatN {
			if err := drv.check("cuGraphLaunch", drv.cuGraphLaunch(k.exec, k.stream)); err != nil {
				return err
			}
		}
		for ; left > 0; left-- {
			for _, l := range k.launches {
				if err := d.enqueueOn(l, k.stream); err != nil {
					return err
				}
			}
		}
		if err := drv.check("cuEventRecord", drv.cuEventRecord(k.stop, k.stream)); err != nil {
			return err
		}
		if err := drv.check("cuEventSynchronize", drv.cuEventSynchronize(k.stop)); err != nil {
			return err
		}
		var ms float32
		if err := drv.check("cuEventElapsedTime", drv.cuEventElapsedTime(&ms, k.start, k.stop)); err != nil {
			return err
		}
		k.last = time.Duration(float64(ms) * 1e6)
		return nil
	})
}

// captureReplay records repeatN copies of the launches into a graph on the
// kernel's stream. Call on the CUDA thread.
func (k *kernel) captureReplay() error {
	drv := k.d.drv
	if k.stream == 0 {
		if err := drv.check("cuStreamCreate", drv.cuStreamCreate(&k.stream, 1)); err != nil {
			return err
		}
	}
	if err := drv.check("cuStreamBeginCapture", drv.cuStreamBeginCapture(k.stream, 1)); err != nil { // thread-local mode
		return err
	}
	var err error
	for range repeatN {
		for _, l := range k.launches {
			if err = k.d.enqueueOn(l, k.stream); err != nil {
				break
			}
		}
	}
	var g uintptr
	endErr := drv.check("cuStreamEndCapture", drv.cuStreamEndCapture(k.stream, &g))
	if err == nil {
		err = endErr
	}
	if err != nil {
		if g != 0 {
			drv.cuGraphDestroy(g)
		}
		return err
	}
	k.graph = g
	return drv.check("cuGraphInstantiate", drv.cuGraphInstantiateWithFlags(&k.exec, g, 0))
}

// closeReplay destroys the replay graph and stream.
func (k *kernel) closeReplay() error {
	if k.stream == 0 && k.graph == 0 {
		return nil
	}
	return k.d.th.Do(func() error {
		drv := k.d.drv
		var first error
		if k.exec != 0 {
			first = drv.check("cuGraphExecDestroy", drv.cuGraphExecDestroy(k.exec))
			k.exec = 0
		}
		if k.graph != 0 {
			if err := drv.check("cuGraphDestroy", drv.cuGraphDestroy(k.graph)); first == nil {
				first = err
			}
			k.graph = 0
		}
		if k.stream != 0 {
			if err := drv.check("cuStreamDestroy", drv.cuStreamDestroy(k.stream)); first == nil {
				first = err
			}
			k.stream = 0
		}
		return first
	})
}
