package store

import (
	"bytes"
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
	"github.com/bitnet-go/bitnet-bench/bench/results"
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

// Store is a directory of baselines, one file per machine fingerprint and
// name: DIR/<fingerprint key>/<name>.json.
type Store struct{ Dir string }

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

// Path is where the store keeps the baseline named name for fingerprint key.
func (s Store) Path(key, name string) string {
	return filepath.Join(s.Dir, key, name+".json")
}

// Save writes b atomically, replacing the baseline of the same name and
// fingerprint, and returns its path.
func (s Store) Save(b *Baseline) (string, error) {
	if err := CheckName(b.Name); err != nil {
		return "", err
	}
	if b.Key != b.Fingerprint.Key() {
		return "", fmt.Errorf("baseline %s: key %q does not match its fingerprint (%q)", b.Name, b.Key, b.Fingerprint.Key())
	}
	data, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return "", err
	}
	p := s.Path(b.Key, b.Name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return "", err
	}
	if err := results.WriteFileAtomic(p, append(data, '\n'), 0o644); err != nil {
		return "", err
	}
	return p, nil
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

// List returns every baseline in the store, sorted by name, then newest
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
		files, err := os.ReadDir(filepath.Join(s.Dir, d.Name()))
		if err != nil {
			return nil, err
		}
		for _, f := range files {
			if f.IsDir() || strings.HasPrefix(f.Name(), ".") || !strings.HasSuffix(f.Name(), ".json") {
				continue
			}
			p := filepath.Join(s.Dir, d.Name(), f.Name())
			e := Entry{Path: p}
			data, err := os.ReadFile(p)
			if err == nil {
				e.Baseline, err = ParseBaseline(data, p)
			}
			if err == nil && (e.Baseline.Key != d.Name() || e.Baseline.Name+".json" != f.Name()) {
				err = &input.InputError{File: p, Msg: fmt.Sprintf("holds baseline %q for machine %s: the file was moved or renamed", e.Baseline.Name, e.Baseline.Key)}
			}
			if err != nil {
				e.Baseline, e.Err = nil, err
			}
			out = append(out, e)
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
	Entry
	// Mismatch lists how the baseline's machine differs from the one asked
	// for; empty when they are compatible.
	Mismatch []string
	// Others are the other machines the name was saved for.
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
	return &Found{Entry: best, Mismatch: fp.Diff(best.Baseline.Fingerprint), Others: named[1:]}, nil
}
