// Package fileset writes files that belong together, such as the
// results.json, results.txt and report.html of one run, so that a reader, or
// a process killed mid-write, finds the whole old set or the whole new set
// in the directory, never a mix of the two.
//
// A Writer is prepared before the work whose output it writes, so that an
// output that cannot be written is found before anything is measured, and
// committed after. The set is written into a new directory beside the
// target and swapped in with one atomic rename (renameat2 RENAME_EXCHANGE on
// Linux, renamex_np RENAME_SWAP on macOS). Where a swap is impossible (the
// parent directory is not writable, the target is a mount point or a
// symbolic link, or holds directories of its own), each file is still
// replaced atomically but the set is not one unit, and Writer.Reason says
// why.
package fileset

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// File is one member of a set.
type File struct {
	Name string // base name inside the directory
	Data []byte
}

// ErrNotDir is returned by Prepare when the target exists and is not a
// directory: a usage error rather than an I/O failure.
var ErrNotDir = errors.New("exists and is not a directory")

// Writer replaces the set of files in one directory.
type Writer struct {
	Dir string
	// Atomic is true when the set is replaced as one unit; otherwise
	// Reason says why not.
	Atomic bool
	Reason string

	stage string // staging directory beside Dir, in atomic mode
	names []string
}

// hook, when set by tests, runs between the steps of a commit; an error
// stops the commit there without any clean-up, as a kill would.
var hook func(step string) error

func step(name string) error {
	if hook != nil {
		return hook(name)
	}
	return nil
}

// Prepare checks that dir can receive the set of files called names, and
// creates its staging directory now, so that an unwritable output is found
// before the work that produces it. Entries of dir other than names are
// kept: regular files are carried over into the new set by hard links.
func Prepare(dir string, names []string) (*Writer, error) {
	w := &Writer{Dir: dir, names: names}
	fi, err := os.Lstat(dir)
	exists := err == nil
	switch {
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return nil, err
	case exists && fi.Mode()&fs.ModeSymlink != 0:
		if fi, err = os.Stat(dir); err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			return nil, fmt.Errorf("%s: %w", dir, ErrNotDir)
		}
		return w.perFile("it is a symbolic link, which a swap would replace by a directory")
	case exists && !fi.IsDir():
		return nil, fmt.Errorf("%s: %w", dir, ErrNotDir)
	}
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, err
	}
	if exists {
		if other := w.foreignNonFiles(); other != "" {
			return w.perFile(fmt.Sprintf("it holds %s, which a swap cannot carry over", other))
		}
	}
	stage, err := os.MkdirTemp(parent, "."+filepath.Base(filepath.Clean(dir))+".tmp-")
	if err != nil {
		if !exists {
			return nil, err
		}
		return w.perFile(fmt.Sprintf("no directory can be created beside it (%v)", err))
	}
	w.stage, w.Atomic = stage, true
	return w, nil
}

// PrepareFiles is Prepare for files that share a directory with others
// (name.json beside name.txt and name.html): each file is replaced
// atomically, the set not as one unit.
func PrepareFiles(dir string, names []string) (*Writer, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	w := &Writer{Dir: dir, names: names}
	return w, w.probe()
}

// perFile switches w to replacing files one by one, after checking that
// dir itself can be written.
func (w *Writer) perFile(reason string) (*Writer, error) {
	w.Reason = reason
	return w, w.probe()
}

// probe checks that Dir can be written.
func (w *Writer) probe() error { return CheckDir(w.Dir) }

// CheckDir checks that a file can be created in dir, by creating and
// removing one: the one test that sees permissions, read-only mounts and
// ACLs alike.
func CheckDir(dir string) error {
	f, err := os.CreateTemp(dir, ".bitnet-bench-probe-*")
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(f.Name())
}

// foreignNonFiles names the first entry of Dir that is not one of the set,
// not a leftover temporary file of ours, and not a regular file.
func (w *Writer) foreignNonFiles() string {
	entries, err := os.ReadDir(w.Dir)
	if err != nil {
		return ""
	}
	for _, e := range entries {
		if w.ours(e.Name()) || e.Type().IsRegular() {
			continue
		}
		return fmt.Sprintf("%q", e.Name())
	}
	return ""
}

// ours reports whether name is a member of the set or a temporary file
// that WriteFile left behind for one.
func (w *Writer) ours(name string) bool {
	if slices.Contains(w.names, name) {
		return true
	}
	for _, n := range w.names {
		if strings.HasPrefix(name, "."+n+".tmp-") {
			return true
		}
	}
	return false
}

// Abort removes the staging directory of a set that will not be committed.
func (w *Writer) Abort() {
	if w.stage != "" {
		os.RemoveAll(w.stage)
		w.stage = ""
	}
}

// Commit writes files as the new set.
func (w *Writer) Commit(files []File) error {
	if !w.Atomic {
		return w.commitPerFile(files)
	}
	if err := w.commitSwap(files); err != nil {
		if errors.Is(err, errNoSwap) {
			w.Atomic, w.Reason = false, err.Error()
			w.Abort()
			return w.commitPerFile(files)
		}
		return err
	}
	return nil
}

func (w *Writer) commitPerFile(files []File) error {
	for _, f := range files {
		if err := step("write " + f.Name); err != nil {
			return err
		}
		if err := WriteFile(filepath.Join(w.Dir, f.Name), f.Data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// errNoSwap wraps the reasons a swap cannot be done here, after which the
// files are replaced one by one instead.
var errNoSwap = errors.New("no atomic swap")

func (w *Writer) commitSwap(files []File) error {
	for _, f := range files {
		if err := step("stage " + f.Name); err != nil {
			return err
		}
		if err := writeSynced(filepath.Join(w.stage, f.Name), f.Data, 0o644); err != nil {
			return err
		}
	}
	// The new directory takes the old one's permissions (MkdirTemp made it
	// private).
	perm := os.FileMode(0o755)
	if fi, err := os.Stat(w.Dir); err == nil {
		perm = fi.Mode().Perm()
	}
	if err := os.Chmod(w.stage, perm); err != nil {
		return err
	}
	// Carry over the directory's other files, so that replacing the set
	// loses nothing that was beside it.
	entries, err := os.ReadDir(w.Dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	for _, e := range entries {
		if w.ours(e.Name()) {
			continue
		}
		if !e.Type().IsRegular() {
			return fmt.Errorf("%w: %s holds %q, which a swap cannot carry over", errNoSwap, w.Dir, e.Name())
		}
		if err := os.Link(filepath.Join(w.Dir, e.Name()), filepath.Join(w.stage, e.Name())); err != nil {
			return fmt.Errorf("%w: %v", errNoSwap, err)
		}
	}
	syncDir(w.stage)
	if err := step("swap"); err != nil {
		return err
	}
	if len(entries) == 0 {
		if _, err := os.Lstat(w.Dir); errors.Is(err, fs.ErrNotExist) {
			if err := os.Rename(w.stage, w.Dir); err != nil {
				return err
			}
			w.stage = ""
			syncDir(filepath.Dir(filepath.Clean(w.Dir)))
			return nil
		}
	}
	if err := exchange(w.stage, w.Dir); err != nil {
		return fmt.Errorf("%w: %v", errNoSwap, err)
	}
	if err := step("swapped"); err != nil {
		return err
	}
	// The staging directory now holds the old set.
	w.Abort()
	syncDir(filepath.Dir(filepath.Clean(w.Dir)))
	return nil
}

// SaveAside writes files into a new temporary directory and returns it:
// the last resort when the output cannot be written, so that nothing
// measured is lost.
func SaveAside(files []File) (string, error) {
	dir, err := os.MkdirTemp("", "bitnet-bench-results-")
	if err != nil {
		return "", err
	}
	for _, f := range files {
		if err := writeSynced(filepath.Join(dir, f.Name), f.Data, 0o644); err != nil {
			return dir, err
		}
	}
	return dir, nil
}

// WriteFile writes data to path through a temporary file in the same
// directory and a rename, so a reader never sees a half-written file and an
// interrupted write leaves the old file in place.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	name := tmp.Name()
	tmp.Close()
	if err := writeSynced(name, data, perm); err != nil {
		os.Remove(name)
		return err
	}
	if err := os.Rename(name, path); err != nil {
		os.Remove(name)
		return err
	}
	return nil
}

// writeSynced writes data to path and flushes it to disk before returning,
// so a later rename never exposes a file whose bytes are not yet there.
func writeSynced(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Chmod(path, perm)
}

// syncDir flushes a directory's entries, so a rename in it survives a
// crash. It is best effort: some file systems cannot sync a directory, and
// the rename it follows has already happened.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
