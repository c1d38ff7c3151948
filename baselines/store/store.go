package store

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/bitnet-go/bitnet-bench/baselines/input"
	"github.com/bitnet-go/bitnet-bench/baselines/machine"
)

// Schema versions the files of a Store.
const Schema = "bitnet-bench/baseline/v1"

// Env names the environment variable that overrides the default store
// directory.
const Env = "BITNET_BENCH_STORE"

// DefaultDir is where baselines live unless --store says otherwise:
// $BITNET_BENCH_STORE, else $XDG_DATA_HOME/bitnet-bench/baselines when
// XDG_DATA_HOME is set, else .bitnet-bench/baselines under the working
// directory (a path a CI cache can keep next to the checkout).
func DefaultDir() string {
	if d := os.Getenv(Env); d != "" {
		return d
	}
	if x := os.Getenv("XDG_DATA_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "bitnet-bench", "baselines")
	}
	return filepath.Join(".bitnet-bench", "baselines")
}

// Store is a directory of baselines per machine fingerprint and name. A
// name keeps a history of runs, one file each, newest last:
// DIR/<fingerprint key>/<name>/<UTC time>-<random>.json. Saving adds a run
// (keeping the newest Keep); it never replaces one, and concurrent saves
// write distinct files, so none is lost. The run is the unit of
// replication: regression-check compares against the history's runs as
// runs, which gives it the spread between runs that one run cannot.
// (A file DIR/<key>/<name>.json from before histories is read as one run.)
type Store struct {
	Dir string
	// Keep is how many runs per name and machine Save keeps
	// (DefaultKeep when 0).
	Keep int
}

// DefaultKeep is the history a name keeps per machine: enough runs for
// the run-level interval (stats.RunsInterval), few enough that they come from recent code.
const DefaultKeep = 10

// Baseline is one stored baseline: the files it was saved from, verbatim,
// with where and when they were measured. Reading it back parses the same
// bytes with the same readers as a file given on the command line.
type Baseline struct {
	Schema      string              `json:"schema"`
	Name        string              `json:"name"`
	Created     time.Time           `json:"created"`
	Commit      string              `json:"commit,omitempty"`
	Dirty       bool                `json:"dirty,omitempty"`
	Command     []string            `json:"command,omitempty"` // the command line that saved it
	Fingerprint machine.Fingerprint `json:"fingerprint"`
	Key         string              `json:"key"` // Fingerprint.Key()
	Sources     []Source            `json:"sources"`
}

// Source is one input file of a baseline, kept whole.
type Source struct {
	File string     `json:"file"` // as given when saved
	Kind input.Kind `json:"kind"`
	Data string     `json:"data"`
}

// Meta is what NewBaseline records besides the data.
type Meta struct {
	Created time.Time
	Commit  string
	Dirty   bool
	Command []string
}

var baselineName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$`)

// CheckName refuses names that cannot be file names in every store.
func CheckName(name string) error {
	if !baselineName.MatchString(name) || strings.HasSuffix(name, ".json") {
		return fmt.Errorf("baseline name %q: want 1-100 letters, digits, '.', '_' or '-', starting with a letter or digit", name)
	}
	return nil
}

// NewBaseline reads the files (results.json or Go benchmark text, merged as
// one side) and returns the baseline to save, with the merged input. The
// fingerprint comes from the files; fill, when not zero, supplies the
// fields the files do not name (Go benchmark text names no ISA level or
// core count) provided it agrees with every field they do name.
func NewBaseline(name string, paths []string, meta Meta, fill machine.Fingerprint) (*Baseline, *input.Input, error) {
	if err := CheckName(name); err != nil {
		return nil, nil, err
	}
	in, err := input.ReadInputs(paths)
	if err != nil {
		return nil, nil, err
	}
	if !slices.ContainsFunc(in.Names, func(n string) bool { return len(in.Cases[n].Units) > 0 }) {
		return nil, nil, &input.InputError{File: in.File, Msg: "no measured case: a baseline needs samples"}
	}
	fp := in.Machine
	if !fill.IsZero() && len(fp.Diff(fill)) == 0 {
		fp = fp.Merge(fill)
	}
	b := &Baseline{
		Schema: Schema, Name: name, Created: meta.Created.UTC(),
		Commit: meta.Commit, Dirty: meta.Dirty, Command: meta.Command,
		Fingerprint: fp, Key: fp.Key(),
	}
	if b.Created.IsZero() {
		b.Created = time.Now().UTC()
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, nil, &input.InputError{File: p, Msg: "cannot read file: " + err.Error(), Err: err}
		}
		kind := input.KindBenchText
		if t := bytes.TrimSpace(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))); len(t) > 0 && t[0] == '{' {
			kind = input.KindResultsJSON
		}
		b.Sources = append(b.Sources, Source{File: p, Kind: kind, Data: string(data)})
	}
	return b, in, nil
}

// Path is where the store kept the single baseline file of a name before
// histories: DIR/<key>/<name>.json. It is still read.
func (s Store) Path(key, name string) string {
	return filepath.Join(s.Dir, key, name+".json")
}

// HistoryDir is the directory of the runs saved as name for key.
func (s Store) HistoryDir(key, name string) string {
	return filepath.Join(s.Dir, key, name)
}

// DuplicateError is a save of files already in the history: their samples
// would count twice.
type DuplicateError struct{ Path string }

func (e *DuplicateError) Error() string {
	return "these files are already saved as " + e.Path + ": saving them again would count their samples twice (--force saves them anyway)"
}

// Save adds b to the history of its name and machine and returns its path
// and the paths of the runs it pruned (beyond Keep, oldest first). Unless
// force, it refuses (*DuplicateError) a baseline whose sources are already
// in the history.
func (s Store) Save(b *Baseline, force bool) (path string, pruned []string, err error) {
	if err := CheckName(b.Name); err != nil {
		return "", nil, err
	}
	if b.Key != b.Fingerprint.Key() {
		return "", nil, fmt.Errorf("baseline %s: key %q does not match its fingerprint (%q)", b.Name, b.Key, b.Fingerprint.Key())
	}
	data, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return "", nil, err
	}
	dir := s.HistoryDir(b.Key, b.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", nil, err
	}
	runs, err := s.Runs(b.Key, b.Name)
	if err != nil {
		return "", nil, err
	}
	if !force {
		for _, r := range runs {
			if r.Baseline != nil && sameSources(r.Baseline, b) {
				return "", nil, &DuplicateError{Path: r.Path}
			}
		}
	}
	// A unique name: the creation time sorts the history, the random part
	// keeps concurrent saves apart; O_EXCL refuses to overwrite anything.
	var rnd [6]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return "", nil, err
	}
	name := b.Created.UTC().Format("20060102T150405.000000000Z") + "-" + hex.EncodeToString(rnd[:]) + ".json"
	path = filepath.Join(dir, name)
	tmp, err := os.CreateTemp(dir, ".save-*")
	if err != nil {
		return "", nil, err
	}
	_, werr := tmp.Write(append(data, '\n'))
	if err := errors.Join(werr, tmp.Sync(), tmp.Close()); err != nil {
		os.Remove(tmp.Name())
		return "", nil, err
	}
	// Link, not rename: a link fails when the name exists.
	if err := os.Link(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return "", nil, err
	}
	os.Remove(tmp.Name())
	keep := s.Keep
	if keep <= 0 {
		keep = DefaultKeep
	}
	if runs, err = s.Runs(b.Key, b.Name); err != nil {
		return path, nil, err
	}
	for len(runs) > keep {
		if err := os.Remove(runs[0].Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return path, pruned, err
		}
		pruned = append(pruned, runs[0].Path)
		runs = runs[1:]
	}
	return path, pruned, nil
}

// sameSources reports whether two baselines hold the same files' data.
func sameSources(a, b *Baseline) bool {
	return slices.EqualFunc(a.Sources, b.Sources, func(x, y Source) bool { return x.Data == y.Data })
}

// Runs lists the runs saved as name for key, oldest first: the history's
// files, after a pre-history single file if there is one.
func (s Store) Runs(key, name string) ([]Entry, error) {
	var out []Entry
	if _, err := os.Stat(s.Path(key, name)); err == nil {
		out = append(out, s.readEntry(s.Path(key, name), key, name))
	}
	files, err := os.ReadDir(s.HistoryDir(key, name))
	if errors.Is(err, fs.ErrNotExist) {
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	for _, f := range files { // ReadDir sorts by name: by creation time
		if f.IsDir() || strings.HasPrefix(f.Name(), ".") || !strings.HasSuffix(f.Name(), ".json") {
			continue
		}
		out = append(out, s.readEntry(filepath.Join(s.HistoryDir(key, name), f.Name()), key, name))
	}
	return out, nil
}

// readEntry reads one stored run, checking it is where its contents say.
func (s Store) readEntry(p, key, name string) Entry {
	e := Entry{Path: p}
	data, err := os.ReadFile(p)
	if err == nil {
		e.Baseline, err = ParseBaseline(data, p)
	}
	if err == nil && (e.Baseline.Key != key || e.Baseline.Name != name) {
		err = &input.InputError{File: p, Msg: fmt.Sprintf("holds baseline %q for machine %s: the file was moved or renamed", e.Baseline.Name, e.Baseline.Key)}
	}
	if err != nil {
		e.Baseline, e.Err = nil, err
	}
	return e
}

// ParseBaseline reads a stored baseline file; name is used in errors.
func ParseBaseline(data []byte, name string) (*Baseline, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var b Baseline
	if err := dec.Decode(&b); err != nil {
		return nil, &input.InputError{File: name, Msg: "not a stored baseline: " + err.Error(), Err: err}
	}
	if dec.More() {
		return nil, &input.InputError{File: name, Msg: "unexpected data after the baseline object"}
	}
	switch {
	case b.Schema != Schema:
		return nil, &input.InputError{File: name, Msg: fmt.Sprintf("schema %q: want %q", b.Schema, Schema)}
	case CheckName(b.Name) != nil:
		return nil, &input.InputError{File: name, Msg: CheckName(b.Name).Error()}
	case b.Key != b.Fingerprint.Key():
		return nil, &input.InputError{File: name, Msg: fmt.Sprintf("key %q does not match the fingerprint (%q): the file was edited", b.Key, b.Fingerprint.Key())}
	case len(b.Sources) == 0:
		return nil, &input.InputError{File: name, Msg: "no sources: the baseline holds no data"}
	}
	return &b, nil
}

// Input parses the stored sources as input.ReadInputs parses files; errors name
// the store file and the source.
func (b *Baseline) Input(storePath string) (*input.Input, error) {
	var ins []*input.Input
	for i, s := range b.Sources {
		in, err := input.ParseInput([]byte(s.Data), fmt.Sprintf("%s[%s]", storePath, sourceLabel(i, s.File)))
		if err != nil {
			return nil, err
		}
		ins = append(ins, in)
	}
	in, err := input.MergeInputs(ins...)
	if err != nil {
		return nil, err
	}
	in.File = "baseline " + b.Name
	// The stored fingerprint may know more than the files (see NewBaseline).
	if len(in.Machine.Diff(b.Fingerprint)) == 0 {
		in.Machine = in.Machine.Merge(b.Fingerprint)
	}
	return in, nil
}

func sourceLabel(i int, file string) string {
	if file == "" {
		return fmt.Sprint(i)
	}
	return filepath.Base(file)
}

// Entry is a baseline found in a store.
type Entry struct {
	Path     string
	Baseline *Baseline
	Err      error // the file could not be read; Baseline is nil
}

// List returns every stored run in the store, sorted by name, then newest
// first. Unreadable files are listed with Err set rather than skipped. A
// store directory that does not exist is empty.
func (s Store) List() ([]Entry, error) {
	dirs, err := os.ReadDir(s.Dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []Entry
	for _, d := range dirs {
		if !d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			continue
		}
		key := d.Name()
		files, err := os.ReadDir(filepath.Join(s.Dir, key))
		if err != nil {
			return nil, err
		}
		names := map[string]bool{}
		for _, f := range files {
			n, isFile := strings.CutSuffix(f.Name(), ".json")
			switch {
			case strings.HasPrefix(f.Name(), "."):
			case f.IsDir():
				names[f.Name()] = true
			case isFile:
				names[n] = true
			}
		}
		for _, n := range slices.Sorted(maps.Keys(names)) {
			runs, err := s.Runs(key, n)
			if err != nil {
				return nil, err
			}
			out = append(out, runs...)
		}
	}
	slices.SortStableFunc(out, func(a, b Entry) int {
		switch {
		case a.Baseline == nil || b.Baseline == nil:
			return strings.Compare(a.Path, b.Path)
		case a.Baseline.Name != b.Baseline.Name:
			return strings.Compare(a.Baseline.Name, b.Baseline.Name)
		}
		return b.Baseline.Created.Compare(a.Baseline.Created)
	})
	return out, nil
}

// Found is the result of Store.Find.
type Found struct {
	Entry // the newest run
	// Runs is the history saved for that machine, newest first (Entry
	// is Runs[0]); unreadable runs are left out.
	Runs []Entry
	// Mismatch lists how the baseline's machine differs from the one asked
	// for; empty when they are compatible.
	Mismatch []string
	// Others are the other machines the name was saved for, their newest
	// run each.
	Others []Entry
}

// Find returns the baseline called name for the machine fp: the one saved
// for exactly fp, else one compatible with it (differing only in fields one
// side does not know; the one knowing the most, then the newest), else, so
// the caller can warn or refuse, the closest other machine's (fewest
// differing fields, then newest) with Mismatch set. It fails when no
// baseline has that name.
func (s Store) Find(name string, fp machine.Fingerprint) (*Found, error) {
	if err := CheckName(name); err != nil {
		return nil, err
	}
	all, err := s.List()
	if err != nil {
		return nil, err
	}
	var named []Entry
	names := map[string]bool{}
	for _, e := range all {
		if e.Baseline == nil {
			continue
		}
		names[e.Baseline.Name] = true
		if e.Baseline.Name == name {
			named = append(named, e)
		}
	}
	if len(named) == 0 {
		have := slices.Sorted(maps.Keys(names))
		msg := fmt.Sprintf("no baseline named %q in %s", name, s.Dir)
		if len(have) > 0 {
			msg += " (it has: " + strings.Join(have, ", ") + ")"
		} else {
			msg += " (it is empty: save one with \"bitnet-bench baseline save\")"
		}
		return nil, errors.New(msg)
	}
	// named is newest first; a stable sort keeps that among equals.
	known := func(f machine.Fingerprint) int {
		n := 0
		for _, b := range []bool{f.OS != "", f.Arch != "", f.CPU != "", f.ISA != "", f.Cores > 0, f.GOMAXPROCS > 0} {
			if b {
				n++
			}
		}
		return n
	}
	key := fp.Key()
	slices.SortStableFunc(named, func(a, b Entry) int {
		fa, fb := a.Baseline.Fingerprint, b.Baseline.Fingerprint
		ea, eb := a.Baseline.Key == key, b.Baseline.Key == key
		if ea != eb {
			if ea {
				return -1
			}
			return 1
		}
		if da, db := len(fp.Diff(fa)), len(fp.Diff(fb)); da != db {
			return da - db
		}
		return known(fb) - known(fa)
	})
	best := named[0]
	f := &Found{Entry: best, Mismatch: fp.Diff(best.Baseline.Fingerprint)}
	for _, e := range named {
		if e.Baseline.Key == best.Baseline.Key {
			f.Runs = append(f.Runs, e)
		} else if !slices.ContainsFunc(f.Others, func(o Entry) bool { return o.Baseline.Key == e.Baseline.Key }) {
			f.Others = append(f.Others, e)
		}
	}
	slices.SortStableFunc(f.Runs, func(a, b Entry) int { return b.Baseline.Created.Compare(a.Baseline.Created) })
	f.Entry = f.Runs[0]
	return f, nil
}

// Input merges the history's runs (Runs, oldest first) as one side of a
// comparison whose runs are the stored runs: each stored file is a run.
func (f *Found) Input() (*input.Input, error) {
	var ins []*input.Input
	for i := len(f.Runs) - 1; i >= 0; i-- {
		in, err := f.Runs[i].Baseline.Input(f.Runs[i].Path)
		if err != nil {
			return nil, err
		}
		ins = append(ins, in)
	}
	in, err := input.MergeInputs(ins...)
	if err != nil {
		return nil, err
	}
	return in, nil
}
