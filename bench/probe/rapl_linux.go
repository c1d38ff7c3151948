package probe

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// powercapRoot is where Linux exposes RAPL energy counters (intel-rapl, also
// used by AMD's driver since Linux 5.8). A variable so tests can point it
// at a fake tree.
var powercapRoot = "/sys/class/powercap"

func init() { register("rapl", "energy", openRAPL) }

// raplZone is one energy_uj counter. The counter wraps at
// max_energy_range_uj; read keeps a cumulative total across wraps, which is
// correct as long as it is read more often than one wrap (minutes at
// package power; the sampler reads every 100 ms).
type raplZone struct {
	name     string
	path     string
	maxRange uint64
	last     uint64
	total    float64 // joules since open
}

type raplSource struct{ zones []*raplZone }

func openRAPL() (Source, []string, error) {
	dirs, err := filepath.Glob(filepath.Join(powercapRoot, "intel-rapl:*"))
	if err != nil || len(dirs) == 0 {
		if _, statErr := os.Stat(powercapRoot); statErr != nil {
			return nil, nil, fmt.Errorf("no RAPL: %s does not exist (no powercap driver, or a VM that does not expose it)", powercapRoot)
		}
		return nil, nil, fmt.Errorf("no RAPL zones under %s", powercapRoot)
	}
	src := &raplSource{}
	var names []string
	for _, d := range dirs {
		nameB, err := os.ReadFile(filepath.Join(d, "name"))
		if err != nil {
			continue
		}
		name := strings.TrimSpace(string(nameB))
		if parent := filepath.Base(d); strings.Count(parent, ":") == 2 { // a subzone: qualify it
			pkg := strings.Join(strings.Split(parent, ":")[:2], ":")
			if pn, err := os.ReadFile(filepath.Join(powercapRoot, pkg, "name")); err == nil {
				name = strings.TrimSpace(string(pn)) + "/" + name
			}
		}
		z := &raplZone{name: name, path: filepath.Join(d, "energy_uj")}
		if b, err := os.ReadFile(filepath.Join(d, "max_energy_range_uj")); err == nil {
			z.maxRange, _ = strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
		}
		v, err := readUint(z.path)
		if err != nil {
			if errors.Is(err, fs.ErrPermission) {
				return nil, nil, fmt.Errorf("RAPL present but %s is not readable: permission denied (root only since CVE-2020-8694; run as root or relax the file's mode)", z.path)
			}
			return nil, nil, fmt.Errorf("RAPL: %v", err)
		}
		z.last = v
		src.zones = append(src.zones, z)
		names = append(names, name)
	}
	if len(src.zones) == 0 {
		return nil, nil, fmt.Errorf("RAPL zones under %s have no readable name", powercapRoot)
	}
	return src, names, nil
}

func (s *raplSource) Name() string { return "rapl" }

func (s *raplSource) Read() (Reading, error) {
	var r Reading
	for _, z := range s.zones {
		v, err := readUint(z.path)
		if err != nil {
			return r, err
		}
		d := v - z.last
		if v < z.last { // wrapped
			if z.maxRange == 0 {
				return r, fmt.Errorf("RAPL %s counter went back (%d → %d) and max_energy_range_uj is unknown", z.name, z.last, v)
			}
			d = z.maxRange - z.last + v
		}
		z.last = v
		z.total += float64(d) / 1e6
		r.set(&r.EnergyJ, z.name, z.total)
	}
	return r, nil
}

func (s *raplSource) Close() error { return nil }

// readFile is os.ReadFile, replaceable in tests (root reads any file, so a
// permission error cannot be produced on disk there).
var readFile = os.ReadFile

func readUint(path string) (uint64, error) {
	b, err := readFile(path)
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
}
