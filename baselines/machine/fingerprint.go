// Package machine fingerprints the machine a run was measured on, so that
// runs from different machines are never compared silently.
package machine

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"

	"github.com/bitnet-go/bitnet-bench/baselines/internal/textfmt"
	"github.com/bitnet-go/bitnet-bench/bench/results"
)

// Fingerprint identifies the kind of machine a run was measured on: two runs
// with equal fingerprints are comparable, two with different ones may differ
// because of the machine alone. Empty strings and zeros are unknown (Go
// benchmark text names no ISA level and no core count, only the
// GOMAXPROCS suffix); unknown fields match anything.
type Fingerprint struct {
	OS   string `json:"os,omitempty"`
	Arch string `json:"arch,omitempty"`
	CPU  string `json:"cpu,omitempty"` // processor model as cpuid or go test names it
	// ISA is the fastest instruction-set level the CPU offers, as the
	// kernels name them: generic, avx2, avxvnni, avx512vnni, neon, sdot.
	ISA        string `json:"isa,omitempty"`
	Cores      int    `json:"cores,omitempty"`      // logical cores
	GOMAXPROCS int    `json:"gomaxprocs,omitempty"` // the benchmarks' GOMAXPROCS
}

// Of is the fingerprint of a results.json machine description
// (or of this machine, from probe.Machine).
func Of(m results.Machine) Fingerprint {
	return Fingerprint{
		OS:         m.OS,
		Arch:       m.Arch,
		CPU:        NormalizeCPU(m.CPUModel),
		ISA:        ISALevel(m.Arch, m.CPUFeatures),
		Cores:      m.LogicalCores,
		GOMAXPROCS: m.GOMAXPROCS,
	}
}

// NormalizeCPU collapses runs of blanks: brand strings come padded, and
// cpuid libraries and go test trim them differently.
func NormalizeCPU(s string) string { return strings.Join(strings.Fields(s), " ") }

// ISALevel maps cpuid feature names to the fastest level the kernels have
// code for, with the kernels' own rules (kernels/cpu dispatch): avx512vnni
// needs AVX512F, AVX512BW and AVX512VNNI; avxvnni needs AVX2 and AVXVNNI;
// avx2 needs AVX2; on arm64 sdot needs ASIMDDP and neon is every arm64
// machine. "" when features is empty: nothing is known.
func ISALevel(arch string, features []string) string {
	if len(features) == 0 {
		return ""
	}
	has := func(names ...string) bool {
		for _, n := range names {
			if !slices.Contains(features, n) {
				return false
			}
		}
		return true
	}
	switch arch {
	case "amd64":
		switch {
		case has("AVX512F", "AVX512BW", "AVX512VNNI"):
			return "avx512vnni"
		case has("AVX2", "AVXVNNI"):
			return "avxvnni"
		case has("AVX2"):
			return "avx2"
		}
	case "arm64":
		if has("ASIMDDP") {
			return "sdot"
		}
		return "neon"
	}
	return "generic"
}

// IsZero reports whether nothing at all is known.
func (f Fingerprint) IsZero() bool { return f == Fingerprint{} }

// String is a one-line description: "linux/amd64, AMD EPYC, avx512vnni,
// 2 cores, GOMAXPROCS 2"; unknown fields are left out.
func (f Fingerprint) String() string {
	var parts []string
	if f.OS != "" || f.Arch != "" {
		parts = append(parts, orUnknown(f.OS)+"/"+orUnknown(f.Arch))
	}
	if f.CPU != "" {
		parts = append(parts, f.CPU)
	}
	if f.ISA != "" {
		parts = append(parts, f.ISA)
	}
	if f.Cores > 0 {
		parts = append(parts, textfmt.Plural(f.Cores, "core"))
	}
	if f.GOMAXPROCS > 0 {
		parts = append(parts, fmt.Sprintf("GOMAXPROCS %d", f.GOMAXPROCS))
	}
	if len(parts) == 0 {
		return "unknown machine"
	}
	return strings.Join(parts, ", ")
}

func orUnknown(s string) string {
	if s == "" {
		return "?"
	}
	return s
}

// Key names the fingerprint in a store: a readable prefix and a hash of
// every field, "linux-amd64-avx512vnni-2c-3f2a9c1b04de". Equal fingerprints
// have equal keys.
func (f Fingerprint) Key() string {
	canon := fmt.Sprintf("os=%s\x00arch=%s\x00cpu=%s\x00isa=%s\x00cores=%d\x00gomaxprocs=%d",
		f.OS, f.Arch, f.CPU, f.ISA, f.Cores, f.GOMAXPROCS)
	sum := sha256.Sum256([]byte(canon))
	parts := []string{orUnknown(f.OS), orUnknown(f.Arch), orUnknown(f.ISA)}
	if f.Cores > 0 {
		parts = append(parts, fmt.Sprintf("%dc", f.Cores))
	} else if f.GOMAXPROCS > 0 {
		parts = append(parts, fmt.Sprintf("p%d", f.GOMAXPROCS))
	}
	prefix := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return '_'
	}, strings.Join(parts, "-"))
	return prefix + "-" + hex.EncodeToString(sum[:6])
}

// Diff lists the fields known on both sides that differ, as
// `CPU "A" vs "B"`; empty when the fingerprints are compatible.
func (f Fingerprint) Diff(g Fingerprint) []string {
	var d []string
	str := func(name, a, b string) {
		if a != "" && b != "" && a != b {
			d = append(d, fmt.Sprintf("%s %q vs %q", name, a, b))
		}
	}
	num := func(name string, a, b int) {
		if a > 0 && b > 0 && a != b {
			d = append(d, fmt.Sprintf("%s %d vs %d", name, a, b))
		}
	}
	str("OS", f.OS, g.OS)
	str("arch", f.Arch, g.Arch)
	str("CPU", f.CPU, g.CPU)
	str("ISA level", f.ISA, g.ISA)
	num("cores", f.Cores, g.Cores)
	num("GOMAXPROCS", f.GOMAXPROCS, g.GOMAXPROCS)
	return d
}

// Merge fills f's unknown fields from g; g's known fields that differ from
// f's are reported by f.Diff(g) and left as f has them.
func (f Fingerprint) Merge(g Fingerprint) Fingerprint {
	if f.OS == "" {
		f.OS = g.OS
	}
	if f.Arch == "" {
		f.Arch = g.Arch
	}
	if f.CPU == "" {
		f.CPU = g.CPU
	}
	if f.ISA == "" {
		f.ISA = g.ISA
	}
	if f.Cores == 0 {
		f.Cores = g.Cores
	}
	if f.GOMAXPROCS == 0 {
		f.GOMAXPROCS = g.GOMAXPROCS
	}
	return f
}
