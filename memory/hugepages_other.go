//go:build !linux

package memory

import "runtime"

// hugePageSize is only the alignment of large regions where the OS offers
// no transparent huge pages to ask for.
const hugePageSize = 2 << 20

func adviseHuge([]byte) {}

// HugePages says that this OS has no transparent huge pages to advise.
func HugePages() (mode string, ok bool) {
	return "unavailable: no transparent huge pages on " + runtime.GOOS, false
}
