package memory

import (
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// hugePageSize is the transparent huge page size of x86-64 and of arm64
// with 4 KiB base pages.
const hugePageSize = 2 << 20

// adviseHuge asks for transparent huge pages over b. Kernels stream their
// weights from pool memory: with 4 KiB pages a core takes a TLB miss every
// 4 KiB (two-level page walks under a hypervisor), and on the 2-core EPYC
// VM huge pages raise single-thread streaming reads from about 34 to about
// 41 GB/s. It is advice: a kernel built without THP, or one that refuses
// (THP "never"), leaves 4 KiB pages, and nothing else changes.
func adviseHuge(b []byte) { _ = unix.Madvise(b, unix.MADV_HUGEPAGE) }

// HugePages says whether the pool's large regions can get transparent huge
// pages here, from /sys/kernel/mm/transparent_hugepage/enabled: "always" or
// "madvise" (both honour the pool's advice), or why not.
func HugePages() (mode string, ok bool) {
	b, err := os.ReadFile("/sys/kernel/mm/transparent_hugepage/enabled")
	if err != nil {
		return "unavailable: " + err.Error(), false
	}
	return thpMode(string(b))
}

// thpMode reads the sysfs file's contents: the modes, the selected one in
// brackets.
func thpMode(s string) (mode string, ok bool) {
	i, j := strings.IndexByte(s, '['), strings.IndexByte(s, ']')
	if i < 0 || j < i {
		return "unavailable: unrecognised " + strings.TrimSpace(s), false
	}
	mode = s[i+1 : j]
	if mode == "never" {
		return "never (transparent huge pages are switched off)", false
	}
	return mode, true
}
