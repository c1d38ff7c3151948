package cpu

import (
	"fmt"
	"os"
	"slices"
	"strings"
)

// Level names an instruction-set level of this backend.
type Level string

const (
	LevelGeneric Level = "generic"    // portable Go, every machine
	LevelAVX2    Level = "avx2"       // amd64 AVX2 (VPMADDUBSW)
	LevelAVXVNNI Level = "avxvnni"    // amd64 AVX2 + AVX-VNNI (VEX VPDPBUSD, 256-bit) in the GEMM; no AVX-512
	LevelAVX512  Level = "avx512vnni" // amd64 AVX-512 F+BW+VNNI (VPDPBUSD)
	LevelAMX     Level = "amx"        // avx512vnni, BitLinear of ≥ 16 tokens on AMX-INT8 tiles (TDPBSUD); see AMXUnavailable
	LevelNEON    Level = "neon"       // arm64 ASIMD (SMLAL), every arm64 machine
	LevelSDOT    Level = "sdot"       // arm64 ASIMD + FEAT_DotProd (SDOT)
)

// EnvISA is the environment variable that forces the default level.
const EnvISA = "BITNET_ISA"

// levelAliases are the short names BITNET_ISA accepts.
var levelAliases = map[string]Level{
	"generic": LevelGeneric, "purego": LevelGeneric,
	"avx2":    LevelAVX2,
	"avxvnni": LevelAVXVNNI, "avx-vnni": LevelAVXVNNI,
	"avx512": LevelAVX512, "avx512vnni": LevelAVX512,
	"amx": LevelAMX, "amx-int8": LevelAMX,
	"neon": LevelNEON, "asimd": LevelNEON,
	"sdot": LevelSDOT, "dotprod": LevelSDOT,
}

// Levels returns the levels this machine can run, slowest first. Built with
// -tags purego it is only the generic level.
func Levels() []Level { return slices.Clone(supported) }

// Best returns the fastest level this machine can run.
func Best() Level { return supported[len(supported)-1] }

// Supported reports whether this machine (and build) can run level l.
func Supported(l Level) bool { return slices.Contains(supported, l) }

// ParseLevel reads a level name as BITNET_ISA takes it.
func ParseLevel(s string) (Level, error) {
	if l, ok := levelAliases[strings.ToLower(strings.TrimSpace(s))]; ok {
		return l, nil
	}
	return "", fmt.Errorf("unknown ISA level %q: want generic, avx2, avxvnni, avx512, amx, neon or sdot", s)
}

// DefaultLevel is the level of the registered "cpu" backend: BITNET_ISA when
// set, else Best. A forced level the machine lacks is returned with an error
// saying so; the backend then reports itself unavailable rather than
// quietly running another level.
func DefaultLevel() (Level, error) {
	v, ok := os.LookupEnv(EnvISA)
	if !ok || v == "" {
		return Best(), nil
	}
	l, err := ParseLevel(v)
	if err != nil {
		return LevelGeneric, fmt.Errorf("%s: %w", EnvISA, err)
	}
	if !Supported(l) {
		return l, fmt.Errorf("%s=%s: this machine or build cannot run %s (it has %v)", EnvISA, v, l, supported)
	}
	return l, nil
}
