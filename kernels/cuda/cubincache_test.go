package cuda

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestCubinCache: a stored module comes back byte for byte under its key;
// any change of what it was compiled from is another key; a missing or
// empty entry is no module.
func TestCubinCache(t *testing.T) {
	dir := t.TempDir()
	opts := []string{"--gpu-architecture=sm_90", "--std=c++17"}
	key := cubinKey(13, 0, "sm_90", opts, "src")
	for _, other := range []string{
		cubinKey(12, 8, "sm_90", opts, "src"), cubinKey(13, 0, "sm_90a", opts, "src"),
		cubinKey(13, 0, "sm_90", opts[:1], "src"), cubinKey(13, 0, "sm_90", opts, "src "),
	} {
		if other == key {
			t.Errorf("two different compilations share key %s", key)
		}
	}
	if b := loadCubin(dir, key); b != nil {
		t.Fatalf("an empty cache gave %d bytes", len(b))
	}
	want := []byte{1, 2, 3, 0, 4}
	storeCubin(dir, key, want)
	if got := loadCubin(dir, key); !bytes.Equal(got, want) {
		t.Errorf("stored %v, loaded %v", want, got)
	}
	if err := os.WriteFile(filepath.Join(dir, key+".cubin"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if b := loadCubin(dir, key); b != nil {
		t.Errorf("an empty entry gave %d bytes", len(b))
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("%d files in the cache after one store (temporary files left?)", len(entries))
	}
	storeCubin("", key, want) // off: nothing, no panic
	t.Setenv("BITNET_CUDA_CUBINS", "off")
	if d := cubinCacheDir(); d != "" {
		t.Errorf("BITNET_CUDA_CUBINS=off gave directory %q", d)
	}
}
