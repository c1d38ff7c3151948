package memory

import (
	"strings"
	"testing"
)

func TestTHPMode(t *testing.T) {
	for _, c := range []struct {
		in, mode string
		ok       bool
	}{
		{"always [madvise] never\n", "madvise", true},
		{"[always] madvise never\n", "always", true},
		{"always madvise [never]\n", "never (", false},
		{"garbage\n", "unavailable: unrecognised garbage", false},
	} {
		mode, ok := thpMode(c.in)
		if ok != c.ok || !strings.HasPrefix(mode, c.mode) {
			t.Errorf("thpMode(%q) = %q, %v; want %q…, %v", c.in, mode, ok, c.mode, c.ok)
		}
	}
	if mode, _ := HugePages(); mode == "" {
		t.Error("HugePages gave no mode and no reason")
	}
}

// Regions of huge-page size or more start on a huge-page boundary, so the
// advice can cover all of them.
func TestLargeRegionsHugeAligned(t *testing.T) {
	for _, size := range []uintptr{hugePageSize, 3 * hugePageSize, 5<<20 + 4096} {
		r, err := reserveHost(size, 4096)
		if err != nil {
			t.Fatal(err)
		}
		if r.Addr%hugePageSize != 0 {
			t.Errorf("region of %d bytes at %#x: not %d-aligned", size, r.Addr, hugePageSize)
		}
		if err := releaseHost(r); err != nil {
			t.Fatal(err)
		}
	}
}
