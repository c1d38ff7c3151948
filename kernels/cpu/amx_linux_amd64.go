package cpu

import (
	"fmt"
	"sync"

	"github.com/klauspost/cpuid/v2"
	"golang.org/x/sys/unix"
)

// Linux hands a process the AMX tile data state (8 KiB of registers) only
// once it asks (arch/x86/include/uapi/asm/prctl.h); the grant is for the
// whole process, every thread.
const (
	archReqXcompPerm  = 0x1023
	xfeatureXTileData = 18
)

// amxUnavailable says why the CPU or Linux rules AMX-INT8 out, or ""
// once Linux has granted the tile data state (asked once a process).
var amxUnavailable = sync.OnceValue(func() string {
	if !cpuid.CPU.Supports(cpuid.AMXTILE, cpuid.AMXINT8) {
		return "this CPU has no AMX-INT8 (cpuid: AMX-TILE and AMX-INT8 not both present)"
	}
	if !cpuid.CPU.Supports(cpuid.AVX512F, cpuid.AVX512BW, cpuid.AVX512VNNI) {
		return "this CPU has AMX-INT8 but not AVX-512 VNNI, which the AMX level's other loops are"
	}
	if _, _, errno := unix.Syscall(unix.SYS_ARCH_PRCTL, archReqXcompPerm, xfeatureXTileData, 0); errno != 0 {
		return fmt.Sprintf("the CPU has AMX-INT8 but Linux refused the tile data state (arch_prctl ARCH_REQ_XCOMP_PERM: %v)", errno)
	}
	return ""
})
