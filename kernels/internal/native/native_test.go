package native

import (
	"errors"
	"sync"
	"testing"
	"time"
)

// TestThread: calls from many goroutines run one at a time on the thread
// (under -race, a variable they all write without a lock shows it), with
// and without polling; Do returns the function's error, and a setup error
// is NewThread's.
func TestThread(t *testing.T) {
	for _, spin := range []time.Duration{0, 50 * time.Microsecond} {
		th, err := NewThread(spin, nil)
		if err != nil {
			t.Fatal(err)
		}
		owner := 0 // written by every call, without a lock
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 100 {
					want := g*1000 + i
					if err := th.Do(func() error { owner = want; return nil }); err != nil {
						t.Error(err)
					}
				}
			}()
		}
		wg.Wait()
		if err := th.Do(func() error {
			if owner < 0 || owner%1000 != 99 {
				return errors.New("a call was lost") // each goroutine's last call sets 99
			}
			return nil
		}); err != nil {
			t.Error(err, owner)
		}
		boom := errors.New("boom")
		if err := th.Do(func() error { return boom }); err != boom {
			t.Errorf("Do returned %v, want the function's error", err)
		}
	}
	if _, err := NewThread(0, func() error { return errors.New("no device") }); err == nil || err.Error() != "no device" {
		t.Errorf("setup error: %v", err)
	}
}

func TestCString(t *testing.T) {
	b := []byte("cuda\x00junk")
	if got := CString(&b[0]); got != "cuda" {
		t.Errorf("CString = %q", got)
	}
	if CString(nil) != "" {
		t.Error("CString(nil) is not empty")
	}
}
