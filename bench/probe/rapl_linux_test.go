package probe

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakePowercap builds a powercap tree: package-0 with a core subzone.
func fakePowercap(t *testing.T, pkgUJ, coreUJ, maxUJ uint64) string {
	t.Helper()
	root := t.TempDir()
	write := func(dir, name, val string) {
		if err := os.MkdirAll(filepath.Join(root, dir), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, dir, name), []byte(val+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("intel-rapl:0", "name", "package-0")
	write("intel-rapl:0", "energy_uj", fmt.Sprint(pkgUJ))
	write("intel-rapl:0", "max_energy_range_uj", fmt.Sprint(maxUJ))
	write("intel-rapl:0:0", "name", "core")
	write("intel-rapl:0:0", "energy_uj", fmt.Sprint(coreUJ))
	write("intel-rapl:0:0", "max_energy_range_uj", fmt.Sprint(maxUJ))
	return root
}

func TestRAPLCountsAcrossWrap(t *testing.T) {
	root := fakePowercap(t, 999_000_000, 10, 1_000_000_000)
	old := powercapRoot
	powercapRoot = root
	defer func() { powercapRoot = old }()
	src, channels, err := openRAPL()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(channels, ",") != "package-0,package-0/core" {
		t.Fatalf("channels %v", channels)
	}
	// The package counter wraps: 999 J → 1 J is 2 J of energy.
	os.WriteFile(filepath.Join(root, "intel-rapl:0", "energy_uj"), []byte("1000000\n"), 0o644)
	os.WriteFile(filepath.Join(root, "intel-rapl:0:0", "energy_uj"), []byte("500010\n"), 0o644)
	r, err := src.Read()
	if err != nil {
		t.Fatal(err)
	}
	if r.EnergyJ["package-0"] != 2 || r.EnergyJ["package-0/core"] != 0.5 {
		t.Errorf("energy %v, want package 2 J (across the wrap) and core 0.5 J", r.EnergyJ)
	}
}

func TestRAPLAbsentAndForbidden(t *testing.T) {
	old := powercapRoot
	defer func() { powercapRoot = old }()
	powercapRoot = filepath.Join(t.TempDir(), "nothing")
	if _, _, err := openRAPL(); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("absent powercap: %v", err)
	}
	powercapRoot = fakePowercap(t, 1, 1, 10)
	oldRead := readFile
	defer func() { readFile = oldRead }()
	readFile = func(p string) ([]byte, error) {
		if strings.HasSuffix(p, "energy_uj") {
			return nil, &fs.PathError{Op: "open", Path: p, Err: fs.ErrPermission}
		}
		return os.ReadFile(p)
	}
	if _, _, err := openRAPL(); err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("unreadable energy_uj: %v", err)
	}
}
