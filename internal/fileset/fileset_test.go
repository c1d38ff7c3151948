package fileset

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bitnet-go/bitnet-bench/internal/childtest"
)

var names = []string{"results.json", "results.txt", "report.html"}

// set returns the files of run id; report.html is the large one, as in a
// real run, so a kill often lands while it is written.
func set(id int) []File {
	var fs []File
	for i, n := range names {
		data := fmt.Appendf(nil, "run %d\n", id)
		if i == 2 {
			data = append(data, bytes.Repeat([]byte("x"), 1<<20)...)
		}
		fs = append(fs, File{n, data})
	}
	return fs
}

// runOf reads the run id of every member of the set in dir; -1 for a
// missing file. A consistent set has one id (or no files at all).
func runOf(t *testing.T, dir string) []int {
	t.Helper()
	var ids []int
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(dir, n))
		if errors.Is(err, os.ErrNotExist) {
			ids = append(ids, -1)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		first, _, _ := bytes.Cut(data, []byte{'\n'})
		id, err := strconv.Atoi(strings.TrimPrefix(string(first), "run "))
		if err != nil {
			t.Fatalf("%s/%s: %q is not a whole file of ours", dir, n, first)
		}
		ids = append(ids, id)
	}
	return ids
}

func sameRun(ids []int) bool {
	for _, id := range ids {
		if id != ids[0] {
			return false
		}
	}
	return true
}

// TestCommitStoppedAtEveryStep stops a commit after each of its steps, as
// a kill would (no clean-up), and checks that the directory holds the old
// set or the new one, whole, and keeps the file that was beside the set.
func TestCommitStoppedAtEveryStep(t *testing.T) {
	for _, start := range []string{"absent", "old set", "old set and a file of the user's"} {
		for stopAt := 1; ; stopAt++ {
			parent := t.TempDir()
			dir := filepath.Join(parent, "out")
			if start != "absent" {
				w, err := Prepare(dir, names)
				if err != nil {
					t.Fatal(err)
				}
				if err := w.Commit(set(1)); err != nil {
					t.Fatal(err)
				}
			}
			if start == "old set and a file of the user's" {
				os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644)
			}
			w, err := Prepare(dir, names)
			if err != nil {
				t.Fatal(err)
			}
			if !w.Atomic {
				t.Fatalf("%s: not atomic: %s", start, w.Reason)
			}
			steps := 0
			hook = func(string) error {
				if steps++; steps == stopAt {
					return errors.New("killed")
				}
				return nil
			}
			err = w.Commit(set(2))
			hook = nil
			ids := runOf(t, dir)
			if !sameRun(ids) {
				t.Fatalf("%s, stopped at step %d: mixed set %v", start, stopAt, ids)
			}
			if start == "old set and a file of the user's" {
				if b, _ := os.ReadFile(filepath.Join(dir, "notes.txt")); string(b) != "mine" {
					t.Fatalf("stopped at step %d: the user's file is gone", stopAt)
				}
			}
			if err == nil { // every step ran
				if ids[0] != 2 {
					t.Fatalf("%s: commit succeeded but the set is run %d", start, ids[0])
				}
				if left, _ := filepath.Glob(filepath.Join(parent, ".out.tmp-*")); len(left) > 0 {
					t.Fatalf("%s: staging left behind: %v", start, left)
				}
				break
			}
		}
	}
}

// TestKilledMidCommit SIGKILLs a child process that commits sets in a loop
// at many random moments, and checks the set on disk after every kill.
func TestKilledMidCommit(t *testing.T) {
	if dir := os.Getenv("FILESET_TEST_CHILD_DIR"); dir != "" {
		start, _ := strconv.Atoi(os.Getenv("FILESET_TEST_CHILD_START"))
		for id := start; ; id++ {
			prepare := Prepare
			if os.Getenv("FILESET_TEST_PER_FILE") != "" { // the writes before sets were one unit
				prepare = PrepareFiles
			}
			w, err := prepare(dir, names)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(3)
			}
			if err := w.Commit(set(id)); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(3)
			}
			if id == start {
				fmt.Println("ready")
			}
		}
	}
	if runtime.GOOS == "windows" {
		t.Skip("no SIGKILL")
	}
	kills := 80
	if testing.Short() {
		kills = 20
	}
	dir := filepath.Join(t.TempDir(), "out")
	seen := map[int]bool{}
	for k := 0; k < kills; k++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKilledMidCommit$")
		cmd.Env = append(os.Environ(), "FILESET_TEST_CHILD_DIR="+dir, fmt.Sprintf("FILESET_TEST_CHILD_START=%d", 1000*(k+1)))
		// Kill at a random moment after the child's first whole commit.
		stderr := childtest.Start(t, cmd)
		time.Sleep(time.Duration(rand.IntN(20000)) * time.Microsecond)
		cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != -1 {
			t.Fatalf("child did not die of the kill (%v): %s", err, stderr.Bytes())
		}
		ids := runOf(t, dir)
		if !sameRun(ids) {
			t.Fatalf("kill %d: mixed set %v", k, ids)
		}
		seen[ids[0]] = true
	}
	t.Logf("%d kills, the set was always whole (%d distinct runs on disk after them)", kills, len(seen))
}

func TestPrepareRefusesAFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "out")
	os.WriteFile(p, nil, 0o644)
	if _, err := Prepare(p, names); !errors.Is(err, ErrNotDir) {
		t.Fatalf("Prepare(file) = %v, want ErrNotDir", err)
	}
}

// TestPerFileWhereNoSwap: a symbolic link or a directory holding a
// directory of the user's cannot be swapped; the files are still written,
// and Reason says why the set is not one unit.
func TestPerFileWhereNoSwap(t *testing.T) {
	parent := t.TempDir()
	real := filepath.Join(parent, "real")
	os.Mkdir(real, 0o755)
	link := filepath.Join(parent, "link")
	if err := os.Symlink(real, link); err != nil {
		t.Skip(err)
	}
	sub := filepath.Join(parent, "withsub")
	os.MkdirAll(filepath.Join(sub, "keep"), 0o755)
	for _, dir := range []string{link, sub} {
		w, err := Prepare(dir, names)
		if err != nil {
			t.Fatal(err)
		}
		if w.Atomic || w.Reason == "" {
			t.Fatalf("%s: Atomic %v, Reason %q; want per-file with a reason", dir, w.Atomic, w.Reason)
		}
		if err := w.Commit(set(7)); err != nil {
			t.Fatal(err)
		}
		if ids := runOf(t, dir); ids[0] != 7 || !sameRun(ids) {
			t.Fatalf("%s: %v", dir, ids)
		}
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatal("the symbolic link was replaced")
	}
}

// TestPrepareFindsUnwritable: an output that cannot be created fails at
// Prepare, before any work (even for root: /proc takes no new entries).
func TestPrepareFindsUnwritable(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("uses /proc")
	}
	if _, err := Prepare("/proc/bitnet-bench-test-out", names); err == nil {
		t.Fatal("Prepare under /proc succeeded")
	}
	if _, err := PrepareFiles("/proc", names); err == nil {
		t.Fatal("PrepareFiles(/proc) succeeded")
	}
}

func TestSaveAside(t *testing.T) {
	dir, err := SaveAside(set(3))
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if ids := runOf(t, dir); ids[0] != 3 || !sameRun(ids) {
		t.Fatalf("%v", ids)
	}
}
