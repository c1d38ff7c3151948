package cpu

import (
	"fmt"

	"github.com/klauspost/cpuid/v2"
	"golang.org/x/sys/unix"
)

// Linux hands a process the AMX tile data state (8 KiB of registers) only
// once it asks (arch/x86/include/uapi/asm/prctl.h).
const (
	archReqXcompPerm  = 0x1023
	xfeatureXTileData = 18
)

func amxUnavailable() string {
	if !cpuid.CPU.Supports(cpuid.AMXTILE, cpuid.AMXINT8) {
		return "this CPU has no AMX-INT8 (cpuid: AMX-TILE and AMX-INT8 not both present)"
	}
	if _, _, errno := unix.Syscall(unix.SYS_ARCH_PRCTL, archReqXcompPerm, xfeatureXTileData, 0); errno != 0 {
		return fmt.Sprintf("the CPU has AMX-INT8 but Linux refused the tile data state (arch_prctl ARCH_REQ_XCOMP_PERM: %v)", errno)
	}
	return "the CPU has AMX-INT8 and Linux grants the tile data state, but no AMX kernel is implemented (none could be tested on the machines this was built on)"
}
